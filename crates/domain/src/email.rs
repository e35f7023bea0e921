use std::fmt;

use crate::{Error, Result};

/// An email address, checked as a browser's `<input type="email">` checks one: a local part
/// of letters, digits and ``.!#$%&'*+/=?^_`{|}~-``, an `@`, and a domain of dot-separated
/// labels of letters, digits and inner hyphens. At most 254 characters as sent, the longest
/// a mail server forwards. Whether mail reaches it is not the directory's to know.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX_CHARS: usize = 254;

    /// Trims and validates `raw`.
    ///
    /// # Errors
    /// [`Error::Invalid`] when the trimmed text is not an email address as above.
    pub fn parse(raw: &str) -> Result<Self> {
        let email = raw.trim();
        let invalid = || Error::Invalid(format!("email is not an email address (got {email:?})"));
        if raw.chars().count() > Self::MAX_CHARS {
            return Err(Error::Invalid(format!(
                "email must be at most {} characters",
                Self::MAX_CHARS
            )));
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c));
        let label_ok = |label: &str| {
            (1..=63).contains(&label.len())
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if !local_ok || !domain.split('.').all(label_ok) {
            return Err(invalid());
        }
        Ok(Self(email.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_a_browser_takes_are_taken_trimmed() {
        for ok in [
            "ana@example.com",
            " ana.b+tag@mail.example.org ",
            "x@localhost",
            "a_b@xn--bcher-kva.de",
        ] {
            assert_eq!(Email::parse(ok).unwrap().as_str(), ok.trim());
        }
    }

    #[test]
    fn anything_else_is_refused() {
        let long = format!("{}@example.com", "a".repeat(250));
        for bad in [
            "",
            "ana",
            "@example.com",
            "ana@",
            "ana@@example.com",
            "an a@example.com",
            "ana@exa mple.com",
            "ana@-example.com",
            "ana@example..com",
            "ana@example.com\n1",
            "ana@éxample.com",
            "<ana>@example.com",
            long.as_str(),
        ] {
            assert!(
                matches!(Email::parse(bad), Err(Error::Invalid(_))),
                "{bad:?}"
            );
        }
    }
}
