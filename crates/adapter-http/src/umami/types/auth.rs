//! Logins, the caller, password changes.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use roster_domain::{Team, User};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::api_keys::ApiKeyRefView;
use super::roles::UmamiRole;
use crate::reply::rfc3339;

#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiLoginTeam", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct LoginTeam {
    pub id: Uuid,
    pub name: String,
    #[oai(nullable)]
    pub logo_url: Option<String>,
}

/// The caller, as login, verify and `/me` show them.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiLoginUser", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct LoginUser {
    pub id: Uuid,
    pub username: String,
    pub role: UmamiRole,
    pub is_admin: bool,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    pub teams: Vec<LoginTeam>,
}

impl LoginUser {
    pub fn new(user: User, teams: Vec<Team>) -> Self {
        Self {
            id: user.id.0,
            is_admin: user.role.is_admin(),
            role: user.role.into(),
            username: user.username.to_string(),
            created_at: user.created_at,
            teams: teams
                .into_iter()
                .map(|t| LoginTeam {
                    id: t.id.0,
                    name: t.name,
                    logo_url: t.logo_url,
                })
                .collect(),
        }
    }
}

#[derive(Object, Serialize)]
#[oai(rename = "UmamiLoginResult")]
pub(crate) struct LoginResult {
    pub token: String,
    pub user: LoginUser,
}

#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiMe", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct Me {
    /// `session` for a login's token, `api-key` for an API key.
    pub auth_type: String,
    pub user: LoginUser,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<ApiKeyRefView>,
}

#[derive(Object, Deserialize)]
#[oai(rename = "UmamiLogin")]
pub(crate) struct LoginBody {
    pub username: String,
    pub password: String,
}

#[derive(Object, Deserialize)]
#[oai(rename = "UmamiChangePassword", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct PasswordBody {
    pub current_password: String,
    pub new_password: String,
}
