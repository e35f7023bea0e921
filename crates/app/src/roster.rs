use std::sync::Arc;

use roster_domain::Result;
use roster_domain::ports::{
    ApiKeyStore, Clock, LoginThrottle, PasswordHasher, Random, SessionStore, TeamRepository,
    UserRepository, WebsiteRepository,
};

use crate::{ApiKeyService, AuthConfig, AuthService, TeamService, UserService, WebsiteService};

/// The adapters the use-cases run on.
#[derive(Clone)]
pub struct Ports {
    /// Where users and their grants live.
    pub users: Arc<dyn UserRepository>,
    /// Where teams and memberships live.
    pub teams: Arc<dyn TeamRepository>,
    /// Where websites live.
    pub websites: Arc<dyn WebsiteRepository>,
    /// Where login sessions live.
    pub sessions: Arc<dyn SessionStore>,
    /// Where API keys live.
    pub api_keys: Arc<dyn ApiKeyStore>,
    /// Where failed logins are counted.
    pub throttle: Arc<dyn LoginThrottle>,
    /// How passwords are hashed and checked.
    pub hasher: Arc<dyn PasswordHasher>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Unpredictable bytes, for ids, tokens and generated passwords.
    pub random: Arc<dyn Random>,
}

impl Ports {
    /// Ports on one store that keeps users, teams, websites, sessions, API keys and login
    /// failures (as `roster_db::Store` does), with `hasher`, `clock` and `random`.
    pub fn on_store<S>(
        store: S,
        hasher: impl PasswordHasher + 'static,
        clock: impl Clock + 'static,
        random: impl Random + 'static,
    ) -> Self
    where
        S: UserRepository
            + TeamRepository
            + WebsiteRepository
            + SessionStore
            + ApiKeyStore
            + LoginThrottle
            + 'static,
    {
        let store = Arc::new(store);
        Self {
            users: store.clone(),
            teams: store.clone(),
            websites: store.clone(),
            sessions: store.clone(),
            api_keys: store.clone(),
            throttle: store,
            hasher: Arc::new(hasher),
            clock: Arc::new(clock),
            random: Arc::new(random),
        }
    }
}

/// Every use-case of Roster, ready to be shared between request handlers.
#[derive(Clone)]
pub struct Roster {
    ports: Ports,
    config: AuthConfig,
    users: UserService,
    teams: TeamService,
    websites: WebsiteService,
    api_keys: ApiKeyService,
    auth: AuthService,
}

impl Roster {
    /// Wires the use-cases over `ports`.
    ///
    /// # Errors
    /// Whatever hashing the decoy password for unknown-user logins fails with.
    pub async fn build(ports: Ports, config: AuthConfig) -> Result<Self> {
        Ok(Self {
            users: UserService::new(ports.clone(), config.password_policy, config.throttle),
            teams: TeamService::new(ports.clone(), config.throttle),
            websites: WebsiteService::new(ports.clone()),
            api_keys: ApiKeyService::new(ports.clone()),
            auth: AuthService::new(ports.clone(), config).await?,
            ports,
            config,
        })
    }

    /// Managing users.
    pub fn users(&self) -> &UserService {
        &self.users
    }

    /// Managing teams and their members.
    pub fn teams(&self) -> &TeamService {
        &self.teams
    }

    /// Managing websites.
    pub fn websites(&self) -> &WebsiteService {
        &self.websites
    }

    /// Users' API keys.
    pub fn api_keys(&self) -> &ApiKeyService {
        &self.api_keys
    }

    /// Logins and sessions.
    pub fn auth(&self) -> &AuthService {
        &self.auth
    }

    /// The login settings the use-cases run with.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    pub(crate) fn ports(&self) -> &Ports {
        &self.ports
    }
}
