//! Umami's role names, as enums so that the OpenAPI document lists them. Parsing goes
//! through the domain's, so that a wrong name is refused in the domain's words.

use poem_openapi::Enum;
use roster_domain::{Error, Role, TeamRole};
use serde::{Deserialize, Serialize};

/// A user's role.
#[derive(Enum, Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename = "UmamiRole", rename_all = "kebab-case")]
#[serde(rename_all = "kebab-case", try_from = "String")]
pub(crate) enum UmamiRole {
    Admin,
    User,
    ViewOnly,
}

/// A member's role in a team.
#[derive(Enum, Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[oai(rename = "UmamiTeamRole")]
#[serde(try_from = "String")]
pub(crate) enum UmamiTeamRole {
    #[oai(rename = "team-owner")]
    #[serde(rename = "team-owner")]
    Owner,
    #[oai(rename = "team-manager")]
    #[serde(rename = "team-manager")]
    Manager,
    #[oai(rename = "team-member")]
    #[serde(rename = "team-member")]
    Member,
    #[oai(rename = "team-view-only")]
    #[serde(rename = "team-view-only")]
    ViewOnly,
}

impl TryFrom<String> for UmamiRole {
    type Error = Error;

    fn try_from(raw: String) -> Result<Self, Error> {
        raw.parse::<Role>().map(Self::from)
    }
}

impl TryFrom<String> for UmamiTeamRole {
    type Error = Error;

    fn try_from(raw: String) -> Result<Self, Error> {
        raw.parse::<TeamRole>().map(Self::from)
    }
}

impl From<Role> for UmamiRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Admin => Self::Admin,
            Role::User => Self::User,
            Role::ViewOnly => Self::ViewOnly,
        }
    }
}

impl From<UmamiRole> for Role {
    fn from(role: UmamiRole) -> Self {
        match role {
            UmamiRole::Admin => Self::Admin,
            UmamiRole::User => Self::User,
            UmamiRole::ViewOnly => Self::ViewOnly,
        }
    }
}

impl From<TeamRole> for UmamiTeamRole {
    fn from(role: TeamRole) -> Self {
        match role {
            TeamRole::Owner => Self::Owner,
            TeamRole::Manager => Self::Manager,
            TeamRole::Member => Self::Member,
            TeamRole::ViewOnly => Self::ViewOnly,
        }
    }
}

impl From<UmamiTeamRole> for TeamRole {
    fn from(role: UmamiTeamRole) -> Self {
        match role {
            UmamiTeamRole::Owner => Self::Owner,
            UmamiTeamRole::Manager => Self::Manager,
            UmamiTeamRole::Member => Self::Member,
            UmamiTeamRole::ViewOnly => Self::ViewOnly,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_as_the_domain_spells_them() {
        for role in [Role::Admin, Role::User, Role::ViewOnly] {
            let json = serde_json::to_value(UmamiRole::from(role)).unwrap();
            assert_eq!(json, role.as_str());
            assert_eq!(
                Role::from(serde_json::from_value::<UmamiRole>(json).unwrap()),
                role
            );
        }
        for role in TeamRole::ALL {
            let json = serde_json::to_value(UmamiTeamRole::from(role)).unwrap();
            assert_eq!(json, role.as_str());
            let back = serde_json::from_value::<UmamiTeamRole>(json).unwrap();
            assert_eq!(TeamRole::from(back), role);
        }
    }

    #[test]
    fn a_wrong_name_is_refused_in_the_domain_words() {
        let err = serde_json::from_str::<UmamiTeamRole>(r#""captain""#).unwrap_err();
        assert!(
            err.to_string().contains("team role must be one of"),
            "{err}"
        );
    }
}
