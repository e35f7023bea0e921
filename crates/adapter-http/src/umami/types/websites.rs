//! Websites.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use roster_domain::{Owner, WebsiteDetails};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::UserRef;
use crate::reply::{rfc3339, rfc3339_or_null};

/// A website; a user's website names its owner in `user`, a team's website its creator in
/// `createUser` (while they exist).
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
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<UserRef>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_user: Option<UserRef>,
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
            create_user: details
                .creator_name
                .as_ref()
                .map(|name| UserRef::new(site.created_by, name)),
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

#[derive(Object, Deserialize, Debug)]
#[oai(rename = "UmamiCreateWebsite", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateWebsiteBody {
    /// An id of the client's choosing; a new one when absent or null, as in Umami.
    #[oai(nullable)]
    pub id: Option<Uuid>,
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

/// Where a website goes: to `userId` when sent, else to `teamId`.
#[derive(Object, Deserialize, Debug)]
#[oai(rename = "UmamiTransferWebsite", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct TransferWebsiteBody {
    #[oai(nullable)]
    pub user_id: Option<Uuid>,
    #[oai(nullable)]
    pub team_id: Option<Uuid>,
}

/// Tells a field sent as `null` (`Some(None)`) from one left out (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}
