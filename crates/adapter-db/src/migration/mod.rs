//! Schema migrations, applied in order at start and by `roster migrate`.

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseTransaction, Statement};
use sea_orm_migration::prelude::*;

use crate::error::db_err;

mod m0001_users;
mod m0002_teams_websites;
mod m0003_mysql_binary_keys;
mod m0004_users_version;
mod m0005_user_counts;
mod m0006_user_email;
mod m0007_api_keys;
mod m0008_search_indexes;
mod m0009_change_log;
mod m0010_created_at_indexes;
mod m0011_user_runs;

pub(crate) struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_users::Migration),
            Box::new(m0002_teams_websites::Migration),
            Box::new(m0003_mysql_binary_keys::Migration),
            Box::new(m0004_users_version::Migration),
            Box::new(m0005_user_counts::Migration),
            Box::new(m0006_user_email::Migration),
            Box::new(m0007_api_keys::Migration),
            Box::new(m0008_search_indexes::Migration),
            Box::new(m0009_change_log::Migration),
            Box::new(m0010_created_at_indexes::Migration),
            Box::new(m0011_user_runs::Migration),
        ]
    }
}

/// PostgreSQL's advisory lock key for migrations (`roster` in ASCII).
const PG_LOCK_KEY: i64 = 0x726f_7374_6572;
/// MySQL's named lock for migrations, and how long to wait for it, in seconds.
const MYSQL_LOCK: &str = "roster.migrate";
const MYSQL_LOCK_WAIT_SECS: u32 = 600;

/// Makes what [`lock`] needs outside any transaction: SQLite's lock table, which must exist
/// before the transaction so that the transaction's first statement is a write.
///
/// # Errors
/// The database's, mapped.
pub(crate) async fn prepare_lock(db: &impl ConnectionTrait) -> roster_domain::Result<()> {
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        db.execute_unprepared("CREATE TABLE IF NOT EXISTS roster_migration_lock (id INTEGER)")
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// Takes the migration lock for `txn`, waiting while another instance migrates.
/// PostgreSQL's advisory lock ends with the transaction. MySQL's named lock is the
/// session's, since its DDL commits implicitly, and [`unlock`] gives it back. SQLite's
/// write lock is the database's own: a write as the transaction's first statement takes it.
///
/// # Errors
/// [`roster_domain::Error::Unavailable`] when the lock is not had in time.
pub(crate) async fn lock(txn: &DatabaseTransaction) -> roster_domain::Result<()> {
    let backend = txn.get_database_backend();
    match backend {
        DatabaseBackend::Postgres => {
            let sql = format!("SELECT pg_advisory_xact_lock({PG_LOCK_KEY})");
            txn.execute_unprepared(&sql).await.map_err(db_err)?;
        }
        DatabaseBackend::MySql => {
            let sql = format!("SELECT GET_LOCK('{MYSQL_LOCK}', {MYSQL_LOCK_WAIT_SECS}) AS got");
            let row = txn
                .query_one_raw(Statement::from_string(backend, sql))
                .await
                .map_err(db_err)?;
            let got: Option<i64> = row
                .map(|row| row.try_get("", "got"))
                .transpose()
                .map_err(db_err)?
                .flatten();
            if got != Some(1) {
                return Err(roster_domain::Error::unavailable(
                    "another instance has been migrating the database for too long",
                ));
            }
        }
        _ => {
            txn.execute_unprepared("DELETE FROM roster_migration_lock")
                .await
                .map_err(db_err)?;
        }
    }
    Ok(())
}

/// Gives back a lock that outlives the transaction (MySQL's).
///
/// # Errors
/// The database's, mapped.
pub(crate) async fn unlock(txn: &DatabaseTransaction) -> roster_domain::Result<()> {
    if txn.get_database_backend() == DatabaseBackend::MySql {
        let sql = format!("SELECT RELEASE_LOCK('{MYSQL_LOCK}')");
        txn.execute_unprepared(&sql).await.map_err(db_err)?;
    }
    Ok(())
}

/// A UTC instant column. PostgreSQL gets `timestamptz`; MySQL gets `DATETIME(6)` rather
/// than `TIMESTAMP`, which ends in 2038 and may update itself.
pub(crate) fn instant<T: IntoIden>(backend: sea_orm::DatabaseBackend, name: T) -> ColumnDef {
    let mut col = ColumnDef::new(name);
    match backend {
        sea_orm::DatabaseBackend::MySql => col.custom(Alias::new("DATETIME(6)")),
        _ => col.timestamp_with_time_zone(),
    };
    col.not_null().to_owned()
}
