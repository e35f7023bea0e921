use std::collections::BTreeSet;

use roster_domain::{Error, Result};

const MAX_GRANT_CHARS: usize = 255;

/// A required text field: trimmed, non-empty, at most `max` characters, no control
/// characters (PostgreSQL cannot store a NUL byte).
pub(crate) fn text_field(name: &str, raw: &str, max: usize) -> Result<String> {
    let value = raw.trim();
    if value.is_empty() || value.chars().count() > max {
        return Err(Error::Invalid(format!(
            "{name} must be 1 to {max} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::Invalid(format!(
            "{name} must not contain control characters"
        )));
    }
    Ok(value.to_owned())
}

/// Validates server names or group ids: trimmed, non-empty, at most 255 characters each.
/// Duplicates collapse, since a grant is a set.
pub(crate) fn grant_set(kind: &str, raw: Vec<String>) -> Result<BTreeSet<String>> {
    raw.into_iter()
        .map(|item| {
            let item = item.trim();
            if item.is_empty()
                || item.chars().count() > MAX_GRANT_CHARS
                || item.chars().any(char::is_control)
            {
                Err(Error::Invalid(format!(
                    "each of {kind} must be 1 to {MAX_GRANT_CHARS} characters, none a control character"
                )))
            } else {
                Ok(item.to_owned())
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_are_trimmed_and_bounded() {
        assert_eq!(text_field("name", "  Blog ", 10).unwrap(), "Blog");
        assert!(text_field("name", "   ", 10).is_err());
        assert!(text_field("name", "elevenchars", 10).is_err());
        assert!(text_field("name", "nul\u{0}", 10).is_err());
    }

    #[test]
    fn trims_dedupes_and_refuses_blank_entries() {
        let set = grant_set("servers", vec![" a ".into(), "a".into(), "b".into()]).unwrap();
        assert_eq!(set.into_iter().collect::<Vec<_>>(), ["a", "b"]);
        assert!(grant_set("groups", vec![" ".into()]).is_err());
        assert!(grant_set("groups", vec!["x".repeat(256)]).is_err());
        assert!(grant_set("servers", vec!["a\u{0}".into()]).is_err());
    }
}
