use std::sync::Arc;

use roster_domain::Result;
use roster_domain::ports::{
    Clock, LoginThrottle, PasswordHasher, SessionStore, TeamRepository, UserRepository,
    WebsiteRepository,
};

use crate::{AuthConfig, AuthService, TeamService, UserService, WebsiteService};

/// The adapters the use-cases run on.
#[derive(Clone)]
pub struct Ports {
    pub users: Arc<dyn UserRepository>,
    pub teams: Arc<dyn TeamRepository>,
    pub websites: Arc<dyn WebsiteRepository>,
    pub sessions: Arc<dyn SessionStore>,
    pub throttle: Arc<dyn LoginThrottle>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub clock: Arc<dyn Clock>,
}

/// Every use-case of Roster, ready to be shared between request handlers.
#[derive(Clone)]
pub struct Roster {
    ports: Ports,
    config: AuthConfig,
    users: UserService,
    teams: TeamService,
    websites: WebsiteService,
    auth: AuthService,
}

impl Roster {
    /// Wires the use-cases over `ports`.
    ///
    /// # Errors
    /// Whatever hashing the decoy password for unknown-user logins fails with.
    pub async fn build(ports: Ports, config: AuthConfig) -> Result<Self> {
        Ok(Self {
            users: UserService::new(ports.clone(), config.password_policy),
            teams: TeamService::new(ports.clone()),
            websites: WebsiteService::new(ports.clone()),
            auth: AuthService::new(ports.clone(), config).await?,
            ports,
            config,
        })
    }

    pub fn users(&self) -> &UserService {
        &self.users
    }

    pub fn teams(&self) -> &TeamService {
        &self.teams
    }

    pub fn websites(&self) -> &WebsiteService {
        &self.websites
    }

    pub fn auth(&self) -> &AuthService {
        &self.auth
    }

    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    pub(crate) fn ports(&self) -> &Ports {
        &self.ports
    }
}
