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

/// Counters of failed logins, kept in the database so that every instance sees them.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait LoginThrottle: Send + Sync {
    /// Counts one attempt against each of `keys` (a username's key first, then the
    /// client's): adds to a window younger than `window`, or starts a new one. Returns the
    /// windows as they now stand, in the order of `keys`.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn record_attempts(
        &self,
        keys: &[String],
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<Vec<FailureWindow>>;

    /// The login counted against `keys` succeeded: ends the window of the first key (the
    /// username's), so its failures are forgotten, and takes this attempt back from each
    /// other key (never below zero).
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn record_success(&self, keys: &[String]) -> Result<()>;

    /// The attempt counted against `keys` was right, but ends no window: takes it back
    /// from every key (never below zero), so that only wrong attempts add up.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn take_back(&self, keys: &[String]) -> Result<()>;
}
