//! The whole directory, handed out a batch at a time.

use std::sync::Arc;

use roster_domain::ports::UserRepository;
use roster_domain::{Result, User, Username};

/// Every user with their grants, ordered by name, read a batch of [`Self::BATCH`] at a
/// time, so that listing a million users never holds them all. It is no snapshot: a user
/// created, renamed or deleted while it is read may be met once, twice (at both names) or
/// not at all; every other user comes exactly once. Only an admin gets one
/// ([`crate::UserService::list`]).
pub struct UserListing {
    users: Arc<dyn UserRepository>,
    after: Option<Username>,
    done: bool,
}

impl UserListing {
    /// The most users in one batch.
    pub const BATCH: u64 = 1000;

    pub(crate) fn new(users: Arc<dyn UserRepository>) -> Self {
        Self {
            users,
            after: None,
            done: false,
        }
    }

    /// The next batch, in name order; `None` once every user has been handed out.
    ///
    /// # Errors
    /// The store's errors; the listing can be asked again after one.
    #[tracing::instrument(level = "debug", name = "users.list_batch", skip_all)]
    pub async fn next_batch(&mut self) -> Result<Option<Vec<User>>> {
        if self.done {
            return Ok(None);
        }
        let batch = self
            .users
            .list_after(self.after.clone(), Self::BATCH)
            .await?;
        self.done = (batch.len() as u64) < Self::BATCH;
        let Some(last) = batch.last() else {
            return Ok(None);
        };
        self.after = Some(last.username.clone());
        Ok(Some(batch))
    }
}
