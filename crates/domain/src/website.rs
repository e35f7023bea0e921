use chrono::{DateTime, Utc};

use crate::{TeamId, UserId, Username};

crate::id::id! {
    /// A website's stable identifier.
    WebsiteId
}

/// Who a website belongs to: one user, or a team.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    User(UserId),
    Team(TeamId),
}

/// A tracked website. Deleting one only sets `deleted_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Website {
    pub id: WebsiteId,
    pub name: String,
    pub domain: String,
    pub share_id: Option<String>,
    pub reset_at: Option<DateTime<Utc>>,
    pub owner: Owner,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A website with the name of its owning user, when a user owns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebsiteDetails {
    pub website: Website,
    pub owner_name: Option<Username>,
    /// The name of who created a team's website, while they exist.
    pub creator_name: Option<Username>,
}

/// A change to a stored website: `None` leaves a column alone, and `share_id: Some(None)`
/// clears it. Only the columns named are written, so that concurrent changes to different
/// fields both survive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebsitePatch {
    pub name: Option<String>,
    pub domain: Option<String>,
    pub share_id: Option<Option<String>>,
    pub reset_at: Option<DateTime<Utc>>,
}
