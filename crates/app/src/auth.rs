use std::time::Duration;

use roster_domain::{Error, PasswordPolicy, Principal, Result, User, UserKey, UserPatch, Username};

use crate::token::random_hex;
use crate::{AuthConfig, Ports, Token, hash_token};

/// The message for every failed login: it never tells which half was wrong.
const BAD_CREDENTIALS: &str = "invalid username or password";

/// A successful login: the token to present from now on, and who it belongs to.
#[derive(Clone, Debug)]
pub struct LoginOutcome {
    /// The bearer token; it is shown once and stored only as a hash.
    pub token: Token,
    /// The user who logged in.
    pub user: User,
}

/// Logins, sessions and their throttling.
#[derive(Clone)]
pub struct AuthService {
    ports: Ports,
    config: AuthConfig,
    /// A real hash of a random password, verified against when the user is unknown so that
    /// an unknown name costs as much time as a wrong password.
    decoy_hash: String,
}

impl AuthService {
    pub(crate) async fn new(ports: Ports, config: AuthConfig) -> Result<Self> {
        let decoy = PasswordPolicy { min_chars: 0 }.check(&random_hex::<16>()?)?;
        let decoy_hash = ports.hasher.hash(&decoy).await?;
        Ok(Self {
            ports,
            config,
            decoy_hash,
        })
    }

    /// Checks a username and password and opens a session.
    /// `client` is the caller's address, throttled like the username.
    ///
    /// # Errors
    /// [`Error::Throttled`] after too many failures for the name or the address,
    /// [`Error::Unauthenticated`] for wrong credentials (the same for an unknown name), and
    /// the store's errors.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: Option<&str>,
    ) -> Result<LoginOutcome> {
        let keys = throttle_keys(username, client);
        let now = self.ports.clock.now();
        for key in &keys {
            self.refuse_if_throttled(key, now).await?;
        }
        let user = self
            .ports
            .users
            .find(&UserKey::Name(username.to_owned()))
            .await?;
        let hash = user.as_ref().map_or(&self.decoy_hash, |u| &u.password_hash);
        let matches = self.ports.hasher.verify(password, hash).await?;
        let Some(mut user) = user.filter(|_| matches) else {
            for key in &keys {
                self.ports
                    .throttle
                    .record_failure(key, now, self.config.throttle.window)
                    .await?;
            }
            return Err(Error::Unauthenticated(BAD_CREDENTIALS.into()));
        };
        self.ports.throttle.clear(&keys[0]).await?;
        if self.ports.hasher.needs_rehash(&user.password_hash) {
            // The password is known now and only now: replace an imported or weaker hash.
            let password = PasswordPolicy { min_chars: 0 }.check(password)?;
            let patch = UserPatch {
                password_hash: Some(self.ports.hasher.hash(&password).await?),
                ..UserPatch::default()
            };
            user = self.ports.users.update(user.id, patch, false, now).await?;
        }
        let token = Token::generate()?;
        let expires_at = now + self.config.token_ttl;
        self.ports.sessions.purge_expired(now).await?;
        self.ports
            .sessions
            .create(&token.hash(), user.id, now, expires_at)
            .await?;
        Ok(LoginOutcome { token, user })
    }

    /// The principal behind a bearer token.
    ///
    /// # Errors
    /// [`Error::Unauthenticated`] for an unknown, revoked or expired token, and the store's
    /// errors.
    pub async fn authenticate(&self, token: &str) -> Result<Principal> {
        let now = self.ports.clock.now();
        self.ports
            .sessions
            .principal(&hash_token(token), now)
            .await?
            .ok_or_else(|| Error::Unauthenticated("invalid or expired token".into()))
    }

    /// Ends the session of a token; an unknown token is already ended.
    ///
    /// # Errors
    /// The store's errors.
    pub async fn logout(&self, token: &str) -> Result<()> {
        self.ports.sessions.revoke(&hash_token(token)).await
    }

    async fn refuse_if_throttled(
        &self,
        key: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let limits = self.config.throttle;
        let Some(window) = self.ports.throttle.current(key).await? else {
            return Ok(());
        };
        let ends = window.started_at + limits.window;
        if window.failures >= limits.max_failures && ends > now {
            let retry_after = (ends - now).to_std().unwrap_or(Duration::from_secs(1));
            return Err(Error::Throttled { retry_after });
        }
        Ok(())
    }
}

/// The throttling keys of a login: the username's first, then the client address's.
fn throttle_keys(username: &str, client: Option<&str>) -> Vec<String> {
    let mut keys = vec![format!("user:{}", Username::key_of(username))];
    keys.extend(client.map(|addr| format!("addr:{addr}")));
    keys
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
