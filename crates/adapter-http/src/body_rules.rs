//! The rules the use-cases hold request bodies' text to, written into the OpenAPI document.
//! poem-openapi sees only the Rust types, while lengths and shapes are checked by the app
//! (so that an embedder gets the same checks), so each rule is declared here, exactly:
//! what the schema allows, the app takes, and what it refuses, the app refuses, which is
//! what schemathesis holds the server to in both directions.

use roster_app::domain::{Email, Username};
use roster_app::limits;
use serde_json::{Value, json};

/// Rust's `White_Space`, which `str::trim` removes.
const SPACE: &str =
    "\\u0009-\\u000d\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
/// `char::is_control`.
const CONTROL: &str = "\\u0000-\\u001f\\u007f-\\u009f";

/// What a text property must be.
#[derive(Clone, Copy, Debug)]
enum Rule {
    /// `min` to `max` characters: `max` counting what is sent, `min` once trimmed, with no
    /// control character within.
    Text {
        min: usize,
        max: usize,
    },
    /// A new password: the configured minimum in characters; at most 1024 bytes, which
    /// `maxLength` can only state as 1024 characters.
    NewPassword,
    Email,
    /// A host name with an optional port.
    Host,
    /// An `http://` or `https://` address.
    WebUrl,
    /// Each item of an array is [`Rule::Text`].
    Items {
        max: usize,
    },
}

/// Every rule, by schema and property.
fn rules() -> Vec<(&'static str, &'static str, Rule)> {
    use Rule::*;
    let username = Text {
        min: 1,
        max: Username::MAX_CHARS,
    };
    let grants = Items { max: limits::GRANT };
    let text = |max| Text { min: 1, max };
    vec![
        ("McpCreateUser", "username", username),
        ("McpCreateUser", "password", NewPassword),
        ("McpCreateUser", "email", Email),
        ("McpCreateUser", "servers", grants),
        ("McpCreateUser", "groups", grants),
        ("McpUpdateUser", "password", NewPassword),
        ("McpUpdateUser", "newPassword", NewPassword),
        ("McpUpdateUser", "email", Email),
        ("McpUpdateUser", "servers", grants),
        ("McpUpdateUser", "groups", grants),
        ("McpChangePassword", "newPassword", NewPassword),
        ("McpCreateBearerKey", "name", text(limits::API_KEY_NAME)),
        ("UmamiCreateUser", "username", username),
        ("UmamiCreateUser", "password", NewPassword),
        ("UmamiUpdateUser", "username", username),
        ("UmamiUpdateUser", "password", NewPassword),
        ("UmamiChangePassword", "newPassword", NewPassword),
        ("UmamiCreateApiKey", "name", text(limits::API_KEY_NAME)),
        ("UmamiCreateTeam", "name", text(limits::TEAM_NAME)),
        ("UmamiUpdateTeam", "name", text(limits::TEAM_NAME)),
        ("UmamiUpdateTeam", "logoUrl", WebUrl),
        (
            "UmamiUpdateTeam",
            "accessCode",
            Text {
                min: limits::MIN_ACCESS_CODE,
                max: limits::ACCESS_CODE,
            },
        ),
        ("UmamiJoinTeam", "accessCode", text(limits::ACCESS_CODE)),
        ("UmamiCreateWebsite", "name", text(limits::WEBSITE_NAME)),
        ("UmamiCreateWebsite", "domain", Host),
        ("UmamiCreateWebsite", "shareId", text(limits::SHARE_ID)),
        ("UmamiUpdateWebsite", "name", text(limits::WEBSITE_NAME)),
        ("UmamiUpdateWebsite", "domain", Host),
        ("UmamiUpdateWebsite", "shareId", text(limits::SHARE_ID)),
    ]
}

impl Rule {
    /// The JSON Schema keywords of the rule.
    fn keywords(self, password_min: usize) -> Value {
        // A character that is neither space nor control, and one that is not control.
        let solid = format!("[^{SPACE}{CONTROL}]");
        let inner = format!("[^{CONTROL}]");
        let padded = |core: &str| format!("^[{SPACE}]*{core}[{SPACE}]*$");
        match self {
            Rule::Text { min, max } => {
                let core = match min {
                    0 | 1 => format!("{solid}(?:{inner}*{solid})?"),
                    min => format!("{solid}{inner}{{{},}}{solid}", min - 2),
                };
                json!({"minLength": min.max(1), "maxLength": max, "pattern": padded(&core)})
            }
            Rule::NewPassword => json!({
                "minLength": password_min,
                "maxLength": roster_app::domain::MAX_PASSWORD_BYTES,
            }),
            Rule::Email => {
                let label = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
                let core =
                    format!("(?:[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]+@{label}(?:\\.{label})*)?");
                json!({"maxLength": Email::MAX_CHARS, "pattern": padded(&core)})
            }
            Rule::Host => {
                // ASCII letters and digits or any other script's characters, and `-` and
                // `.` but not first; then a port. No `\w`: engines read it differently.
                let letter = format!("[A-Za-z0-9]|[^\\u0000-\\u007f{SPACE}{CONTROL}]");
                let core = format!("(?:{letter})(?:{letter}|[.-])*(?::[0-9]{{1,5}})?");
                json!({"minLength": 1, "maxLength": limits::DOMAIN, "pattern": padded(&core)})
            }
            Rule::WebUrl => {
                let core = format!("[hH][tT][tT][pP][sS]?://[^{SPACE}{CONTROL}/]{solid}*");
                json!({"minLength": 1, "maxLength": limits::LOGO_URL, "pattern": padded(&core)})
            }
            Rule::Items { max } => {
                json!({"items": Rule::Text { min: 1, max }.keywords(password_min)})
            }
        }
    }
}

/// Adds the rules to the component schemas of `doc`, an OpenAPI document.
pub(crate) fn declare_body_rules(doc: &mut Value, password_min: usize) {
    for (schema, property, rule) in rules() {
        let pointer = format!("/components/schemas/{schema}/properties/{property}");
        let Some(Value::Object(declared)) = doc.pointer_mut(&pointer) else {
            continue;
        };
        let Value::Object(keywords) = rule.keywords(password_min) else {
            unreachable!("keywords are an object")
        };
        for (key, value) in keywords {
            match (declared.get_mut(&key), value) {
                (Some(Value::Object(items)), Value::Object(more)) => items.extend(more),
                (_, value) => {
                    declared.insert(key, value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `value` meets `rule` as the document declares it.
    fn allows(rule: Rule, value: &str) -> bool {
        let keywords = match rule {
            Rule::Items { .. } => rule.keywords(6)["items"].clone(),
            _ => rule.keywords(6),
        };
        let chars = value.chars().count() as u64;
        let min = keywords["minLength"].as_u64().unwrap_or(0);
        let max = keywords["maxLength"].as_u64().unwrap();
        let pattern = keywords["pattern"]
            .as_str()
            .map(|p| regex::Regex::new(p).unwrap());
        (min..=max).contains(&chars) && pattern.is_none_or(|p| p.is_match(value))
    }

    #[test]
    fn every_rule_is_declared_on_a_property_of_the_document() {
        let doc = crate::docs::document(&crate::Mounts::default());
        for (schema, property, _) in rules() {
            let declared = &doc["components"]["schemas"][schema]["properties"][property];
            let keywords = if declared["type"] == "array" {
                &declared["items"]
            } else {
                declared
            };
            assert!(keywords["maxLength"].is_u64(), "{schema}.{property}");
        }
    }

    #[test]
    fn the_configured_password_minimum_is_declared() {
        let mounts = crate::Mounts {
            password_min: 12,
            ..crate::Mounts::default()
        };
        let doc = crate::docs::document(&mounts);
        let password = &doc["components"]["schemas"]["UmamiCreateUser"]["properties"]["password"];
        assert_eq!(password["minLength"], 12);
    }

    #[test]
    fn text_is_limited_as_sent_and_must_hold_something_once_trimmed() {
        let name = Rule::Text { min: 1, max: 5 };
        for taken in ["a", " a b ", "\tä\u{3000}", "12345", "a\u{1f600}"] {
            assert!(allows(name, taken), "{taken:?}");
        }
        for refused in [
            "", "  ", "\u{a0}", "a\tb", "\0", "a\u{85}b", "123456", " abcde",
        ] {
            assert!(!allows(name, refused), "{refused:?}");
        }
        let code = Rule::Text { min: 8, max: 64 };
        assert!(allows(code, " abcd efgh "));
        assert!(!allows(code, "  abcdefg  "));
    }

    #[test]
    fn emails_hosts_and_addresses() {
        for (value, taken) in [
            ("ana@example.com", true),
            ("", true),
            (" ana@x ", true),
            ("ana@-x.com", false),
            ("ana example.com", false),
            ("a@b@c", false),
        ] {
            assert_eq!(allows(Rule::Email, value), taken, "{value:?}");
            let parsed = value.trim().is_empty() || Email::parse(value).is_ok();
            assert_eq!(parsed, taken, "the domain's own check of {value:?}");
        }
        for (value, taken) in [
            ("example.com", true),
            ("bücher.de:8080", true),
            ("localhost:", false),
            ("-x.com", false),
            ("https://x.com", false),
            ("x.com/path", false),
            ("a_b.com", false),
            ("€uro.de", true),
            ("a b.de", false),
        ] {
            assert_eq!(allows(Rule::Host, value), taken, "{value:?}");
        }
        for (value, taken) in [
            ("https://x.com/logo.png", true),
            ("HTTP://x", true),
            ("https:///x", false),
            ("javascript:alert(1)", false),
            ("https://x y", false),
        ] {
            assert_eq!(allows(Rule::WebUrl, value), taken, "{value:?}");
        }
    }
}
