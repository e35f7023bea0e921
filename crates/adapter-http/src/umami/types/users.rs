//! Users.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use std::collections::HashMap;

use roster_domain::{User, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::roles::UmamiRole;
use crate::reply::rfc3339;

/// A user, as every user endpoint returns one; in `/admin/users` `_count.websites` says how
/// many websites the user owns.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiUser", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserView {
    pub id: Uuid,
    pub username: String,
    pub role: UmamiRole,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[oai(rename = "_count", skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none", rename = "_count")]
    pub count: Option<UserCount>,
}

/// What `/admin/users` counts of a user.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiUserCount")]
pub(crate) struct UserCount {
    pub websites: u64,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        Self {
            id: user.id.0,
            username: user.username.to_string(),
            role: user.role.into(),
            created_at: user.created_at,
            count: None,
        }
    }
}

impl UserView {
    /// `user`, with the count of their websites from `websites` (none there is none).
    pub fn counted(user: User, websites: &HashMap<UserId, u64>) -> Self {
        let count = UserCount {
            websites: websites.get(&user.id).copied().unwrap_or_default(),
        };
        Self {
            count: Some(count),
            ..Self::from(user)
        }
    }
}

/// A freshly created user.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiCreatedUser")]
pub(crate) struct CreatedUser {
    pub id: Uuid,
    pub username: String,
    pub role: UmamiRole,
}

/// A new user; `role` defaults to `user`.
#[derive(Object, Deserialize)]
#[oai(rename = "UmamiCreateUser")]
pub(crate) struct CreateUserBody {
    /// An id of the client's choosing; a new one when absent or null.
    #[oai(nullable)]
    pub id: Option<Uuid>,
    pub username: String,
    pub password: String,
    #[serde(default, deserialize_with = "crate::body::absent_or_value")]
    pub role: Option<UmamiRole>,
}

#[derive(Object, Deserialize)]
#[oai(rename = "UmamiUpdateUser")]
pub(crate) struct UpdateUserBody {
    #[oai(nullable)]
    pub username: Option<String>,
    #[oai(nullable)]
    pub password: Option<String>,
    #[serde(default, deserialize_with = "crate::body::absent_or_value")]
    pub role: Option<UmamiRole>,
}
