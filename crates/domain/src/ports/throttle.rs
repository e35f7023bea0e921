use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;

/// Failed logins counted for one key (a username or a client address) since `started_at`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FailureWindow {
    pub failures: u32,
    pub started_at: DateTime<Utc>,
}

/// The counters one guess is counted against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThrottleKeys {
    /// The guesser's counter (a digest of the name a login tries, or the user guessing an
    /// access code): locked first, and the one a right password ends.
    pub guesser: String,
    /// The client address's counter, when the address is known.
    pub client: Option<String>,
}

impl ThrottleKeys {
    /// Every key, the guesser's first: the order in which rows are locked and windows
    /// answered.
    pub fn all(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.guesser.as_str()).chain(self.client.as_deref())
    }
}

/// Counters of failed logins, kept in the database so that every instance sees them.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait LoginThrottle: Send + Sync {
    /// Counts one attempt against each of `keys`: adds to a window younger than `window`,
    /// or starts a new one. Returns the windows as they now stand, in the order of
    /// [`ThrottleKeys::all`].
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn record_attempts(
        &self,
        keys: &ThrottleKeys,
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<Vec<FailureWindow>>;

    /// The login counted against `keys` succeeded: ends the guesser's window, so its
    /// failures are forgotten, and takes this attempt back from the client's (never below
    /// zero).
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn record_success(&self, keys: &ThrottleKeys) -> Result<()>;

    /// The attempt counted against `keys` was right, but ends no window: takes it back
    /// from every key (never below zero), so that only wrong attempts add up.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn take_back(&self, keys: &ThrottleKeys) -> Result<()>;
}
