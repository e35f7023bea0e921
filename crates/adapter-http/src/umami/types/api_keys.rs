//! API keys.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use roster_app::NewApiKey;
use roster_domain::{ApiKey, ApiKeyRef};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::reply::{rfc3339, rfc3339_or_null};

/// A key, as its owner lists it: never its secret.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiApiKey", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    /// The secret's first characters.
    pub key_prefix: String,
    #[oai(nullable)]
    #[serde(serialize_with = "rfc3339_or_null")]
    pub last_used_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
}

impl From<ApiKey> for ApiKeyView {
    fn from(key: ApiKey) -> Self {
        Self {
            id: key.id.0,
            name: key.name,
            key_prefix: key.prefix,
            last_used_at: key.last_used_at,
            created_at: key.created_at,
        }
    }
}

/// A key just made, with its secret `key`: shown this once, and kept only as a hash.
#[derive(Object, Serialize)]
#[oai(rename = "UmamiNewApiKey", rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewApiKeyView {
    pub id: Uuid,
    pub name: String,
    pub key_prefix: String,
    #[serde(serialize_with = "rfc3339")]
    pub created_at: DateTime<Utc>,
    pub key: String,
}

impl From<NewApiKey> for NewApiKeyView {
    fn from(made: NewApiKey) -> Self {
        Self {
            id: made.key.id.0,
            name: made.key.name,
            key_prefix: made.key.prefix,
            created_at: made.key.created_at,
            key: made.secret.expose().to_owned(),
        }
    }
}

#[derive(Object, Deserialize)]
#[oai(rename = "UmamiCreateApiKey")]
pub(crate) struct CreateApiKeyBody {
    /// 1 to 255 characters.
    pub name: String,
}

/// The key a request presented.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiApiKeyRef")]
pub(crate) struct ApiKeyRefView {
    pub id: Uuid,
    pub name: String,
}

impl From<ApiKeyRef> for ApiKeyRefView {
    fn from(key: ApiKeyRef) -> Self {
        Self {
            id: key.id.0,
            name: key.name,
        }
    }
}
