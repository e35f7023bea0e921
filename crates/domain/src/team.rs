use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Error, UserId, Username};

crate::id::id! {
    /// A team's stable identifier.
    TeamId
}

/// A group of users sharing websites. Anyone with the access code may join.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Team {
    pub id: TeamId,
    pub name: String,
    pub access_code: String,
    pub logo_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a member may do within a team, highest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TeamRole {
    Owner,
    Manager,
    Member,
    ViewOnly,
}

impl TeamRole {
    pub const ALL: [TeamRole; 4] = [Self::Owner, Self::Manager, Self::Member, Self::ViewOnly];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "team-owner",
            Self::Manager => "team-manager",
            Self::Member => "team-member",
            Self::ViewOnly => "team-view-only",
        }
    }

    /// Owners and managers rename the team and manage its members.
    pub fn manages(self) -> bool {
        matches!(self, Self::Owner | Self::Manager)
    }

    /// Every role but view-only creates, changes and deletes the team's websites.
    pub fn edits_websites(self) -> bool {
        self != Self::ViewOnly
    }
}

impl fmt::Display for TeamRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TeamRole {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "team role must be one of team-owner, team-manager, team-member, team-view-only (got {s:?})"
                ))
            })
    }
}

/// One user's membership of one team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamMember {
    pub id: Uuid,
    pub team_id: TeamId,
    pub user_id: UserId,
    pub role: TeamRole,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A membership with the member's name, as lists show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedMember {
    pub member: TeamMember,
    pub username: Username,
}

/// A team with its members and the number of its live websites.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamDetails {
    pub team: Team,
    pub members: Vec<NamedMember>,
    pub website_count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_roles_round_trip_and_only_owners_and_managers_manage() {
        for role in TeamRole::ALL {
            assert_eq!(role.as_str().parse::<TeamRole>().unwrap(), role);
        }
        assert!("owner".parse::<TeamRole>().is_err());
        assert!(TeamRole::Owner.manages() && TeamRole::Manager.manages());
        assert!(!TeamRole::Member.manages() && !TeamRole::ViewOnly.manages());
    }
}
