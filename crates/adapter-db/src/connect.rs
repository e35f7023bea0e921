use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use roster_domain::{Error, Result};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseBackend, DatabaseConnection, TransactionTrait};
use sea_orm_migration::MigratorTrait;

use crate::cache::ReadCache;
use crate::clock::{self, DatabaseClock, LocalClock, Offset};
use crate::deadline::{Db, Deadline, PATIENCE};
use crate::error::{db_err, is_sqlite_busy_at_connect, retrying};
use crate::lane::ListLane;
use crate::migration::{self, Migrator};
use crate::runs;

/// Which database a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

/// The sea-orm store behind every storage port. Cheap to clone: clones share one pool and
/// one cache of users and sessions.
#[derive(Clone)]
pub struct Store {
    pub(crate) db: Db,
    pub(crate) cache: Arc<ReadCache>,
    pub(crate) lists: Arc<ListLane>,
    /// The users of a run in the paged lists' counts (see `runs.rs`).
    pub(crate) run: u64,
    offset: Arc<Offset>,
    /// Where to connect for migrations, which run on a connection of their own.
    url: Arc<str>,
}

impl std::fmt::Debug for Store {
    // Not the URL: it may hold the database's password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend())
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

/// How long migrations wait for a connection and for SQLite's lock.
const MIGRATION_WAIT: Duration = Duration::from_secs(30);

/// How a [`Store`] uses its database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreOptions {
    /// Connections the pool opens at most.
    pub pool_size: u32,
    /// How long the database may stay silent before a call gives up on it and fails as
    /// unavailable; a call waits three quarters of it for a pool connection. While the
    /// database answers, one call may take five times as long (waiting for locks, say); the
    /// database is told to end statements that run longer than that, where it can be
    /// (PostgreSQL, MariaDB, MySQL's reads).
    pub timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            pool_size: 16,
            timeout: Duration::from_millis(1500),
        }
    }
}

impl Store {
    /// Opens a pool on `url` (`sqlite://path?mode=rwc`, `postgres://…` or `mysql://…`) with
    /// the default [`StoreOptions`].
    ///
    /// # Errors
    /// As [`Store::connect_with`].
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, StoreOptions::default()).await
    }

    /// Opens a pool on `url`. SQLite runs in WAL mode with a busy timeout, so readers never
    /// block the writer.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an unsupported URL or a zero pool size or timeout,
    /// [`Error::Unavailable`] when the database cannot be reached.
    pub async fn connect_with(url: &str, options: StoreOptions) -> Result<Self> {
        // Boxed: the driver's connect futures nest deeply enough to break the layout
        // computation of a binary's main future in release builds.
        Box::pin(Self::connect_on_host_clock(url, options, Utc::now)).await
    }

    /// As [`Store::connect_with`], with `local` for this host's clock.
    pub(crate) async fn connect_on_host_clock(
        url: &str,
        options: StoreOptions,
        local: LocalClock,
    ) -> Result<Self> {
        if options.pool_size == 0 || options.timeout.is_zero() {
            return Err(Error::Invalid(
                "the pool size and the database timeout must be above zero".into(),
            ));
        }
        let deadline = Deadline::new(options.timeout);
        let longest = options.timeout.saturating_mul(PATIENCE);
        let mut connect = base_options(url, longest)?;
        connect
            .max_connections(options.pool_size)
            // Before the deadline's own end, so that a wait for a connection is told as such.
            .acquire_timeout(options.timeout * 3 / 4)
            .statement_timeout(longest)
            // PostgreSQL then ends the sessions, and frees the locks, of clients that
            // vanished or left a transaction open.
            .map_sqlx_postgres_opts(move |opts| {
                opts.options([
                    ("tcp_keepalives_idle", "10".to_owned()),
                    ("tcp_keepalives_interval", "5".to_owned()),
                    ("tcp_keepalives_count", "3".to_owned()),
                    (
                        "idle_in_transaction_session_timeout",
                        longest.as_millis().to_string(),
                    ),
                ])
            });
        connect.map_sqlx_mysql_pool_opts(move |pool| {
            pool.after_connect(move |conn, _| Box::pin(mysql_session(conn, longest)))
        });
        let pool = open(&connect).await?;
        let db = Db::new(pool, connect, deadline, options.pool_size);
        let offset = Offset::new(local);
        clock::measure(&db, &offset).await.map_err(db_err)?;
        let cache = Arc::new(ReadCache::new(db.clone(), offset.clone()));
        let in_process = (db.pool().get_database_backend() == DatabaseBackend::Sqlite)
            .then(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get));
        Ok(Self {
            db,
            cache,
            lists: Arc::new(ListLane::new(options.pool_size, longest, in_process)),
            run: runs::RUN,
            offset,
            url: url.into(),
        })
    }

    /// Applies every pending migration. Instances that start together take turns: each
    /// holds the database's migration lock while it migrates, and one that waited finds
    /// the migrations applied and carries on.
    ///
    /// # Errors
    /// [`Error::Unavailable`] or [`Error::Internal`] when a migration cannot run.
    pub async fn migrate(&self) -> Result<()> {
        // An in-memory SQLite database is the pool's own: another connection would not see it.
        if self.url.contains(":memory:") || self.url.contains("mode=memory") {
            return migrate_on(&self.db.pool()).await;
        }
        // A connection of its own, without deadlines: a migration may take long.
        let mut options = base_options(&self.url, MIGRATION_WAIT)?;
        options.max_connections(1).acquire_timeout(MIGRATION_WAIT);
        let db = open(&options).await?;
        let migrated = migrate_on(&db).await;
        let closed = db.close().await.map_err(db_err);
        migrated.and(closed)
    }

    /// Whether authenticated requests can be served: the users version every one of them
    /// reads, within the deadline (for readiness probes).
    ///
    /// # Errors
    /// [`Error::Unavailable`] when it cannot be read.
    pub async fn ping(&self) -> Result<()> {
        self.cache.position().await.map(|_| ())
    }

    /// Connections the pool holds open, and how many of them are idle.
    pub fn pool_usage(&self) -> (u32, u32) {
        pool_usage(&self.db.pool())
    }

    /// The database's clock, which every instance on this database agrees on.
    pub fn clock(&self) -> DatabaseClock {
        self.offset.clock()
    }

    /// Connections the pool opens at most.
    pub fn pool_size(&self) -> u32 {
        self.db.max_connections()
    }

    pub fn backend(&self) -> Backend {
        match self.db.pool().get_database_backend() {
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
        self.db.pool().clone().close().await.map_err(db_err)
    }
}

/// What every pool of a store shares: the URL, SQLite's settings, quiet logs. A connection
/// and SQLite's write lock are waited for `wait`.
fn base_options(url: &str, wait: Duration) -> Result<ConnectOptions> {
    if !["sqlite:", "postgres:", "postgresql:", "mysql:", "mariadb:"]
        .iter()
        .any(|scheme| url.starts_with(scheme))
    {
        return Err(Error::Invalid(format!(
            "unsupported database URL {:?}: use sqlite:, postgres: or mysql:",
            url.split(':').next().unwrap_or_default()
        )));
    }
    let mut options = ConnectOptions::new(url);
    options
        .min_connections(1)
        .connect_timeout(wait)
        .sqlx_logging(false)
        // A ping on every checkout doubled the round trips of each query; a connection
        // idle this long may have been dropped by the server, a hot one has just worked.
        .test_before_acquire_if_idle_for(Duration::from_secs(10))
        .map_sqlx_sqlite_opts(move |opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(wait)
                .foreign_keys(true)
        });
    Ok(options)
}

/// Opens a pool, waiting out another process that is switching a new SQLite file to WAL,
/// which SQLite does not wait for.
async fn open(options: &ConnectOptions) -> Result<DatabaseConnection> {
    let mut tries = 0;
    loop {
        match Database::connect(options.clone()).await {
            Err(err) if is_sqlite_busy_at_connect(&err) && tries < 50 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            connected => return connected.map_err(db_err),
        }
    }
}

/// Applies the pending migrations under the migration lock.
async fn migrate_on(db: &DatabaseConnection) -> Result<()> {
    migration::prepare_lock(db).await?;
    retrying(|| async {
        let txn = db.begin().await.map_err(db_err)?;
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

/// Bounds on a MySQL session, `limit` each: its statements (MariaDB's
/// `max_statement_time`; MySQL's `max_execution_time`, reads only), its waits for row
/// locks, and an open transaction left idle (MariaDB's `idle_transaction_timeout`), so that
/// an instance that vanished mid-transaction does not hold its locks for the 8 hours of
/// `wait_timeout`. What the server does not know is left out; no reason to refuse the
/// connection.
async fn mysql_session(
    conn: &mut sea_orm::sqlx::MySqlConnection,
    limit: Duration,
) -> std::result::Result<(), sea_orm::sqlx::Error> {
    use sea_orm::sqlx::{AssertSqlSafe, Executor};
    // Whole seconds, rounded up, where the server takes no fractions: the server's bound
    // must not come before the store's.
    let secs = limit.as_secs() + u64::from(limit.subsec_nanos() > 0);
    let (fraction, millis) = (limit.as_secs_f64(), limit.as_millis());
    let mariadb = format!(
        "SET SESSION max_statement_time = {fraction}, innodb_lock_wait_timeout = {secs}, \
         idle_transaction_timeout = {secs}"
    );
    if conn.execute(AssertSqlSafe(mariadb)).await.is_err() {
        let mysql =
            format!("SET SESSION max_execution_time = {millis}, innodb_lock_wait_timeout = {secs}");
        let _ = conn.execute(AssertSqlSafe(mysql)).await;
    }
    Ok(())
}

/// Connections `pool` holds open, and how many of them are idle.
pub(crate) fn pool_usage(pool: &DatabaseConnection) -> (u32, u32) {
    let idle = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    match pool.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = pool.get_postgres_connection_pool();
            (pool.size(), idle(pool.num_idle()))
        }
        DatabaseBackend::MySql => {
            let pool = pool.get_mysql_connection_pool();
            (pool.size(), idle(pool.num_idle()))
        }
        _ => {
            let pool = pool.get_sqlite_connection_pool();
            (pool.size(), idle(pool.num_idle()))
        }
    }
}
