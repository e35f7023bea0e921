//! Teams and memberships.

use chrono::{DateTime, Utc};
use poem_openapi::{Object, Union};
use roster_domain::{NamedMember, Team, TeamDetails, TeamMember};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::UserRef;
use super::roles::UmamiTeamRole;
use crate::reply::{rfc3339, rfc3339_or_null};

/// A team membership.
#[derive(Object, Clone, Debug, Serialize)]
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

/// How many websites and members a team has, under Umami 2's names (`website`,
/// `teamUser`) and Umami 3's (`websites`, `members`).
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiTeamCount", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct TeamCount {
    pub website: u64,
    pub team_user: u64,
    pub websites: u64,
    pub members: u64,
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
    /// The memberships, with `user {id, username}` (Umami 2's name).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_user: Option<Vec<TeamUserView>>,
    /// The same memberships, under Umami 3's name.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<TeamUserView>>,
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
            members: None,
        }
    }
}

impl From<TeamDetails> for TeamView {
    fn from(details: TeamDetails) -> Self {
        let members: Vec<TeamUserView> = details.members.iter().cloned().map(Into::into).collect();
        Self {
            count: Some(TeamCount {
                website: details.website_count,
                team_user: details.members.len() as u64,
                websites: details.website_count,
                members: details.members.len() as u64,
            }),
            team_user: Some(members.clone()),
            members: Some(members),
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

/// A new team; an admin may name its owner, who is otherwise the caller.
#[derive(Object, Deserialize, Debug)]
#[oai(rename = "UmamiCreateTeam", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateTeamBody {
    pub name: String,
    /// The owner, an admin's choice; the caller when absent or null.
    #[oai(nullable)]
    pub owner_id: Option<Uuid>,
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
