//! Wiring: from a [`Config`] to a bound, ready-to-run server.

use std::sync::Arc;
use std::time::Duration;

use std::net::SocketAddr;

use anyhow::Context;
use roster_app::{Ports, Roster};
use roster_db::Store;
use roster_hash::{Argon2Hasher, OsRandom, WorkerPool};
use roster_http::{AppState, PoolProbe, PoolUsage, ReadyCheck};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::Config;
use crate::serve::{Limits, connection_cap, serve};

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
    let store = Store::connect_with(&config.database_url, config.store())
        .await
        .context("opening the database")?;
    store.migrate().await.context("migrating the database")?;
    let threads = match config.hash_threads {
        0 => WorkerPool::per_core(),
        n => WorkerPool::new(n),
    };
    let hasher = Argon2Hasher::new(config.argon2(), Arc::new(threads))?;
    let ports = Ports::on_store(store.clone(), hasher, store.clock(), OsRandom);
    let roster = Roster::build(ports, config.auth()).await?;
    Ok((store, roster))
}

/// Connections at most on the metrics listener: scrapers are few, and its descriptors come
/// out of the same open-file limit as the main listener's.
const METRICS_CONNECTIONS: u32 = 16;

/// How long shutdown waits for the database pool to close.
const STORE_CLOSE: Duration = Duration::from_secs(2);

/// A migrated store, wired use-cases and bound listeners: ready to serve.
pub struct Application {
    listener: TcpListener,
    /// `/metrics` on an address of its own, when so configured.
    metrics_listener: Option<TcpListener>,
    state: AppState,
    config: Config,
    store: Store,
}

impl Application {
    /// Connects and migrates the database, bootstraps the first admin, and binds the
    /// listen addresses (port 0 picks a free port).
    ///
    /// # Errors
    /// When the database cannot be opened or migrated, the settings are invalid, or an
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
            PoolUsage {
                open,
                idle,
                max: pool_store.pool_size(),
            }
        });
        let listener = bind(config.listen).await?;
        let metrics_listener = match config.metrics_listen {
            Some(address) => Some(bind(address).await?),
            None => None,
        };
        let mut state = AppState::new(roster, ready, pool);
        state.metrics_token = config.metrics_token.as_deref().map(Arc::from);
        state.body_timeout = Duration::from_secs(config.body_timeout_secs);
        Ok(Self {
            listener,
            metrics_listener,
            state,
            config,
            store,
        })
    }

    /// The bound port (useful when the configuration asked for port 0).
    pub fn port(&self) -> u16 {
        port_of(&self.listener)
    }

    /// The port `/metrics` is served on, when it has a listener of its own.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_listener.as_ref().map(port_of)
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish (up to 30 s)
    /// and closes the database pool (waiting up to 2 s more; a failure is logged).
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) {
        let limits = Limits {
            max_connections: connection_cap(self.config.limits().max_connections),
            ..self.config.limits()
        };
        let (stop, stopped) = watch::channel(false);
        tracing::info!(
            port = self.port(),
            metrics_port = self.metrics_port(),
            "listening"
        );
        let metrics = self.metrics_listener.map(|listener| {
            let routes = roster_http::metrics_routes(self.state.clone());
            let limits = Limits {
                max_connections: limits.max_connections.min(METRICS_CONNECTIONS),
                ..limits
            };
            tokio::spawn(serve(listener, routes, limits, stopped.clone()))
        });
        let routes = roster_http::routes(self.state, &self.config.mounts());
        let serving = serve(self.listener, routes, limits, stopped);
        let signalled = async {
            shutdown.await;
            let _ = stop.send(true);
            std::future::pending::<()>().await;
        };
        tokio::select! {
            () = serving => {}
            () = signalled => {}
        }
        if let Some(metrics) = metrics {
            let _ = metrics.await;
        }
        // Closing waits for connections in use, which a database that stopped answering
        // never gives back.
        match tokio::time::timeout(STORE_CLOSE, self.store.close()).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "closing the database pool failed"),
            Err(_) => tracing::warn!("the database pool did not close in time; leaving it"),
        }
    }
}

async fn bind(address: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("binding {address}"))
}

fn port_of(listener: &TcpListener) -> u16 {
    listener.local_addr().map(|a| a.port()).unwrap_or_default()
}
