//! The MCPHub dialect's bodies, with the field names of its users document.

use std::collections::BTreeMap;

use poem::http::StatusCode;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{Enum, Object};
use roster_domain::{Role, User, UserStats};
use serde::{Deserialize, Serialize};

use crate::error::ErrorBody;

/// A role name.
#[derive(Enum, Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename = "McpRole", rename_all = "kebab-case")]
#[serde(rename_all = "kebab-case")]
pub(crate) enum RoleName {
    Admin,
    User,
    ViewOnly,
}

impl From<RoleName> for Role {
    fn from(role: RoleName) -> Self {
        match role {
            RoleName::Admin => Role::Admin,
            RoleName::User => Role::User,
            RoleName::ViewOnly => Role::ViewOnly,
        }
    }
}

impl From<Role> for RoleName {
    fn from(role: Role) -> Self {
        match role {
            Role::Admin => RoleName::Admin,
            Role::User => RoleName::User,
            Role::ViewOnly => RoleName::ViewOnly,
        }
    }
}

/// A user as MCPHub shows one. `isAdmin` is there for MCPHub's web frontend.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "McpUser", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserView {
    pub username: String,
    pub role: RoleName,
    pub is_admin: bool,
    /// Left out when the user has none, as MCPHub does.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Servers the user may access.
    pub servers: Vec<String>,
    /// Groups the user belongs to.
    pub groups: Vec<String>,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        Self {
            username: user.username.to_string(),
            role: user.role.into(),
            is_admin: user.role.is_admin(),
            email: user.email.map(|e| e.to_string()),
            servers: user.servers.into_iter().collect(),
            groups: user.groups.into_iter().collect(),
        }
    }
}

/// The caller, as the login and `GET /auth/user` show them: a user with MCPHub's
/// `permissions`, which its web frontend reads (`["*", "x"]` for an admin, `[""]` for
/// anyone else, as MCPHub writes them).
#[derive(Object, Debug, Serialize)]
#[oai(rename = "McpCurrentUser", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct CurrentUser {
    pub username: String,
    pub role: RoleName,
    pub is_admin: bool,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Servers the user may access.
    pub servers: Vec<String>,
    /// Groups the user belongs to.
    pub groups: Vec<String>,
    pub permissions: Vec<String>,
}

impl From<User> for CurrentUser {
    fn from(user: User) -> Self {
        let permissions = if user.role.is_admin() {
            vec!["*".into(), "x".into()]
        } else {
            vec![String::new()]
        };
        let view = UserView::from(user);
        Self {
            username: view.username,
            role: view.role,
            is_admin: view.is_admin,
            email: view.email,
            servers: view.servers,
            groups: view.groups,
            permissions,
        }
    }
}

/// `{"success": true, "user": …}`: MCPHub's answer to `GET /auth/user`.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "McpCurrentUserResult")]
pub(crate) struct CurrentUserView {
    pub success: bool,
    pub user: CurrentUser,
}

/// `{"success": true, "data": …}`.
#[derive(Object, Debug, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct Envelope<T: ParseFromJSON + ToJSON> {
    pub success: bool,
    pub data: T,
}

impl<T: ParseFromJSON + ToJSON> Envelope<T> {
    pub fn ok(data: impl Into<T>) -> Self {
        Self {
            success: true,
            data: data.into(),
        }
    }
}

/// `{"success": …, "message": …}`: every failure, and successes that carry no data.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "McpMessage")]
pub(crate) struct Message {
    pub success: bool,
    pub message: String,
}

impl ErrorBody for Message {
    fn new(_status: StatusCode, message: String) -> Self {
        Self {
            success: false,
            message,
        }
    }
}

/// A new user; `role` defaults to `user`, and `isAdmin` is accepted in its place.
// A field of a referenced schema carries no description or `nullable`: poem-openapi would
// wrap it in an `allOf`, which some client generators drop.
#[derive(Object, Deserialize)]
#[oai(rename = "McpCreateUser", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateUserBody {
    pub username: String,
    /// At least 6 characters.
    pub password: String,
    #[serde(default, deserialize_with = "crate::body::absent_or_value")]
    pub role: Option<RoleName>,
    #[oai(nullable)]
    pub is_admin: Option<bool>,
    /// An email address; empty or absent for none.
    #[oai(nullable)]
    pub email: Option<String>,
    #[oai(default)]
    #[serde(default)]
    pub servers: Vec<String>,
    #[oai(default)]
    #[serde(default)]
    pub groups: Vec<String>,
}

/// A change to a user; absent fields stay. `newPassword` and `isAdmin` are accepted in
/// place of `password` and `role`.
#[derive(Object, Deserialize)]
#[oai(rename = "McpUpdateUser", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateUserBody {
    #[oai(nullable)]
    pub password: Option<String>,
    #[oai(nullable)]
    pub new_password: Option<String>,
    #[serde(default, deserialize_with = "crate::body::absent_or_value")]
    pub role: Option<RoleName>,
    #[oai(nullable)]
    pub is_admin: Option<bool>,
    /// A new email address; an empty one removes it.
    #[oai(nullable)]
    pub email: Option<String>,
    #[oai(nullable)]
    pub servers: Option<Vec<String>>,
    #[oai(nullable)]
    pub groups: Option<Vec<String>>,
}

/// Directory-wide counts.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "McpUserStats", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatsView {
    pub total_users: u64,
    pub admin_users: u64,
    /// `totalUsers - adminUsers`.
    pub regular_users: u64,
    /// Server name → number of users granted it.
    pub users_per_server: BTreeMap<String, u64>,
    /// Group id → number of members.
    pub users_per_group: BTreeMap<String, u64>,
}

impl From<UserStats> for StatsView {
    fn from(stats: UserStats) -> Self {
        Self {
            total_users: stats.total,
            admin_users: stats.admins,
            regular_users: stats.total - stats.admins,
            users_per_server: stats.per_server,
            users_per_group: stats.per_group,
        }
    }
}

#[derive(Object, Deserialize)]
#[oai(rename = "McpLogin")]
pub(crate) struct LoginBody {
    pub username: String,
    pub password: String,
}

/// `POST /auth/change-password`.
#[derive(Object, Deserialize)]
#[oai(rename = "McpChangePassword", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChangePasswordBody {
    pub current_password: String,
    pub new_password: String,
}

/// A successful login, shaped as MCPHub answers it.
#[derive(Object, Serialize)]
#[oai(rename = "McpLoginResult")]
pub(crate) struct LoginView {
    pub success: bool,
    pub message: String,
    /// Send it as `Authorization: Bearer <token>` or `x-auth-token: <token>`.
    pub token: String,
    pub user: CurrentUser,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::schema_check::SchemaCheck;

    fn user(role: RoleName) -> UserView {
        UserView {
            username: "ana".into(),
            role,
            is_admin: role == RoleName::Admin,
            email: (role == RoleName::User).then(|| "ana@example.com".into()),
            servers: vec!["s1".into(), "s2".into()],
            groups: vec![],
        }
    }

    #[test]
    fn every_schema_reads_and_writes_as_serde_does() {
        let mut check = SchemaCheck::default();
        for role in [RoleName::Admin, RoleName::User, RoleName::ViewOnly] {
            check.written(&Envelope::<UserView>::ok(user(role)));
        }
        check.written(&Envelope::<Vec<UserView>>::ok(vec![user(RoleName::User)]));
        check.written(&Message::new(StatusCode::NOT_FOUND, "no such user".into()));
        check.written(&Envelope::<StatsView>::ok(UserStats {
            total: 3,
            admins: 1,
            per_server: [("s1".to_owned(), 2)].into(),
            per_group: [("g".to_owned(), 1), ("h".to_owned(), 3)].into(),
        }));
        let stored = |role| roster_domain::User {
            email: None,
            id: roster_domain::UserId(uuid::Uuid::from_u128(1)),
            username: roster_domain::Username::parse("ana").unwrap(),
            password_hash: "h".into(),
            role,
            servers: ["s".to_owned()].into(),
            groups: Default::default(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
        };
        check.written(&LoginView {
            success: true,
            message: "Login successful".into(),
            token: "t".into(),
            user: stored(Role::ViewOnly).into(),
        });
        let admin = CurrentUserView {
            success: true,
            user: stored(Role::Admin).into(),
        };
        check.written(&admin);
        assert_eq!(admin.user.permissions, ["*", "x"]);
        assert_eq!(CurrentUser::from(stored(Role::User)).permissions, [""]);

        check.read::<LoginBody>(json!({"username": "ana", "password": "pw"}));
        check.read::<ChangePasswordBody>(json!({"currentPassword": "a", "newPassword": "b"}));
        check.read::<CreateUserBody>(json!({
            "username": "ana", "password": "password-1", "role": "user", "isAdmin": null,
            "email": "ana@example.com",
            "servers": ["s"], "groups": []
        }));
        check.read::<CreateUserBody>(json!({"username": "ana", "password": "password-1"}));
        check.read::<UpdateUserBody>(
            json!({"newPassword": "password-2", "isAdmin": true, "email": ""}),
        );
        check
            .read::<UpdateUserBody>(json!({"role": "view-only", "servers": null, "groups": ["g"]}));
        use super::super::keys::KeyView;
        let key = || KeyView {
            id: uuid::Uuid::from_u128(9),
            name: "ci".into(),
            token: "umami_abcdefgh...".into(),
            enabled: true,
            kind: "user".into(),
            owner: "ana".into(),
            access_type: "all".into(),
            allowed_groups: vec![],
            allowed_servers: vec![],
        };
        check.written(&Envelope::<KeyView>::ok(key()));
        check.written(&Envelope::<Vec<KeyView>>::ok(vec![key()]));
        check.read::<super::super::keys::CreateKeyBody>(json!({"name": "ci"}));
        check.covers_every_schema_of(&crate::mcphub::service("").spec());
    }
}
