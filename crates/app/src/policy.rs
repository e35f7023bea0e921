//! The authorization policy shared by every dialect.

use roster_domain::{Error, Principal, Result, Role, UserKey, Username};

/// Only admins manage other users.
///
/// # Errors
/// [`Error::Forbidden`] for any other role.
pub fn require_admin(actor: &Principal) -> Result<()> {
    if actor.role.is_admin() {
        Ok(())
    } else {
        Err(Error::Forbidden("admin role required".into()))
    }
}

/// View-only users change nothing but their own password.
///
/// # Errors
/// [`Error::Forbidden`] for the `view-only` role.
pub fn require_editor(actor: &Principal) -> Result<()> {
    if actor.role == Role::ViewOnly {
        Err(Error::Forbidden(
            "view-only users may change nothing but their own password".into(),
        ))
    } else {
        Ok(())
    }
}

/// Admins reach everyone; others only themselves. Decided from the address alone, before
/// any lookup, so that a refusal never reveals whether someone else exists.
///
/// # Errors
/// [`Error::Forbidden`] when a non-admin addresses someone else.
pub fn require_self_or_admin(actor: &Principal, target: &UserKey) -> Result<()> {
    // Names are compared as typed first: case-folding both allocates, on every read.
    let is_self = || match target {
        UserKey::Id(id) => *id == actor.id,
        UserKey::Name(name) => {
            name == actor.username.as_str() || Username::key_of(name) == actor.username.key()
        }
    };
    if actor.role.is_admin() || is_self() {
        Ok(())
    } else {
        require_admin(actor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_domain::UserId;

    fn principal(role: Role) -> Principal {
        Principal {
            id: UserId::new(),
            username: Username::parse("p").unwrap(),
            role,
            api_key: None,
        }
    }

    #[test]
    fn admins_pass_and_others_are_forbidden() {
        assert!(require_admin(&principal(Role::Admin)).is_ok());
        for role in [Role::User, Role::ViewOnly] {
            assert!(matches!(
                require_admin(&principal(role)),
                Err(Error::Forbidden(_))
            ));
        }
    }

    #[test]
    fn only_view_only_users_are_not_editors() {
        assert!(require_editor(&principal(Role::Admin)).is_ok());
        assert!(require_editor(&principal(Role::User)).is_ok());
        assert!(matches!(
            require_editor(&principal(Role::ViewOnly)),
            Err(Error::Forbidden(_))
        ));
    }

    #[test]
    fn self_access_is_allowed_to_every_role() {
        let me = principal(Role::ViewOnly);
        assert!(require_self_or_admin(&me, &UserKey::Id(me.id)).is_ok());
        assert!(require_self_or_admin(&me, &UserKey::Name("p".into())).is_ok());
        assert!(require_self_or_admin(&me, &UserKey::Name(" P ".into())).is_ok());
        assert!(require_self_or_admin(&me, &UserKey::Id(UserId::new())).is_err());
        assert!(require_self_or_admin(&me, &UserKey::Name("q".into())).is_err());
        let admin = principal(Role::Admin);
        assert!(require_self_or_admin(&admin, &UserKey::Id(me.id)).is_ok());
    }
}
