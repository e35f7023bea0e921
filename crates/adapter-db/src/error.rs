use roster_domain::Error;
use sea_orm::sqlx;
use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// Maps a database error to the domain's: a taken unique key is a conflict, a lost
/// connection is "unavailable" (so callers answer 503 and retry), anything else internal.
pub(crate) fn db_err(err: DbErr) -> Error {
    if let Some(SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
        return Error::Conflict("already exists".into());
    }
    if is_connection_fault(&err) {
        tracing::warn!(error = %err, "database unavailable");
        return Error::Unavailable("the database cannot be reached".into());
    }
    tracing::error!(error = %err, "database error");
    Error::Internal("database error".into())
}

fn is_connection_fault(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            matches!(
                **e,
                sqlx::Error::Io(_)
                    | sqlx::Error::PoolTimedOut
                    | sqlx::Error::PoolClosed
                    | sqlx::Error::WorkerCrashed
            )
        }
        _ => false,
    }
}
