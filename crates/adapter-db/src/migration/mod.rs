//! Schema migrations, applied in order at start and by `roster migrate`.

use sea_orm_migration::prelude::*;

mod m0001_users;
mod m0002_teams_websites;
mod m0003_mysql_binary_keys;
mod m0004_users_version;
mod m0005_user_counts;

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
        ]
    }
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
