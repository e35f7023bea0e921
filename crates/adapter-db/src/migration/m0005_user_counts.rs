//! Counts of users per role, server and group, kept by every write (see `counts.rs`),
//! filled here from the users already stored.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum UserCounts {
    Table,
    Kind,
    Name,
    N,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table
            .table(UserCounts::Table)
            .col(ColumnDef::new(UserCounts::Kind).string_len(16).not_null())
            .col(ColumnDef::new(UserCounts::Name).string_len(255).not_null())
            .col(ColumnDef::new(UserCounts::N).big_integer().not_null())
            .primary_key(Index::create().col(UserCounts::Kind).col(UserCounts::Name));
        if m.get_database_backend() == sea_orm::DatabaseBackend::MySql {
            // Names compare as bytes, as in every other table (m0003).
            table.character_set("utf8mb4").collate("utf8mb4_bin");
        }
        m.create_table(table.to_owned()).await?;
        for (kind, column, source) in [
            ("role", "role", "users"),
            ("server", "server", "user_servers"),
            ("group", "group_id", "user_groups"),
        ] {
            m.get_connection()
                .execute_unprepared(&format!(
                    "INSERT INTO user_counts (kind, name, n) \
                     SELECT '{kind}', {column}, COUNT(*) FROM {source} GROUP BY {column}"
                ))
                .await?;
        }
        Ok(())
    }
}
