//! Properties of the validators over arbitrary input: they never panic, and what they
//! accept keeps their promises.

use proptest::prelude::*;

use crate::{MAX_PASSWORD_BYTES, PasswordPolicy, Role, Username};

proptest! {
    #[test]
    fn accepted_usernames_are_trimmed_bounded_and_never_uuids(raw in "\\PC{0,300}|[ \\t]{0,3}[a-zA-Z0-9-]{0,40}[ \\t]{0,3}") {
        if let Ok(name) = Username::parse(&raw) {
            let text = name.as_str();
            prop_assert_eq!(text, raw.trim());
            prop_assert!(!text.is_empty() && text.chars().count() <= Username::MAX_CHARS);
            prop_assert!(!text.chars().any(char::is_control));
            prop_assert!(uuid::Uuid::try_parse(text).is_err());
            prop_assert_eq!(name.key(), Username::key_of(&raw));
        }
    }

    #[test]
    fn passwords_pass_exactly_within_the_bounds(raw in "\\PC{0,40}", min in 0usize..12) {
        let policy = PasswordPolicy { min_chars: min };
        let fits = raw.chars().count() >= min && raw.len() <= MAX_PASSWORD_BYTES;
        let checked = policy.check(&raw);
        prop_assert_eq!(checked.is_ok(), fits);
        if let Ok(password) = checked {
            prop_assert_eq!(password.expose(), raw.as_str(), "never truncated");
        }
    }

    #[test]
    fn only_the_three_role_names_parse(raw in "\\PC{0,12}") {
        match raw.parse::<Role>() {
            Ok(role) => prop_assert_eq!(role.as_str(), raw.as_str()),
            Err(_) => prop_assert!(!["admin", "user", "view-only"].contains(&raw.as_str())),
        }
    }
}
