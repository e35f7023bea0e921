use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{
    Owner, Page, PageRequest, Result, TeamId, UserId, Website, WebsiteDetails, WebsiteId,
    WebsiteOrder, WebsitePatch,
};

/// Which websites a list covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebsiteScope {
    /// A user's own websites, and with `include_teams` those of the user's teams too.
    User { user: UserId, include_teams: bool },
    /// A team's websites.
    Team(TeamId),
    /// Every website.
    All,
}

/// The website store. Deleted websites are kept with `deleted_at` set and never listed.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait WebsiteRepository: Send + Sync {
    /// Stores a new website.
    ///
    /// # Errors
    /// [`crate::Error::Conflict`] if its share id is taken; [`crate::Error::NotFound`] if its
    /// owner is gone; [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn create(&self, website: Website) -> Result<Website>;

    /// A live website with its owner's name.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn find(&self, id: WebsiteId) -> Result<Option<WebsiteDetails>>;

    /// Writes the columns `patch` names, and `updated_at`.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] if it is gone; [`crate::Error::Conflict`] if the share id
    /// is taken; [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn update(&self, id: WebsiteId, patch: &WebsitePatch, now: DateTime<Utc>) -> Result<()>;

    /// Gives a website that `from` owns to `to`, provided `to` still exists.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] if the website is gone or no longer `from`'s, or `to` is
    /// gone; [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn transfer(
        &self,
        id: WebsiteId,
        from: Owner,
        to: Owner,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Marks a website deleted.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] if it is gone; [`crate::Error::Unavailable`] if the store
    /// cannot be reached.
    async fn delete(&self, id: WebsiteId, now: DateTime<Utc>) -> Result<()>;

    /// One page of live websites in `scope`; `search` matches name or domain.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn list(
        &self,
        scope: WebsiteScope,
        page: &PageRequest<WebsiteOrder>,
    ) -> Result<Page<WebsiteDetails>>;

    /// How many live websites each of `users` owns; a user who owns none is left out, and
    /// the answer may count other owners' too (a store may find counting every owner
    /// cheaper than naming many).
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn counts_by_owner(&self, users: &[UserId]) -> Result<HashMap<UserId, u64>>;
}
