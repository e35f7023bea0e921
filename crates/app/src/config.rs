use std::time::Duration;

use roster_domain::PasswordPolicy;

/// When repeated failed logins are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleConfig {
    /// Failures within one window, per username or per client address, before refusal.
    pub max_failures: u32,
    /// How long a window lasts; refusal ends with the window, so nobody is locked out for good.
    pub window: Duration,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            max_failures: 10,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// The settings of the login system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthConfig {
    /// How long a login token stays valid.
    pub token_ttl: Duration,
    /// The rules new passwords must meet.
    pub password_policy: PasswordPolicy,
    /// When failed logins are refused.
    pub throttle: ThrottleConfig,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            token_ttl: Duration::from_secs(24 * 60 * 60),
            password_policy: PasswordPolicy::default(),
            throttle: ThrottleConfig::default(),
        }
    }
}
