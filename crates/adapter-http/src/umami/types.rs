//! The Umami dialect's bodies, with the field names of Umami's API.

use chrono::{DateTime, Utc};
use poem::http::StatusCode;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use poem_openapi::{Object, Union};
use roster_domain::{
    NamedMember, Owner, Page, Team, TeamDetails, TeamMember, User, UserId, Username, WebsiteDetails,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::roles::{UmamiRole, UmamiTeamRole};
use crate::error::ErrorBody;
use crate::reply::{rfc3339, rfc3339_or_null};

/// `{"error": {"code", "message", "status"}}`.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiError")]
pub(crate) struct ErrorEnvelope {
    pub error: ErrorDetail,
}

#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiErrorDetail")]
pub(crate) struct ErrorDetail {
    /// `bad-request`, `unauthorized`, `forbidden`, `not-found`, `method-not-allowed`,
    /// `request-timeout`, `conflict`, `uri-too-long`, `too-many-requests`,
    /// `headers-too-large`, `service-unavailable` or `internal-error`.
    pub code: String,
    pub message: String,
    pub status: u16,
}

impl ErrorBody for ErrorEnvelope {
    fn new(status: StatusCode, message: String) -> Self {
        let code = match status {
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND => "not-found",
            StatusCode::CONFLICT => "conflict",
            StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
            StatusCode::REQUEST_TIMEOUT => "request-timeout",
            StatusCode::URI_TOO_LONG => "uri-too-long",
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers-too-large",
            StatusCode::TOO_MANY_REQUESTS => "too-many-requests",
            StatusCode::SERVICE_UNAVAILABLE => "service-unavailable",
            s if s.is_server_error() => "internal-error",
            _ => "bad-request",
        };
        Self {
            error: ErrorDetail {
                code: code.into(),
                message,
                status: status.as_u16(),
            },
        }
    }
}

/// `{"ok": true}`, Umami's answer to a deletion or logout.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiOk")]
pub(crate) struct Done {
    pub ok: bool,
}

impl Done {
    pub fn new() -> Self {
        Self { ok: true }
    }
}

/// A user, as every user endpoint returns one.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiUser", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserView {
    pub id: Uuid,
    pub username: String,
    pub role: UmamiRole,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        Self {
            id: user.id.0,
            username: user.username.to_string(),
            role: user.role.into(),
            created_at: user.created_at,
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

/// A user named inside another object.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiUserRef")]
pub(crate) struct UserRef {
    pub id: Uuid,
    pub username: String,
}

impl UserRef {
    pub fn new(id: UserId, username: &Username) -> Self {
        Self {
            id: id.0,
            username: username.to_string(),
        }
    }
}

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
    /// Always `session`: Roster has no API keys or share tokens.
    pub auth_type: String,
    pub user: LoginUser,
}

/// A team membership.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiTeamUser", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct TeamUserView {
    pub id: Uuid,
    pub team_id: Uuid,
    pub user_id: Uuid,
    pub role: UmamiTeamRole,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    pub updated_at: DateTime<Utc>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserRef>,
}

impl TeamUserView {
    pub fn bare(member: TeamMember) -> Self {
        Self {
            id: member.id,
            team_id: member.team_id.0,
            user_id: member.user_id.0,
            role: member.role.into(),
            created_at: member.created_at,
            updated_at: member.updated_at,
            user: None,
        }
    }
}

impl From<NamedMember> for TeamUserView {
    fn from(named: NamedMember) -> Self {
        let user = UserRef::new(named.member.user_id, &named.username);
        Self {
            user: Some(user),
            ..Self::bare(named.member)
        }
    }
}

/// How many websites and members a team has.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiTeamCount", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct TeamCount {
    pub website: u64,
    pub team_user: u64,
}

/// A team; lists and lookups add its counts and members.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiTeam", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct TeamView {
    pub id: Uuid,
    pub name: String,
    pub access_code: String,
    #[oai(nullable)]
    pub logo_url: Option<String>,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    pub updated_at: DateTime<Utc>,
    #[oai(nullable)]
    #[serde(serialize_with = "rfc3339_or_null")]
    pub deleted_at: Option<DateTime<Utc>>,
    /// Always `false`: Roster has no two-factor login.
    pub two_factor_required: bool,
    #[oai(rename = "_count", skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none", rename = "_count")]
    pub count: Option<TeamCount>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_user: Option<Vec<TeamUserView>>,
}

impl From<Team> for TeamView {
    fn from(team: Team) -> Self {
        Self {
            id: team.id.0,
            name: team.name,
            access_code: team.access_code,
            logo_url: team.logo_url,
            created_at: team.created_at,
            updated_at: team.updated_at,
            deleted_at: None,
            two_factor_required: false,
            count: None,
            team_user: None,
        }
    }
}

impl From<TeamDetails> for TeamView {
    fn from(details: TeamDetails) -> Self {
        Self {
            count: Some(TeamCount {
                website: details.website_count,
                team_user: details.members.len() as u64,
            }),
            team_user: Some(details.members.into_iter().map(Into::into).collect()),
            ..Self::from(details.team)
        }
    }
}

/// What creating a team returns: the team, then the owner's membership.
#[derive(Union, Debug, Serialize)]
#[oai(rename = "UmamiCreatedTeamPart", one_of)]
#[serde(untagged)]
pub(crate) enum CreatedTeamPart {
    Team(TeamView),
    Member(TeamUserView),
}

/// A website; a user's website names its owner in `user`.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiWebsite", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebsiteView {
    pub id: Uuid,
    pub name: String,
    pub domain: String,
    #[oai(nullable)]
    pub share_id: Option<String>,
    #[oai(nullable)]
    #[serde(serialize_with = "rfc3339_or_null")]
    pub reset_at: Option<DateTime<Utc>>,
    #[oai(nullable)]
    pub user_id: Option<Uuid>,
    #[oai(nullable)]
    pub team_id: Option<Uuid>,
    pub created_by: Uuid,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    pub updated_at: DateTime<Utc>,
    #[oai(nullable)]
    #[serde(serialize_with = "rfc3339_or_null")]
    pub deleted_at: Option<DateTime<Utc>>,
    /// The owner, for a user's website.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserRef>,
}

impl From<WebsiteDetails> for WebsiteView {
    fn from(details: WebsiteDetails) -> Self {
        let site = details.website;
        let (user_id, team_id) = match site.owner {
            Owner::User(user) => (Some(user), None),
            Owner::Team(team) => (None, Some(team.0)),
        };
        Self {
            user: user_id
                .zip(details.owner_name.as_ref())
                .map(|(id, name)| UserRef::new(id, name)),
            id: site.id.0,
            name: site.name,
            domain: site.domain,
            share_id: site.share_id,
            reset_at: site.reset_at,
            user_id: user_id.map(|u| u.0),
            team_id,
            created_by: site.created_by.0,
            created_at: site.created_at,
            updated_at: site.updated_at,
            deleted_at: site.deleted_at,
        }
    }
}

/// One page of a list.
#[derive(Object, Debug, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct Paged<T: ParseFromJSON + ToJSON> {
    pub data: Vec<T>,
    /// Items in the whole list.
    pub count: u64,
    pub page: u64,
    pub page_size: u64,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_by: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
}

impl<T: ParseFromJSON + ToJSON> Paged<T> {
    pub fn new<D: Into<T>>(
        page: Page<D>,
        order_by: Option<String>,
        search: Option<String>,
    ) -> Self {
        Self {
            data: page.items.into_iter().map(Into::into).collect(),
            count: page.count,
            page: page.page,
            page_size: page.page_size,
            order_by,
            search,
        }
    }
}

#[derive(Object, Deserialize)]
#[oai(rename = "UmamiLogin")]
pub(crate) struct LoginBody {
    pub username: String,
    pub password: String,
}

/// A new user; `role` defaults to `user`.
#[derive(Object, Deserialize)]
#[oai(rename = "UmamiCreateUser")]
pub(crate) struct CreateUserBody {
    pub username: String,
    pub password: String,
    pub role: Option<UmamiRole>,
}

#[derive(Object, Deserialize)]
#[oai(rename = "UmamiUpdateUser")]
pub(crate) struct UpdateUserBody {
    #[oai(nullable)]
    pub username: Option<String>,
    #[oai(nullable)]
    pub password: Option<String>,
    pub role: Option<UmamiRole>,
}

#[derive(Object, Deserialize)]
#[oai(rename = "UmamiChangePassword", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct PasswordBody {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Object, Deserialize, Debug)]
#[oai(rename = "UmamiCreateTeam")]
pub(crate) struct CreateTeamBody {
    pub name: String,
}

#[derive(Object, Deserialize, Debug)]
#[oai(rename = "UmamiUpdateTeam", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateTeamBody {
    #[oai(nullable)]
    pub name: Option<String>,
    #[oai(nullable)]
    pub access_code: Option<String>,
    #[oai(nullable)]
    pub logo_url: Option<String>,
}

#[derive(Object, Deserialize, Debug)]
#[oai(rename = "UmamiJoinTeam", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct JoinTeamBody {
    pub access_code: String,
}

#[derive(Object, Deserialize, Debug)]
#[oai(rename = "UmamiAddTeamUser", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct AddTeamUserBody {
    pub user_id: Uuid,
    pub role: UmamiTeamRole,
}

#[derive(Object, Deserialize, Debug)]
#[oai(rename = "UmamiUpdateTeamUser")]
pub(crate) struct UpdateTeamUserBody {
    pub role: UmamiTeamRole,
}

#[derive(Object, Deserialize, Debug)]
#[oai(rename = "UmamiCreateWebsite", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateWebsiteBody {
    pub name: String,
    pub domain: String,
    #[oai(nullable)]
    pub share_id: Option<String>,
    #[oai(nullable)]
    pub team_id: Option<Uuid>,
}

#[derive(Object, Deserialize, Debug)]
#[oai(rename = "UmamiUpdateWebsite", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct UpdateWebsiteBody {
    #[oai(nullable)]
    pub name: Option<String>,
    #[oai(nullable)]
    pub domain: Option<String>,
    /// `null` removes the share id; leaving it out keeps it.
    #[serde(default, deserialize_with = "present")]
    #[oai(nullable)]
    pub share_id: Option<Option<String>>,
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use crate::reply::assert_same_json;

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn user_ref() -> UserRef {
        UserRef {
            id: Uuid::from_u128(7),
            username: "ana".into(),
        }
    }

    fn member(user: Option<UserRef>) -> TeamUserView {
        TeamUserView {
            id: Uuid::from_u128(1),
            team_id: Uuid::from_u128(2),
            user_id: Uuid::from_u128(7),
            role: UmamiTeamRole::Owner,
            created_at: at("2026-12-02T07:05:09.123456789Z"),
            updated_at: at("2026-12-02T07:05:09Z"),
            user,
        }
    }

    fn team(details: bool) -> TeamView {
        TeamView {
            id: Uuid::from_u128(2),
            name: "ops".into(),
            access_code: "team_abc".into(),
            logo_url: details.then(|| "https://logo".into()),
            created_at: at("2026-12-02T07:05:09.5Z"),
            updated_at: at("2026-12-02T07:05:09Z"),
            deleted_at: details.then(|| at("2026-12-03T00:00:00Z")),
            two_factor_required: false,
            count: details.then_some(TeamCount {
                website: 3,
                team_user: 1,
            }),
            team_user: details.then(|| vec![member(Some(user_ref()))]),
        }
    }

    fn website(user: Option<UserRef>) -> WebsiteView {
        WebsiteView {
            id: Uuid::from_u128(9),
            name: "site".into(),
            domain: "example.com".into(),
            share_id: user.as_ref().map(|_| "share".into()),
            reset_at: user.as_ref().map(|_| at("2026-12-01T01:02:03.004Z")),
            user_id: user.as_ref().map(|user| user.id),
            team_id: user.is_none().then(|| Uuid::from_u128(2)),
            created_by: Uuid::from_u128(7),
            created_at: at("2026-12-02T07:05:09Z"),
            updated_at: at("2026-12-02T07:05:09Z"),
            deleted_at: None,
            user,
        }
    }

    fn login_user() -> LoginUser {
        LoginUser {
            id: Uuid::from_u128(7),
            username: "ana".into(),
            role: UmamiRole::Admin,
            is_admin: true,
            created_at: at("2026-12-02T07:05:09.120Z"),
            teams: vec![
                LoginTeam {
                    id: Uuid::from_u128(2),
                    name: "ops".into(),
                    logo_url: None,
                },
                LoginTeam {
                    id: Uuid::from_u128(3),
                    name: "dev".into(),
                    logo_url: Some("https://logo".into()),
                },
            ],
        }
    }

    #[test]
    fn every_body_is_written_as_its_schema_writes_it() {
        assert_same_json(&ErrorEnvelope::new(StatusCode::CONFLICT, "taken".into()));
        assert_same_json(&Done::new());
        assert_same_json(&UserView {
            id: Uuid::from_u128(7),
            username: "ana".into(),
            role: UmamiRole::User,
            created_at: at("2026-12-02T07:05:09.123Z"),
        });
        assert_same_json(&CreatedUser {
            id: Uuid::from_u128(7),
            username: "ana".into(),
            role: UmamiRole::ViewOnly,
        });
        assert_same_json(&LoginResult {
            token: "t".into(),
            user: login_user(),
        });
        assert_same_json(&Me {
            auth_type: "session".into(),
            user: login_user(),
        });
        for view in [member(None), member(Some(user_ref()))] {
            assert_same_json(&view);
        }
        for view in [team(false), team(true)] {
            assert_same_json(&view);
        }
        assert_same_json(&vec![
            CreatedTeamPart::Team(team(false)),
            CreatedTeamPart::Member(member(None)),
        ]);
        for view in [website(None), website(Some(user_ref()))] {
            assert_same_json(&view);
        }
        assert_same_json(&Paged {
            data: vec![website(None)],
            count: 41,
            page: 2,
            page_size: 20,
            order_by: None,
            search: None,
        });
        assert_same_json(&Paged {
            data: vec![team(true)],
            count: 1,
            page: 1,
            page_size: 10,
            order_by: Some("name".into()),
            search: Some("o".into()),
        });
    }
}
