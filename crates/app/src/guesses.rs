//! Throttling of every check of a secret a caller supplies: a login's password, the current
//! password of a password change, a team's access code.

use std::time::Duration;

use roster_domain::ports::ThrottleKeys;
use roster_domain::{Error, Result, Username};

use crate::{Ports, ThrottleConfig, hash_token};

/// The keys one guess is counted against: the guesser's first, then the client address's.
pub(crate) struct GuessKeys {
    keys: ThrottleKeys,
    /// Whether a right guess ends the guesser's window. Not for access codes: anyone can
    /// make a code of their own to be right with, and wipe out their wrong guesses.
    right_ends_window: bool,
}

impl GuessKeys {
    /// A password of the user called `username`: the keys logins use, so that guesses through
    /// any endpoint add up. The name is stored as a digest, so that any name, however long or
    /// odd, fits the key column.
    pub(crate) fn password(username: &str, client: Option<&str>) -> Self {
        let name = hash_token(&Username::key_of(username)).to_hex();
        Self::of(format!("user:{name}"), client, "addr", true)
    }

    /// A team's access code, guessed by the user `user`: counted apart from passwords, so
    /// that mistyped codes cannot lock anyone out of logging in.
    pub(crate) fn access_code(user: impl std::fmt::Display, client: Option<&str>) -> Self {
        Self::of(format!("join:user:{user}"), client, "join:addr", false)
    }

    fn of(guesser: String, client: Option<&str>, addr_kind: &str, right_ends_window: bool) -> Self {
        let keys = ThrottleKeys {
            guesser,
            client: client.map(|addr| format!("{addr_kind}:{addr}")),
        };
        Self {
            keys,
            right_ends_window,
        }
    }

    #[cfg(test)]
    pub(crate) fn keys(&self) -> &ThrottleKeys {
        &self.keys
    }
}

/// Counts a guess before it is checked, so that guesses sent in parallel cannot all pass
/// while the first ones are still being checked; refuses it when any key is past the limit.
///
/// # Errors
/// [`Error::Throttled`] past the limit, and the store's errors.
pub(crate) async fn count(ports: &Ports, limits: ThrottleConfig, keys: &GuessKeys) -> Result<()> {
    let now = ports.clock.now();
    let windows = ports
        .throttle
        .record_attempts(&keys.keys, now, limits.window)
        .await?;
    let retry_after = windows
        .iter()
        .filter(|window| window.failures > limits.max_failures)
        .map(|window| {
            let wait = (window.started_at + limits.window - now)
                .to_std()
                .unwrap_or_default();
            wait.max(Duration::from_secs(1))
        })
        .max();
    match retry_after {
        Some(retry_after) => Err(Error::Throttled { retry_after }),
        None => Ok(()),
    }
}

/// The guess counted against `keys` was right: it is taken back, and for a password the
/// guesser's earlier failures are forgotten.
///
/// # Errors
/// The store's errors.
pub(crate) async fn forgive(ports: &Ports, keys: &GuessKeys) -> Result<()> {
    if keys.right_ends_window {
        ports.throttle.record_success(&keys.keys).await
    } else {
        ports.throttle.take_back(&keys.keys).await
    }
}
