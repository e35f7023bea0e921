use std::fmt;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{TeamId, UserId, Username};

/// A website's stable identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WebsiteId(pub Uuid);

impl WebsiteId {
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }
}

impl Default for WebsiteId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for WebsiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
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
}
