use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::{Email, Error, Username};

crate::id::id! {
    /// A user's stable identifier.
    UserId
}

/// What a user may do across the whole directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Admin,
    User,
    ViewOnly,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::User, Role::ViewOnly];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::User => "user",
            Role::ViewOnly => "view-only",
        }
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }

    /// Higher ranks may do more; a change to a lower rank revokes sessions.
    pub fn rank(self) -> u8 {
        match self {
            Role::Admin => 2,
            Role::User => 1,
            Role::ViewOnly => 0,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "role must be one of admin, user, view-only (got {s:?})"
                ))
            })
    }
}

/// A user as stored. `password_hash` is an argon2id PHC string and is never serialised;
/// `Debug` leaves it out.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: Username,
    pub password_hash: String,
    pub role: Role,
    pub email: Option<Email>,
    /// Names of the servers this user may access.
    pub servers: BTreeSet<String>,
    /// Ids of the groups this user belongs to.
    pub groups: BTreeSet<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("servers", &self.servers)
            .field("groups", &self.groups)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish_non_exhaustive()
    }
}

/// How a request names a user: by id (Umami) or by name (MCPHub).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserKey {
    Id(UserId),
    Name(String),
}

impl fmt::Display for UserKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserKey::Id(id) => write!(f, "id {id}"),
            UserKey::Name(name) => write!(f, "name {name:?}"),
        }
    }
}

/// A validated change to a user; `None` leaves a field as it is, a set replaces the old one.
/// `Debug` says only whether the password changes.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct UserPatch {
    pub username: Option<Username>,
    pub password_hash: Option<String>,
    pub role: Option<Role>,
    /// `Some(None)` removes the address.
    pub email: Option<Option<Email>>,
    pub servers: Option<BTreeSet<String>>,
    pub groups: Option<BTreeSet<String>>,
}

impl fmt::Debug for UserPatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserPatch")
            .field("username", &self.username)
            .field("password_changes", &self.password_hash.is_some())
            .field("role", &self.role)
            .field("email_changes", &self.email.is_some())
            .field("servers", &self.servers)
            .field("groups", &self.groups)
            .finish()
    }
}

impl UserPatch {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Counts over the whole directory, computed by the store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserStats {
    pub total: u64,
    pub admins: u64,
    pub per_server: BTreeMap<String, u64>,
    pub per_group: BTreeMap<String, u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!(matches!("root".parse::<Role>(), Err(Error::Invalid(_))));
        assert!("Admin".parse::<Role>().is_err());
    }

    #[test]
    fn debug_leaves_the_hash_out() {
        let user = User {
            email: None,
            id: UserId(uuid::Uuid::nil()),
            username: Username::parse("u").unwrap(),
            password_hash: "$argon2id$secret".into(),
            role: Role::User,
            servers: BTreeSet::new(),
            groups: BTreeSet::new(),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        };
        assert!(!format!("{user:?}").contains("secret"));
    }

    #[test]
    fn empty_patch_is_empty() {
        assert!(UserPatch::default().is_empty());
        let patch = UserPatch {
            role: Some(Role::User),
            ..UserPatch::default()
        };
        assert!(!patch.is_empty());
    }
}
