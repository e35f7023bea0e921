use std::sync::Arc;
use std::time::Duration;

use roster_domain::{Error, Result};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseBackend, DatabaseConnection};
use sea_orm_migration::MigratorTrait;

use crate::cache::ReadCache;
use crate::error::db_err;
use crate::migration::Migrator;

/// Which database a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

/// The sea-orm store behind every storage port. Cheap to clone: clones share one pool and
/// one cache of users and sessions.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) db: DatabaseConnection,
    pub(crate) cache: Arc<ReadCache>,
}

impl Store {
    /// Opens a pool on `url` (`sqlite://path?mode=rwc`, `postgres://…` or `mysql://…`).
    /// SQLite runs in WAL mode with a busy timeout, so readers never block the writer.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an unsupported URL, [`Error::Unavailable`] when the database
    /// cannot be reached.
    pub async fn connect(url: &str) -> Result<Self> {
        let mut options = ConnectOptions::new(url);
        options
            .max_connections(16)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(5))
            .sqlx_logging(false)
            // A ping on every checkout doubled the round trips of each query; a connection
            // idle this long may have been dropped by the server, a hot one has just worked.
            .test_before_acquire_if_idle_for(Duration::from_secs(10))
            .map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
        if !["sqlite:", "postgres:", "postgresql:", "mysql:", "mariadb:"]
            .iter()
            .any(|scheme| url.starts_with(scheme))
        {
            return Err(Error::Invalid(format!(
                "unsupported database URL {:?}: use sqlite:, postgres: or mysql:",
                url.split(':').next().unwrap_or_default()
            )));
        }
        let db = Database::connect(options).await.map_err(db_err)?;
        let cache = Arc::new(ReadCache::new(db.clone()));
        Ok(Self { db, cache })
    }

    /// Applies every pending migration.
    ///
    /// # Errors
    /// [`Error::Unavailable`] or [`Error::Internal`] when a migration cannot run.
    pub async fn migrate(&self) -> Result<()> {
        Migrator::up(&self.db, None).await.map_err(db_err)
    }

    /// Whether the database answers a trivial query (for readiness probes).
    ///
    /// # Errors
    /// [`Error::Unavailable`] when it does not.
    pub async fn ping(&self) -> Result<()> {
        self.db.ping().await.map_err(db_err)
    }

    /// Connections the pool holds open, and how many of them are idle.
    pub fn pool_usage(&self) -> (u32, u32) {
        let idle = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        match self.backend() {
            Backend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                (pool.size(), idle(pool.num_idle()))
            }
            Backend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (pool.size(), idle(pool.num_idle()))
            }
            Backend::MySql => {
                let pool = self.db.get_mysql_connection_pool();
                (pool.size(), idle(pool.num_idle()))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self.db.get_database_backend() {
            DatabaseBackend::Postgres => Backend::Postgres,
            DatabaseBackend::MySql => Backend::MySql,
            _ => Backend::Sqlite,
        }
    }

    /// Closes the pool, waiting for connections in use.
    ///
    /// # Errors
    /// [`Error::Internal`] if closing fails.
    pub async fn close(self) -> Result<()> {
        self.db.close().await.map_err(db_err)
    }
}
