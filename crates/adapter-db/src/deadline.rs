//! A deadline on every database call.
//!
//! A connection whose packets are swallowed (a failover, a database that moved) answers
//! nothing and is never reset, and the driver times out no statement. Every statement,
//! `BEGIN` and `COMMIT` made through [`Db`] or [`Txn`] gives up after the store's timeout.
//! A connection given up on may be stuck mid-statement: the pool tests it before taking it
//! back (see [`Deadline::release_check`]), within the same timeout, so that it cannot hold
//! its slot for the quarter of an hour the kernel takes to give up on it.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use sea_orm::sqlx;
use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    ExecResult, QueryResult, RuntimeErr, Statement, TransactionTrait,
};

/// How long after a call was given up on the pool tests returning connections. Past it,
/// the connection given up on has long been returned.
const SUSPECT_FOR: Duration = Duration::from_secs(10);

/// The store's timeout, and when it last gave up on a call.
#[derive(Debug)]
pub(crate) struct Deadline {
    limit: Duration,
    epoch: Instant,
    /// Milliseconds from `epoch` to the last call given up on or cancelled, plus one; 0
    /// when none was.
    abandoned: AtomicU64,
}

impl Deadline {
    pub(crate) fn new(limit: Duration) -> Arc<Self> {
        Arc::new(Self {
            limit,
            epoch: Instant::now(),
            abandoned: AtomicU64::new(0),
        })
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }

    fn abandon(&self) {
        self.abandoned.store(self.now(), Ordering::Relaxed);
    }

    /// Whether a call was given up on lately, so that a connection coming back to the pool
    /// may have been left mid-statement.
    pub(crate) fn suspect(&self) -> bool {
        let at = self.abandoned.load(Ordering::Relaxed);
        let window = u64::try_from(SUSPECT_FOR.as_millis()).unwrap_or(u64::MAX);
        at != 0 && self.now().saturating_sub(at) < window
    }

    /// Runs a call within the timeout.
    async fn run<T>(&self, call: impl Future<Output = Result<T, DbErr>>) -> Result<T, DbErr> {
        let watched = Watched {
            call: Box::pin(call),
            deadline: self,
            finished: false,
        };
        tokio::time::timeout(self.limit, watched)
            .await
            .unwrap_or_else(|_| Err(timed_out()))
    }

    /// Tests a connection the pool is taking back, when a call was given up on lately: a
    /// ping within the timeout, else the connection is closed. Otherwise the pool's own
    /// ping, which has no timeout, is all it gets.
    pub(crate) fn release_check<C: sqlx::Connection>(
        deadline: Arc<Self>,
        conn: &mut C,
    ) -> Pin<Box<dyn Future<Output = Result<bool, sqlx::Error>> + Send + '_>> {
        Box::pin(async move {
            if !deadline.suspect() {
                return Ok(true);
            }
            match tokio::time::timeout(deadline.limit, conn.ping()).await {
                Ok(pinged) => pinged.map(|()| true),
                Err(_) => Err(sqlx::Error::PoolTimedOut),
            }
        })
    }
}

/// A call that, dropped before it finished (timed out or cancelled), marks the deadline
/// before the call itself, and the connection it holds, are dropped.
struct Watched<'a, F> {
    call: Pin<Box<F>>,
    deadline: &'a Deadline,
    finished: bool,
}

impl<F: Future> Future for Watched<'_, F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let outcome = ready!(self.call.as_mut().poll(cx));
        self.finished = true;
        Poll::Ready(outcome)
    }
}

impl<F> Drop for Watched<'_, F> {
    fn drop(&mut self) {
        if !self.finished {
            self.deadline.abandon();
        }
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

/// The pool, with a deadline on every call.
#[derive(Clone, Debug)]
pub(crate) struct Db {
    inner: DatabaseConnection,
    deadline: Arc<Deadline>,
    max_connections: u32,
}

/// A transaction, with a deadline on every call.
pub(crate) struct Txn {
    inner: DatabaseTransaction,
    deadline: Arc<Deadline>,
}

impl Db {
    pub(crate) fn new(
        inner: DatabaseConnection,
        deadline: Arc<Deadline>,
        max_connections: u32,
    ) -> Self {
        Self {
            inner,
            deadline,
            max_connections,
        }
    }

    /// The pool itself, without deadlines.
    pub(crate) fn pool(&self) -> &DatabaseConnection {
        &self.inner
    }

    pub(crate) fn max_connections(&self) -> u32 {
        self.max_connections
    }

    /// Starts a transaction.
    ///
    /// # Errors
    /// As the other calls.
    pub(crate) async fn begin(&self) -> Result<Txn, DbErr> {
        let inner = self.timed(self.inner.begin()).await?;
        Ok(Txn {
            inner,
            deadline: self.deadline.clone(),
        })
    }

    /// A call on the pool within the deadline. An acquire that timed out while the pool had
    /// room, or while calls were being given up on, means the database does not answer; it
    /// means the pool is exhausted only when every connection is busy with calls that work.
    async fn timed<T>(&self, call: impl Future<Output = Result<T, DbErr>>) -> Result<T, DbErr> {
        match self.deadline.run(call).await {
            Err(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))
                if self.deadline.suspect() || !self.pool_full() =>
            {
                Err(cannot_connect())
            }
            outcome => outcome,
        }
    }

    fn pool_full(&self) -> bool {
        let (open, idle) = crate::connect::pool_usage(&self.inner);
        open >= self.max_connections && idle == 0
    }
}

impl Txn {
    /// Commits the transaction.
    ///
    /// # Errors
    /// As the other calls; when the commit timed out, whether it took effect is unknown.
    pub(crate) async fn commit(self) -> Result<(), DbErr> {
        self.deadline.run(self.inner.commit()).await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.timed(self.inner.execute_raw(stmt)).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.timed(self.inner.execute_unprepared(sql)).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.timed(self.inner.query_one_raw(stmt)).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.timed(self.inner.query_all_raw(stmt)).await
    }

    fn support_returning(&self) -> bool {
        self.inner.support_returning()
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Txn {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.deadline.run(self.inner.execute_raw(stmt)).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.deadline.run(self.inner.execute_unprepared(sql)).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.deadline.run(self.inner.query_one_raw(stmt)).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.deadline.run(self.inner.query_all_raw(stmt)).await
    }

    fn support_returning(&self) -> bool {
        self.inner.support_returning()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_call_past_its_deadline_fails_and_marks_the_deadline() {
        let deadline = Deadline::new(Duration::from_secs(2));
        assert!(!deadline.suspect());
        let never = std::future::pending::<Result<(), DbErr>>();
        let err = deadline.run(never).await.unwrap_err();
        assert!(is_timed_out(&err), "{err}");
        assert!(deadline.suspect());
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_call_marks_the_deadline_and_a_finished_one_does_not() {
        let deadline = Deadline::new(Duration::from_secs(2));
        deadline.run(async { Ok(()) }).await.unwrap();
        assert!(!deadline.suspect());
        let cancelled = tokio::time::timeout(
            Duration::from_millis(10),
            deadline.run(std::future::pending::<Result<(), DbErr>>()),
        )
        .await;
        assert!(cancelled.is_err());
        assert!(deadline.suspect());
    }
}
