use std::fmt;

use crate::{Error, Result};

/// A username: at most 255 characters as sent and at least one after trimming, case
/// preserved, never shaped like a UUID (so that a path segment is never ambiguous between a
/// name and an id).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

impl Username {
    pub const MAX_CHARS: usize = 255;

    /// Trims and validates `raw`.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the name is longer than 255 characters, empty once trimmed,
    /// contains control characters or parses as a UUID.
    pub fn parse(raw: &str) -> Result<Self> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(Error::Invalid("username must not be empty".into()));
        }
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(Error::Invalid(format!(
                "username must be at most {} characters",
                Self::MAX_CHARS
            )));
        }
        if name.chars().any(char::is_control) {
            return Err(Error::Invalid(
                "username must not contain control characters".into(),
            ));
        }
        if uuid::Uuid::try_parse(name).is_ok() {
            return Err(Error::Invalid("username must not be a UUID".into()));
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-folded form under which names are unique.
    pub fn key(&self) -> String {
        Self::key_of(&self.0)
    }

    /// The case-folded lookup key of any raw name, valid or not.
    pub fn key_of(raw: &str) -> String {
        raw.trim().to_lowercase()
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_keeps_case() {
        let name = Username::parse("  Alice ").unwrap();
        assert_eq!(name.as_str(), "Alice");
        assert_eq!(name.key(), "alice");
    }

    #[test]
    fn refuses_empty_long_control_and_uuid_names() {
        for bad in ["", "   ", "a\nb", "6f1c3e1e-8f5b-4b7a-9b1a-0c2d3e4f5a6b"] {
            assert!(
                matches!(Username::parse(bad), Err(Error::Invalid(_))),
                "{bad:?}"
            );
        }
        assert!(Username::parse(&"é".repeat(255)).is_ok());
        assert!(Username::parse(&"é".repeat(256)).is_err());
    }
}
