use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{Principal, Result, TokenHash, UserId};

/// Login sessions, kept by the hash of their bearer token so that every instance of the
/// server shares them and a leaked store yields no usable token.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Records a new session for `user` that ends at `expires_at`, but only if the user's
    /// stored password hash is still `verified_hash`, checked in the statement that inserts
    /// it: a login that verified a password which changed meanwhile opens nothing. Returns
    /// whether the session was opened (`false`: the password changed or the user is gone).
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn create(
        &self,
        token: &TokenHash,
        user: UserId,
        verified_hash: &str,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool>;

    /// The user behind an unexpired session, resolved in one round trip.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn principal(&self, token: &TokenHash, now: DateTime<Utc>) -> Result<Option<Principal>>;

    /// Ends one session; ending an unknown one is not an error.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn revoke(&self, token: &TokenHash) -> Result<()>;

    /// Deletes sessions that ended by `now` and returns how many it deleted. A store may
    /// delete a bounded number per call, so that a purge stays short; later calls delete
    /// the rest.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64>;
}
