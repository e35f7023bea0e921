use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{
    EndSessions, Page, PageRequest, Result, User, UserId, UserKey, UserOrder, UserPatch, UserStats,
    Username,
};

/// The user store. It alone can see every concurrent writer, so it enforces the invariants
/// that need a transaction: unique names and "at least one admin remains".
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a new user with its grants, and returns it as stored.
    ///
    /// # Errors
    /// [`crate::Error::Conflict`] if the name is taken (compared case-insensitively);
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn insert(&self, user: User) -> Result<User>;

    /// Looks a user up by id or by case-insensitive name.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn find(&self, key: &UserKey) -> Result<Option<User>>;

    /// Looks a user up like [`Self::find`], but as stored at this very moment, where
    /// [`Self::find`] may answer what was stored up to a moment ago: for a login, which
    /// decides on the password hash.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn find_as_stored_now(&self, key: &UserKey) -> Result<Option<User>>;

    /// Up to `limit` users with their grants, ordered by name, from the first whose name
    /// comes after `after` (from the first user when `None`): the whole directory, read a
    /// batch at a time so that no read holds a million users.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn list_after(&self, after: Option<Username>, limit: u64) -> Result<Vec<User>>;

    /// One page of users; `search` matches usernames.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn page(&self, page: &PageRequest<UserOrder>) -> Result<Page<User>>;

    /// Applies `patch` in one transaction, and ends the user's sessions `end_sessions` names
    /// in the same transaction.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] if the user is gone; [`crate::Error::Conflict`] if the new
    /// name is taken or the change would leave no admin; [`crate::Error::Unavailable`] if the
    /// store cannot be reached.
    async fn update(
        &self,
        id: UserId,
        patch: UserPatch,
        end_sessions: EndSessions,
        now: DateTime<Utc>,
    ) -> Result<User>;

    /// Replaces a user's password hash with `new_hash` if it is still `verified_hash`, the
    /// one a login just verified; returns whether it did. A password changed meanwhile is
    /// never overwritten by the login's upgrade of the old one.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn replace_hash(
        &self,
        id: UserId,
        verified_hash: &str,
        new_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// Deletes a user with their grants, sessions and memberships in one transaction, with
    /// the teams they were the only owner of (whose websites are soft-deleted, as the
    /// user's own are, at `now`), as Umami deletes a user's teams; a team with another
    /// owner stays.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] if the user is gone; [`crate::Error::Conflict`] if they are
    /// the last admin; [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn delete(&self, id: UserId, now: DateTime<Utc>) -> Result<()>;

    /// Totals, admins, and users per server and per group, aggregated by the store.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn stats(&self) -> Result<UserStats>;
}
