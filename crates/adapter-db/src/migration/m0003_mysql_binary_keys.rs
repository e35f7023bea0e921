//! MySQL and MariaDB compare text case- and accent-insensitively by default, so `José` and
//! `Jose` collided and `Fs`/`fs` grants clashed. Roster folds case itself where it wants to
//! (`username_key`), so every table stores UTF-8 and compares bytes. Other backends already
//! do; this migration does nothing there.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const TABLES: [&str; 8] = [
    "users",
    "user_servers",
    "user_groups",
    "sessions",
    "login_failures",
    "teams",
    "team_users",
    "websites",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != sea_orm::DatabaseBackend::MySql {
            return Ok(());
        }
        for table in TABLES {
            m.get_connection()
                .execute_unprepared(&format!(
                    "ALTER TABLE `{table}` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
                ))
                .await?;
        }
        Ok(())
    }
}
