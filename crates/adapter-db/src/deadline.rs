//! A deadline on every database call.
//!
//! A connection whose packets are swallowed (a failover, a database that moved) answers
//! nothing and is never reset, and the driver times out no statement. Every statement,
//! `BEGIN` and `COMMIT` made through [`Db`] or [`Txn`] gives up once the database has been
//! silent for the store's timeout, or after [`PATIENCE`] times as long while it answers
//! other calls. The connections silent calls held, and any the pool was pinging (with no
//! timeout of its own) when the silence began, may never come back: a call that gives up
//! for silence replaces the pool with a new one and closes the old one in the background,
//! so that no dead connection holds a slot that calls need.

use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use sea_orm::sqlx;
use sea_orm::{
    ConnAcquireErr, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use tokio::time::Instant;

use crate::error::statement_error;

/// How many times the timeout one call may take while the database answers others: waits
/// for locks under load are no outage.
pub(crate) const PATIENCE: u32 = 5;

/// When a call is given up on.
#[derive(Debug)]
pub(crate) struct Deadline {
    /// How long the database may stay silent before a call gives up on it.
    silence: Duration,
    /// The longest a call may take, even while the database answers others.
    cap: Duration,
    epoch: Instant,
    /// Milliseconds from `epoch` to the last answer from the database, plus one; 0 when
    /// none came.
    answered: AtomicU64,
}

impl Deadline {
    pub(crate) fn new(silence: Duration) -> Arc<Self> {
        Arc::new(Self {
            silence,
            cap: silence.saturating_mul(PATIENCE),
            epoch: Instant::now(),
            answered: AtomicU64::new(0),
        })
    }

    fn now(&self) -> u64 {
        millis(self.epoch.elapsed()).saturating_add(1)
    }

    /// Whether the database has answered no call for the timeout.
    fn silent(&self) -> bool {
        let heard = self.answered.load(Ordering::Relaxed);
        self.now().saturating_sub(heard) >= millis(self.silence)
    }

    /// Marks an answer from the database.
    fn heard(&self) {
        self.answered.fetch_max(self.now(), Ordering::Relaxed);
    }

    /// Runs a call until the database has been silent for the timeout since it started (no
    /// call has had an answer: it is gone, frozen or unreachable), or for at most the cap.
    /// Halfway through a silence, `ask` is called to have the database asked, by another
    /// call, whether it is there at all: one slow statement on an otherwise idle instance
    /// is no outage.
    async fn run<T>(
        &self,
        call: impl Future<Output = Result<T, DbErr>>,
        ask: impl Fn(),
    ) -> Result<T, DbErr> {
        let started = self.now();
        let mut call = std::pin::pin!(call);
        let mut asked_after = 0;
        loop {
            let heard = self.answered.load(Ordering::Relaxed).max(started);
            let until = heard
                .saturating_add(millis(self.silence))
                .min(started.saturating_add(millis(self.cap)));
            let now = self.now();
            if now >= until {
                return Err(timed_out());
            }
            let ask_at = heard.saturating_add(millis(self.silence) / 2);
            let mut wake = until;
            if asked_after != heard {
                if now >= ask_at {
                    ask();
                    asked_after = heard;
                } else {
                    wake = wake.min(ask_at);
                }
            }
            let wait = Duration::from_millis(wake - now);
            if let Ok(outcome) = tokio::time::timeout(wait, call.as_mut()).await {
                if answered(&outcome) {
                    self.heard();
                }
                return outcome;
            }
        }
    }
}

fn millis(span: Duration) -> u64 {
    u64::try_from(span.as_millis()).unwrap_or(u64::MAX)
}

/// Whether the database itself answered: a result, or an error of its own.
fn answered<T>(outcome: &Result<T, DbErr>) -> bool {
    match outcome {
        Ok(_) => true,
        Err(err) => statement_error(err).is_some_and(|e| e.as_database_error().is_some()),
    }
}

/// The error of a call that ran out of time; [`crate::error::db_err`] tells it apart.
fn timed_out() -> DbErr {
    DbErr::Conn(RuntimeErr::SqlxError(Arc::new(sqlx::Error::Io(
        io::ErrorKind::TimedOut.into(),
    ))))
}

/// Whether `err` is a call that ran out of time.
pub(crate) fn is_timed_out(err: &DbErr) -> bool {
    matches!(err, DbErr::Conn(RuntimeErr::SqlxError(e))
        if matches!(&**e, sqlx::Error::Io(io) if io.kind() == io::ErrorKind::TimedOut))
}

/// The error of an acquire that timed out while the pool had room: no new connection could
/// be opened in time.
fn cannot_connect() -> DbErr {
    DbErr::Conn(RuntimeErr::SqlxError(Arc::new(sqlx::Error::Io(
        io::ErrorKind::NotConnected.into(),
    ))))
}

/// Whether a new connection to `url` answers a ping.
async fn ping_afresh<C: sqlx::Connection>(url: &str) -> bool {
    let Ok(mut conn) = C::connect(url).await else {
        return false;
    };
    let answered = conn.ping().await.is_ok();
    let _ = conn.close_hard().await;
    answered
}

/// The pool, with a deadline on every call. Clones share the pool and its replacements.
#[derive(Clone, Debug)]
pub(crate) struct Db {
    shared: Arc<Shared>,
}

struct Shared {
    pool: RwLock<DatabaseConnection>,
    /// How to open a replacement: lazily, so that it connects as calls need connections.
    options: ConnectOptions,
    deadline: Arc<Deadline>,
    max_connections: u32,
    /// When the pool was last replaced, as [`Deadline::now`] counts; 0 when never.
    renewed: AtomicU64,
    /// Whether a ping is asking the database whether it is there.
    asking: AtomicBool,
}

impl std::fmt::Debug for Shared {
    // Not the options: their URL may hold the database's password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("deadline", &self.deadline)
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

/// A transaction, with a deadline on every call.
pub(crate) struct Txn {
    inner: DatabaseTransaction,
    db: Db,
}

impl Db {
    pub(crate) fn new(
        pool: DatabaseConnection,
        mut options: ConnectOptions,
        deadline: Arc<Deadline>,
        max_connections: u32,
    ) -> Self {
        options.connect_lazy(true);
        Self {
            shared: Arc::new(Shared {
                pool: RwLock::new(pool),
                options,
                deadline,
                max_connections,
                renewed: AtomicU64::new(0),
                asking: AtomicBool::new(false),
            }),
        }
    }

    /// The pool itself, without deadlines.
    pub(crate) fn pool(&self) -> DatabaseConnection {
        self.shared
            .pool
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn max_connections(&self) -> u32 {
        self.shared.max_connections
    }

    /// Starts a transaction.
    ///
    /// # Errors
    /// As the other calls.
    pub(crate) async fn begin(&self) -> Result<Txn, DbErr> {
        let pool = self.pool();
        // Every transaction here writes. On SQLite one that began as a read (a trigger's
        // FTS5 table reads first) could not wait for the write lock once another writer
        // had committed, and failed at once as `database is locked`.
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        let inner = self.timed(pool.begin_with_options(options)).await?;
        Ok(Txn {
            inner,
            db: self.clone(),
        })
    }

    /// A call within the deadline. An acquire that timed out while the pool had room means
    /// that no new connection could be opened; with every connection in use, that the pool
    /// is exhausted.
    async fn timed<T>(&self, call: impl Future<Output = Result<T, DbErr>>) -> Result<T, DbErr> {
        let deadline = &self.shared.deadline;
        match deadline.run(call, || self.ask()).await {
            Err(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)) if !self.pool_full() => {
                self.renew_if_silent().await;
                Err(cannot_connect())
            }
            Err(err @ DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)) => {
                self.renew_if_silent().await;
                Err(err)
            }
            Err(err) if is_timed_out(&err) => {
                self.renew_if_silent().await;
                Err(err)
            }
            outcome => outcome,
        }
    }

    /// Asks the database whether it is there, in the background, one question at a time:
    /// on a connection of its own, since the pool's may all be taken by calls that wait
    /// (SQLite's pool, whose connections are in this process, pings). An answer counts as
    /// the database's.
    fn ask(&self) {
        let shared = self.shared.clone();
        if shared.asking.swap(true, Ordering::Relaxed) {
            return;
        }
        let pool = self.pool();
        tokio::spawn(async move {
            let deadline = &shared.deadline;
            let url = shared.options.get_url();
            let asked = async {
                match pool.get_database_backend() {
                    DbBackend::Postgres => ping_afresh::<sqlx::PgConnection>(url).await,
                    DbBackend::MySql => ping_afresh::<sqlx::MySqlConnection>(url).await,
                    _ => pool.ping().await.is_ok(),
                }
            };
            if tokio::time::timeout(deadline.silence, asked).await == Ok(true) {
                deadline.heard();
            }
            shared.asking.store(false, Ordering::Relaxed);
        });
    }

    fn pool_full(&self) -> bool {
        let (open, idle) = crate::connect::pool_usage(&self.pool());
        open >= self.shared.max_connections && idle == 0
    }

    /// Replaces the pool while the database is silent, at most once per timeout. SQLite
    /// runs in this process: it is slow at worst, never cut off.
    async fn renew_if_silent(&self) {
        let shared = &self.shared;
        let deadline = &shared.deadline;
        let last = shared.renewed.load(Ordering::Relaxed);
        let now = deadline.now();
        let current = self.pool();
        if !deadline.silent()
            || current.get_database_backend() == DbBackend::Sqlite
            // A pool with no connection has none to shed.
            || crate::connect::pool_usage(&current).0 == 0
            || (last != 0 && now.saturating_sub(last) < millis(deadline.silence))
            || shared
                .renewed
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let fresh = match Database::connect(shared.options.clone()).await {
            Ok(fresh) => fresh,
            Err(error) => {
                tracing::warn!(%error, "could not open a new database pool");
                return;
            }
        };
        let old = std::mem::replace(
            &mut *shared.pool.write().unwrap_or_else(PoisonError::into_inner),
            fresh,
        );
        tracing::warn!("the database was silent: its connection pool was replaced");
        let wait = deadline.cap;
        tokio::spawn(async move {
            // The idle connections first: closing the pool waits for those in use, some of
            // which may never come back.
            match old.get_database_backend() {
                DbBackend::Postgres => close_idle(old.get_postgres_connection_pool(), wait).await,
                DbBackend::MySql => close_idle(old.get_mysql_connection_pool(), wait).await,
                _ => {}
            }
            let _ = tokio::time::timeout(wait, old.close()).await;
        });
    }
}

/// Closes the connections `pool` holds idle, each within `wait`.
async fn close_idle<DB: sqlx::Database>(pool: &sqlx::Pool<DB>, wait: Duration) {
    while let Some(conn) = pool.try_acquire() {
        let _ = tokio::time::timeout(wait, conn.close()).await;
    }
}

impl Txn {
    /// Commits the transaction.
    ///
    /// # Errors
    /// As the other calls; when the commit timed out, whether it took effect is unknown.
    pub(crate) async fn commit(self) -> Result<(), DbErr> {
        let Self { inner, db } = self;
        db.timed(inner.commit()).await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.pool().get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let pool = self.pool();
        self.timed(pool.execute_raw(stmt)).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let pool = self.pool();
        self.timed(pool.execute_unprepared(sql)).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let pool = self.pool();
        self.timed(pool.query_one_raw(stmt)).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let pool = self.pool();
        self.timed(pool.query_all_raw(stmt)).await
    }

    fn support_returning(&self) -> bool {
        self.pool().support_returning()
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Txn {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.db.timed(self.inner.execute_raw(stmt)).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.db.timed(self.inner.execute_unprepared(sql)).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.db.timed(self.inner.query_one_raw(stmt)).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.db.timed(self.inner.query_all_raw(stmt)).await
    }

    fn support_returning(&self) -> bool {
        self.inner.support_returning()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never() -> impl Future<Output = Result<(), DbErr>> {
        std::future::pending()
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_to_a_silent_database_fails_after_the_timeout() {
        let deadline = Deadline::new(Duration::from_millis(50));
        let started = Instant::now();
        let err = deadline.run(never(), || {}).await.unwrap_err();
        assert!(is_timed_out(&err), "{err}");
        assert_eq!(started.elapsed(), Duration::from_millis(50));
        assert!(deadline.silent());
    }

    #[tokio::test(start_paused = true)]
    async fn a_slow_call_alone_lives_while_the_database_answers_when_asked() {
        let deadline = Deadline::new(Duration::from_millis(100));
        let started = Instant::now();
        let asked = std::sync::atomic::AtomicU32::new(0);
        let err = deadline
            .run(never(), || {
                asked.fetch_add(1, Ordering::Relaxed);
                deadline.heard();
            })
            .await
            .unwrap_err();
        assert!(is_timed_out(&err), "{err}");
        assert_eq!(started.elapsed(), Duration::from_millis(100) * PATIENCE);
        assert!(asked.load(Ordering::Relaxed) >= PATIENCE);
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_waits_longer_while_the_database_answers_others_but_not_past_the_cap() {
        let deadline = Deadline::new(Duration::from_millis(100));
        let started = Instant::now();
        let slow = deadline.run(never(), || {});
        let others = async {
            // Answers keep coming, as to other requests' calls.
            loop {
                tokio::time::sleep(Duration::from_millis(20)).await;
                deadline.run(async { Ok(()) }, || {}).await.unwrap();
            }
        };
        let err = tokio::select! {
            err = slow => err.unwrap_err(),
            () = others => unreachable!(),
        };
        assert!(is_timed_out(&err), "{err}");
        assert_eq!(started.elapsed(), Duration::from_millis(100) * PATIENCE);
        assert!(!deadline.silent());
    }
}
