use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use roster_domain::{Error, PasswordPolicy, Principal, Result, User, UserKey, Username};

use crate::guesses::{self, GuessKeys};
use crate::token::random_hex;
use crate::{AuthConfig, Ports, Token, hash_token, is_api_key};

/// The message for every failed login: it never tells which half was wrong.
const BAD_CREDENTIALS: &str = "invalid username or password";

/// Expired sessions are deleted by the first login this long after the last purge: they
/// never authenticate anyway, and a purge on every login cost a statement per login.
const PURGE_EVERY_SECS: i64 = 60;

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
    /// When the next purge of expired sessions is due, in Unix seconds.
    next_purge: Arc<AtomicI64>,
}

impl AuthService {
    pub(crate) async fn new(ports: Ports, config: AuthConfig) -> Result<Self> {
        let decoy = PasswordPolicy { min_chars: 0 }.check(&random_hex::<16>(&*ports.random)?)?;
        let decoy_hash = ports.hasher.hash(&decoy).await?;
        Ok(Self {
            ports,
            config,
            decoy_hash,
            next_purge: Arc::new(AtomicI64::new(i64::MIN)),
        })
    }

    /// Checks a username and password and opens a session.
    /// `client` is the caller's address, throttled like the username.
    ///
    /// # Errors
    /// [`Error::Throttled`] after too many failures for the name or the address,
    /// [`Error::Unauthenticated`] for wrong credentials (the same for an unknown name), and
    /// the store's errors.
    #[tracing::instrument(level = "debug", name = "auth.login", skip_all)]
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        client: Option<&str>,
    ) -> Result<LoginOutcome> {
        let keys = GuessKeys::password(username, client);
        guesses::count(&self.ports, self.config.throttle, &keys).await?;
        let now = self.ports.clock.now();
        // A name no user can have is not looked up (a NUL byte would upset PostgreSQL).
        let user = match Username::parse(username) {
            Ok(_) => {
                self.ports
                    .users
                    .find_as_stored_now(&UserKey::Name(username.to_owned()))
                    .await?
            }
            Err(_) => None,
        };
        let hash = user.as_ref().map_or(&self.decoy_hash, |u| &u.password_hash);
        let matches = self.ports.hasher.verify(password, hash).await?;
        let Some(mut user) = user.filter(|_| matches) else {
            return Err(bad_credentials());
        };
        guesses::forgive(&self.ports, &keys).await?;
        let mut verified_hash = user.password_hash.clone();
        if self.ports.hasher.needs_rehash(&verified_hash) {
            // The password is known now and only now: replace an imported or weaker hash,
            // unless the password changed since it was verified.
            let checked = PasswordPolicy { min_chars: 0 }.check(password)?;
            let new_hash = self.ports.hasher.hash(&checked).await?;
            let users = &self.ports.users;
            if users
                .replace_hash(user.id, &verified_hash, &new_hash, now)
                .await?
            {
                user.password_hash = new_hash;
            } else {
                // Another login of this password may have replaced the hash first; a
                // changed password would not verify against what is stored now.
                user = users
                    .find_as_stored_now(&UserKey::Id(user.id))
                    .await?
                    .ok_or_else(bad_credentials)?;
                if !self
                    .ports
                    .hasher
                    .verify(password, &user.password_hash)
                    .await?
                {
                    return Err(bad_credentials());
                }
            }
            verified_hash.clone_from(&user.password_hash);
        }
        let token = Token::generate(&*self.ports.random)?;
        let expires_at = now + self.config.token_ttl;
        let due = self.next_purge.load(Ordering::Relaxed);
        let next = now.timestamp().saturating_add(PURGE_EVERY_SECS);
        // One login of those that find the purge due runs it.
        if now.timestamp() >= due
            && self
                .next_purge
                .compare_exchange(due, next, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            // Housekeeping, not the caller's business: a purge that fails (a large
            // backlog running out of time) must not fail the login; the next one retries.
            if let Err(error) = self.ports.sessions.purge_expired(now).await {
                tracing::warn!(%error, "purging expired sessions failed");
            }
        }
        // The session opens only while the verified hash is still stored: a login racing a
        // password change (or the user's deletion) must not outlive it.
        let opened = self
            .ports
            .sessions
            .create(&token.hash(), user.id, &verified_hash, now, expires_at)
            .await?;
        if !opened {
            return Err(bad_credentials());
        }
        Ok(LoginOutcome { token, user })
    }

    /// The principal behind a bearer token.
    ///
    /// # Errors
    /// [`Error::Unauthenticated`] for an unknown, revoked or expired token, and the store's
    /// errors.
    #[tracing::instrument(level = "debug", name = "auth.authenticate", skip_all)]
    pub async fn authenticate(&self, token: &str) -> Result<Principal> {
        let now = self.ports.clock.now();
        let hash = hash_token(token);
        let found = if is_api_key(token) {
            self.ports.api_keys.principal(&hash, now).await?
        } else {
            self.ports.sessions.principal(&hash, now).await?
        };
        found.ok_or_else(|| Error::Unauthenticated("invalid or expired token".into()))
    }

    /// Ends the session of a token; an unknown token is already ended.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an API key, which ends only when revoked, and the store's
    /// errors.
    #[tracing::instrument(level = "debug", name = "auth.logout", skip_all)]
    pub async fn logout(&self, token: &str) -> Result<()> {
        if is_api_key(token) {
            return Err(Error::Invalid(
                "an API key is not logged out: revoke it to end it".into(),
            ));
        }
        self.ports.sessions.revoke(&hash_token(token)).await
    }
}

fn bad_credentials() -> Error {
    Error::Unauthenticated(BAD_CREDENTIALS.into())
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
