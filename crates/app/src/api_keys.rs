use roster_domain::{ApiKey, ApiKeyId, Error, Principal, Result};

use crate::limits::API_KEY_NAME;
use crate::token::API_KEY_SHOWN;
use crate::validate::text_field;
use crate::{Ports, Token};

/// A key just made: its secret, to show once, and the key as stored.
#[derive(Clone, Debug)]
pub struct NewApiKey {
    /// The secret; only its hash is kept.
    pub secret: Token,
    /// The key.
    pub key: ApiKey,
}

/// API keys: every user manages their own, from a login session only, so that a leaked key
/// cannot make more of itself.
#[derive(Clone)]
pub struct ApiKeyService {
    ports: Ports,
}

impl ApiKeyService {
    pub(crate) fn new(ports: Ports) -> Self {
        Self { ports }
    }

    /// Makes a key for the caller, named `name`.
    ///
    /// # Errors
    /// [`Error::Forbidden`] when the caller presented a key, [`Error::Invalid`] for a
    /// blank or long name, [`Error::NotFound`] if the caller was deleted meanwhile, and the
    /// store's errors.
    #[tracing::instrument(
        level = "debug", name = "api_keys.create", skip_all, fields(actor = %actor.id)
    )]
    pub async fn create(&self, actor: &Principal, name: &str) -> Result<NewApiKey> {
        require_session(actor)?;
        let name = text_field("name", name, API_KEY_NAME)?;
        let secret = Token::generate_api_key(&*self.ports.random)?;
        let key = ApiKey {
            id: ApiKeyId::random(&*self.ports.random)?,
            user_id: actor.id,
            name,
            prefix: secret.expose()[..API_KEY_SHOWN].to_owned(),
            hash: secret.hash(),
            last_used_at: None,
            created_at: self.ports.clock.now(),
        };
        self.ports.api_keys.create(&key).await?;
        Ok(NewApiKey { secret, key })
    }

    /// The caller's keys, newest first.
    ///
    /// # Errors
    /// [`Error::Forbidden`] when the caller presented a key, and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "api_keys.list", skip_all, fields(actor = %actor.id)
    )]
    pub async fn list(&self, actor: &Principal) -> Result<Vec<ApiKey>> {
        require_session(actor)?;
        self.ports.api_keys.list(actor.id).await
    }

    /// Revokes one of the caller's keys.
    ///
    /// # Errors
    /// [`Error::Forbidden`] when the caller presented a key, [`Error::NotFound`] for a key
    /// that is not the caller's, and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "api_keys.revoke", skip_all, fields(actor = %actor.id)
    )]
    pub async fn revoke(&self, actor: &Principal, id: ApiKeyId) -> Result<()> {
        require_session(actor)?;
        self.ports.api_keys.revoke(actor.id, id).await
    }
}

/// Refuses a caller who presented an API key: what only a login session may do.
pub(crate) fn require_session(actor: &Principal) -> Result<()> {
    if actor.api_key.is_some() {
        Err(Error::Forbidden(
            "an API key may not do this; log in with the password".into(),
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
#[path = "api_keys_tests.rs"]
mod tests;
