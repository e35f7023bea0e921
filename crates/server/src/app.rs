//! Wiring: from a [`Config`] to a bound, ready-to-run server.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use poem::Server;
use poem::listener::{Acceptor, Listener, TcpAcceptor, TcpListener};
use roster_app::password::{Argon2Hasher, WorkerPool};
use roster_app::{Ports, Roster};
use roster_db::Store;
use roster_domain::ports::SystemClock;
use roster_http::{AppState, PoolProbe, PoolUsage, ReadyCheck};

use crate::Config;

/// Opens and migrates the database, wires the use-cases over it, and bootstraps the first
/// admin: everything but HTTP, shared by the server and the admin subcommands.
///
/// # Errors
/// When the database cannot be opened or migrated, or the settings are invalid.
pub async fn wire(config: &Config) -> anyhow::Result<(Store, Roster)> {
    let (store, roster) = wire_without_admin(config).await?;
    if let Some(password) = roster
        .bootstrap_admin(config.admin_password.as_deref())
        .await
        .context("creating the first admin")?
    {
        // Shown once, on purpose: without ROSTER_ADMIN_PASSWORD this is the only way in.
        tracing::warn!(
            username = "admin",
            %password,
            "created the first admin with a generated password; change it after logging in"
        );
    }
    Ok((store, roster))
}

/// As [`wire`], without creating a first admin (for an import that brings its own).
///
/// # Errors
/// As [`wire`].
pub async fn wire_without_admin(config: &Config) -> anyhow::Result<(Store, Roster)> {
    let store = Store::connect(&config.database_url)
        .await
        .context("opening the database")?;
    store.migrate().await.context("migrating the database")?;
    let threads = match config.hash_threads {
        0 => WorkerPool::per_core(),
        n => WorkerPool::new(n),
    };
    let hasher = Argon2Hasher::new(config.argon2(), Arc::new(threads))?;
    let ports = Ports {
        users: Arc::new(store.clone()),
        teams: Arc::new(store.clone()),
        websites: Arc::new(store.clone()),
        sessions: Arc::new(store.clone()),
        throttle: Arc::new(store.clone()),
        hasher: Arc::new(hasher),
        clock: Arc::new(SystemClock),
    };
    let roster = Roster::build(ports, config.auth()).await?;
    Ok((store, roster))
}

/// A migrated store, wired use-cases and a bound listener: ready to serve.
pub struct Application {
    acceptor: TcpAcceptor,
    state: AppState,
    config: Config,
    store: Store,
}

impl Application {
    /// Connects and migrates the database, bootstraps the first admin, and binds the
    /// listen address (port 0 picks a free port).
    ///
    /// # Errors
    /// When the database cannot be opened or migrated, the settings are invalid, or the
    /// address cannot be bound.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let (store, roster) = wire(&config).await?;
        let ping_store = store.clone();
        let ready: ReadyCheck = Arc::new(move || {
            let store = ping_store.clone();
            Box::pin(async move { store.ping().await.is_ok() })
        });
        let pool_store = store.clone();
        let pool: PoolProbe = Arc::new(move || {
            let (open, idle) = pool_store.pool_usage();
            PoolUsage { open, idle }
        });
        let acceptor = TcpListener::bind(config.listen)
            .into_acceptor()
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        Ok(Self {
            acceptor,
            state: AppState::new(roster, ready, pool),
            config,
            store,
        })
    }

    /// The bound port (useful when the configuration asked for port 0).
    pub fn port(&self) -> u16 {
        self.acceptor
            .local_addr()
            .first()
            .and_then(|addr| addr.as_socket_addr().map(|a| a.port()))
            .unwrap_or_default()
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish (up to 30 s).
    ///
    /// # Errors
    /// When the listener fails.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let routes = roster_http::routes(self.state, &self.config.mounts());
        tracing::info!(
            port = self.acceptor.local_addr().first().map(|a| a.to_string()),
            "listening"
        );
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(routes, shutdown, Some(Duration::from_secs(30)))
            .await?;
        self.store.close().await?;
        Ok(())
    }
}
