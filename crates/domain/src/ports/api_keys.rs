use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{ApiKey, ApiKeyId, Principal, Result, TokenHash, UserId};

/// Users' API keys, kept by the hash of their secret like sessions. A key ends when its
/// owner revokes it, and with its owner's deletion or demotion (the user store's part).
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    /// Stores a new key, provided its owner still exists.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] if the owner is gone; [`crate::Error::Unavailable`] if the
    /// store cannot be reached.
    async fn create(&self, key: &ApiKey) -> Result<()>;

    /// A user's keys, newest first.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn list(&self, user: UserId) -> Result<Vec<ApiKey>>;

    /// Revokes one of `user`'s keys; every instance stops accepting it.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] if `user` has no such key; [`crate::Error::Unavailable`]
    /// if the store cannot be reached.
    async fn revoke(&self, user: UserId, id: ApiKeyId) -> Result<()>;

    /// The owner behind a key, as they are now, with [`Principal::api_key`] set; notes the
    /// use (at most every few minutes).
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn principal(&self, hash: &TokenHash, now: DateTime<Utc>) -> Result<Option<Principal>>;
}
