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
    /// Counts one attempt for `key`: adds to a window younger than `window`, or starts a new
    /// one; returns the window as it now stands.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn record_failure(
        &self,
        key: &str,
        now: DateTime<Utc>,
        window: Duration,
    ) -> Result<FailureWindow>;

    /// Takes back one counted attempt of `key` (never below zero): the attempt succeeded.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn forgive(&self, key: &str) -> Result<()>;

    /// Forgets the failures of `key`, after a successful login.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn clear(&self, key: &str) -> Result<()>;
}
