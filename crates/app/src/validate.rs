use std::collections::BTreeSet;

use roster_domain::{Error, Result};

use crate::limits::GRANT;

/// A required text field: at most `max` characters as sent, non-empty once trimmed, no
/// control characters within (PostgreSQL cannot store a NUL byte). The limit counts what
/// was sent, as the OpenAPI document's `maxLength` does.
pub(crate) fn text_field(name: &str, raw: &str, max: usize) -> Result<String> {
    let value = raw.trim();
    if value.is_empty() || raw.chars().count() > max {
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

/// An address a browser may be pointed at (a team's logo): `http://` or `https://` and a
/// host, nothing else, so that no `javascript:` or `data:` link is ever stored for a page to
/// render.
pub(crate) fn web_url(name: &str, raw: &str, max: usize) -> Result<String> {
    let value = text_field(name, raw, max)?;
    let lower = value.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let has_host = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'));
    if !has_host || value.chars().any(char::is_whitespace) {
        return Err(Error::Invalid(format!(
            "{name} must be an http:// or https:// address"
        )));
    }
    Ok(value)
}

/// A website's domain: a host name (ASCII letters, digits, `-` and `.`, and any other
/// script's characters but spaces and controls, as an internationalised name has them),
/// with an optional port, and no scheme or path, so that it can never be a link of its
/// own. The rule is plain enough for every regex engine to state it the same way.
pub(crate) fn host_name(name: &str, raw: &str, max: usize) -> Result<String> {
    let value = text_field(name, raw, max)?;
    let (host, port) = value.rsplit_once(':').unwrap_or((&value, "1"));
    let host_ok = !host.is_empty()
        && !host.starts_with(['-', '.'])
        && host.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || c == '-'
                || c == '.'
                || !(c.is_ascii() || c.is_whitespace() || c.is_control())
        });
    let port_ok = !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
    if !(host_ok && port_ok) {
        return Err(Error::Invalid(format!(
            "{name} must be a host name such as example.com, without a scheme or path"
        )));
    }
    Ok(value)
}

/// Validates server names or group ids, each a [`text_field`] of at most 255 characters.
/// Duplicates collapse, since a grant is a set.
pub(crate) fn grant_set(kind: &str, raw: Vec<String>) -> Result<BTreeSet<String>> {
    raw.into_iter()
        .map(|raw| {
            text_field(kind, &raw, GRANT).map_err(|_| {
                Error::Invalid(format!(
                    "each of {kind} must be 1 to {GRANT} characters, none a control character"
                ))
            })
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
    fn web_urls_are_http_or_https_with_a_host() {
        let url = |raw: &str| web_url("logoUrl", raw, 100);
        assert_eq!(
            url(" https://x.test/a.png ").unwrap(),
            "https://x.test/a.png"
        );
        assert!(url("HTTP://x.test").is_ok());
        for bad in [
            "javascript:alert(1)",
            "data:image/png,x",
            "https://",
            "http:///x",
            "x.test",
        ] {
            assert!(url(bad).is_err(), "{bad}");
        }
        assert!(url("https://x.test/a b").is_err());
    }

    #[test]
    fn host_names_have_no_scheme_or_path() {
        let host = |raw: &str| host_name("domain", raw, 100);
        for good in [
            "example.com",
            "blog.example.com:8080",
            "münchen.de",
            "localhost",
        ] {
            assert_eq!(host(good).unwrap(), good);
        }
        for bad in [
            "javascript:alert(1)",
            "https://x.com",
            "x.com/path",
            "a b",
            "-x",
            "x:",
        ] {
            assert!(host(bad).is_err(), "{bad}");
        }
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
