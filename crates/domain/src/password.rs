use std::fmt;

use crate::{Error, Result};

/// The longest password accepted, in bytes; longer ones are refused, never truncated.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// The password rules: a configurable minimum length in characters and a fixed byte maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_chars: usize,
}

impl Default for PasswordPolicy {
    /// Six characters: the MCPHub document's rule.
    fn default() -> Self {
        Self { min_chars: 6 }
    }
}

impl PasswordPolicy {
    /// Checks a new password against the policy.
    ///
    /// # Errors
    /// [`Error::Invalid`] when it is shorter than the minimum or longer than
    /// [`MAX_PASSWORD_BYTES`].
    pub fn check(&self, raw: &str) -> Result<Password> {
        if raw.chars().count() < self.min_chars {
            return Err(Error::Invalid(format!(
                "password must be at least {} characters",
                self.min_chars
            )));
        }
        if raw.len() > MAX_PASSWORD_BYTES {
            return Err(Error::Invalid(format!(
                "password must be at most {MAX_PASSWORD_BYTES} bytes"
            )));
        }
        Ok(Password(raw.to_owned()))
    }
}

/// A plaintext password that passed the policy. Its `Debug` form hides it so that it
/// cannot reach a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_bounds_without_truncating() {
        let policy = PasswordPolicy::default();
        assert!(policy.check("12345").is_err());
        assert_eq!(policy.check("123456").unwrap().expose(), "123456");
        assert!(policy.check(&"x".repeat(MAX_PASSWORD_BYTES)).is_ok());
        assert!(policy.check(&"x".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
        assert!(
            PasswordPolicy { min_chars: 12 }
                .check("short-pass")
                .is_err()
        );
    }

    #[test]
    fn debug_hides_the_secret() {
        let pw = PasswordPolicy::default().check("hunter22").unwrap();
        assert!(!format!("{pw:?}").contains("hunter22"));
    }
}
