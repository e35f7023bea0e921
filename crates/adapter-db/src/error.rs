use std::future::Future;

use roster_domain::{Conflict, Error, Result};
use sea_orm::sqlx;
use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr, SqlErr};

use crate::deadline::is_timed_out;

/// Maps a database error to the domain's: a taken unique key is a conflict, a missing
/// referenced row is "not found", a lost connection is "unavailable" (so callers answer 503
/// and retry), anything else internal.
pub(crate) fn db_err(err: DbErr) -> Error {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            return Error::Conflict(Conflict::Exists);
        }
        // A row the write refers to (a user, a team) was deleted by a concurrent request.
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
            return Error::NotFound("what this refers to no longer exists".into());
        }
        _ => {}
    }
    if is_data_exception(&err) {
        return Error::Invalid("the input holds characters the database cannot store".into());
    }
    if is_transaction_conflict(&err) {
        return collided(Some(err));
    }
    if let Some(reason) = unavailable(&err) {
        tracing::warn!(error = %err, reason, "database unavailable");
        return Error::unavailable(reason).caused_by(err);
    }
    tracing::error!(error = %err, "database error");
    Error::internal("database error").caused_by(err)
}

/// The database aborted a transaction to break a deadlock or a serialization conflict, or a
/// guarded write saw its guard move: [`retrying`] runs such a transaction again.
#[derive(Debug, thiserror::Error)]
#[error("concurrent changes collided")]
struct TransactionConflict(#[source] Option<DbErr>);

/// A transaction that must run again, as [`retrying`] does.
pub(crate) fn transaction_conflict() -> Error {
    collided(None)
}

fn collided(aborted: Option<DbErr>) -> Error {
    Error::unavailable("concurrent changes collided; please retry")
        .caused_by(TransactionConflict(aborted))
}

fn is_retryable(err: &Error) -> bool {
    matches!(err, Error::Unavailable { source: Some(cause), .. } if cause.get().is::<TransactionConflict>())
}

/// Runs a transaction, again (a few times) when the database aborted it as a deadlock
/// victim, as InnoDB does under concurrent upserts. Other outcomes return as they are.
pub(crate) async fn retrying<T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(err) if is_retryable(&err) && tries < 8 => {
                tries += 1;
            }
            outcome => return outcome,
        }
    }
}

/// SQLSTATE class 22 (a data exception: a NUL byte or an invalid encoding in a value), which
/// only input can cause.
fn is_data_exception(err: &DbErr) -> bool {
    sqlstate(err).is_some_and(|code| code.starts_with("22"))
}

/// The driver's error behind a statement that failed.
pub(crate) fn statement_error(err: &DbErr) -> Option<&sqlx::Error> {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => Some(e),
        _ => None,
    }
}

/// The SQLSTATE the database answered a statement with, if it answered with an error.
fn sqlstate(err: &DbErr) -> Option<String> {
    statement_error(err).and_then(database_code)
}

/// The code of a database's answer (SQLSTATE; SQLite's result code), if it answered.
fn database_code(err: &sqlx::Error) -> Option<String> {
    err.as_database_error()
        .and_then(|db| db.code())
        .map(|code| code.into_owned())
}

/// SQLSTATE 40001 (serialization failure; MySQL's deadlock) or 40P01 (PostgreSQL's deadlock).
fn is_transaction_conflict(err: &DbErr) -> bool {
    sqlstate(err).is_some_and(|code| code == "40001" || code == "40P01")
}

/// SQLite's "database is locked" while a connection is being set up: another process is
/// switching a new file to WAL, which SQLite does not wait for.
pub(crate) fn is_sqlite_busy_at_connect(err: &DbErr) -> bool {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e)) => database_code(e).is_some_and(|code| code == "5"),
        _ => false,
    }
}

/// Why the database cannot serve, when that is what `err` says.
fn unavailable(err: &DbErr) -> Option<&'static str> {
    if is_timed_out(err) {
        return Some("the database did not answer in time");
    }
    if is_too_many_connections(err) {
        return Some("the database has too many connections");
    }
    if is_statement_timeout(err) {
        return Some("the database ended a statement that ran too long");
    }
    if is_sqlite_busy(err) {
        return Some("the database stayed locked by other writes for too long");
    }
    match err {
        DbErr::ConnectionAcquire(ConnAcquireErr::Timeout) => {
            Some("database pool exhausted: every connection is in use")
        }
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => Some("database unreachable"),
        _ => statement_error(err)
            .is_some_and(|e| {
                matches!(
                    e,
                    sqlx::Error::Io(_)
                        | sqlx::Error::PoolTimedOut
                        | sqlx::Error::PoolClosed
                        | sqlx::Error::WorkerCrashed
                )
            })
            .then_some("database unreachable"),
    }
}

/// MySQL's 1040 (the server's connection limit) and 1226 (the account's). PostgreSQL's
/// 53300 never gets this far: the driver retries it while connecting, until the pool's
/// timeout.
fn is_too_many_connections(err: &DbErr) -> bool {
    mysql_number(err).is_some_and(|number| matches!(number, 1040 | 1226))
}

/// SQLite's SQLITE_BUSY and SQLITE_LOCKED, extended codes included: its lock was not had
/// within the busy timeout.
fn is_sqlite_busy(err: &DbErr) -> bool {
    statement_error(err)
        .and_then(sqlx::Error::as_database_error)
        .filter(|db| db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some())
        .and_then(|db| db.code()?.parse::<u32>().ok())
        .is_some_and(|code| matches!(code & 0xff, 5 | 6))
}

/// The error number of MySQL's answer, if MySQL answered with an error.
fn mysql_number(err: &DbErr) -> Option<u16> {
    let e = match err {
        DbErr::Conn(RuntimeErr::SqlxError(e)) => e,
        _ => statement_error(err)?,
    };
    e.as_database_error()?
        .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
        .map(sqlx::mysql::MySqlDatabaseError::number)
}

/// PostgreSQL's 57014 (`statement_timeout`), MariaDB's 70100 (`max_statement_time`),
/// MySQL's 3024 (`max_execution_time`) and 1205 (`innodb_lock_wait_timeout`).
fn is_statement_timeout(err: &DbErr) -> bool {
    matches!(mysql_number(err), Some(3024 | 1205))
        || sqlstate(err).is_some_and(|code| code == "57014" || code == "70100")
}

/// Which unique key `err` broke, as the database names it in its message (SQLite the
/// columns, PostgreSQL and MySQL the constraint or index), if it broke one.
pub(crate) fn broken_key(err: &DbErr) -> Option<String> {
    match err.sql_err() {
        // MySQL quotes the duplicate value before the key's name, and a value may look like one.
        Some(SqlErr::UniqueConstraintViolation(message)) => {
            Some(match message.rsplit_once(" for key ") {
                Some((_, key)) => key.to_owned(),
                None => message,
            })
        }
        _ => None,
    }
}

/// A unique key broken by a write whose only other unique key, besides the primary one, is
/// named `column`: `kind` when the message names that column, [`Conflict::IdTaken`] else.
pub(crate) fn conflict_on(err: sea_orm::DbErr, column: &str, kind: Conflict) -> Error {
    let key = broken_key(&err);
    match db_err(err) {
        Error::Conflict(_) if key.is_some_and(|key| !key.contains(column)) => {
            Error::Conflict(Conflict::IdTaken)
        }
        Error::Conflict(_) => Error::Conflict(kind),
        other => other,
    }
}
