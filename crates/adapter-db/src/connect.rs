use std::sync::Arc;
use std::time::Duration;

use roster_domain::{Error, Result};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseBackend, DatabaseConnection, TransactionTrait};
use sea_orm_migration::MigratorTrait;

use crate::cache::ReadCache;
use crate::error::{db_err, is_sqlite_busy_at_connect, retrying};
use crate::migration::{self, Migrator};

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
        let mut tries = 0;
        let db = loop {
            match Database::connect(options.clone()).await {
                Err(err) if is_sqlite_busy_at_connect(&err) && tries < 50 => {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                connected => break connected.map_err(db_err)?,
            }
        };
        let cache = Arc::new(ReadCache::new(db.clone()));
        Ok(Self { db, cache })
    }

    /// Applies every pending migration. Instances that start together take turns: each
    /// holds the database's migration lock while it migrates, and one that waited finds
    /// the migrations applied and carries on.
    ///
    /// # Errors
    /// [`Error::Unavailable`] or [`Error::Internal`] when a migration cannot run.
    pub async fn migrate(&self) -> Result<()> {
        migration::prepare_lock(&self.db).await?;
        retrying(|| async {
            let txn = self.db.begin().await.map_err(db_err)?;
            migration::lock(&txn).await?;
            let migrated = Migrator::up(&txn, None).await.map_err(db_err);
            // Given back even after a failure: MySQL's lock would stay with the connection.
            let unlocked = migration::unlock(&txn).await;
            migrated?;
            unlocked?;
            txn.commit().await.map_err(db_err)
        })
        .await
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
