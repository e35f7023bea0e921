use chrono::{DateTime, Utc};

use crate::{TokenHash, UserId};

crate::id::id! {
    /// An API key's stable identifier.
    ApiKeyId
}

/// A long-lived credential of a user's, for scripts and machine clients. It acts with its
/// owner's rights as they are now; the secret is shown once and kept only as a hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub user_id: UserId,
    /// What the owner calls it.
    pub name: String,
    /// The secret's first characters, so that its owner can tell keys apart.
    pub prefix: String,
    pub hash: TokenHash,
    /// When it last authenticated a request, to within a few minutes.
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// The API key a request presented, as authorization and `/me` need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKeyRef {
    pub id: ApiKeyId,
    pub name: String,
}
