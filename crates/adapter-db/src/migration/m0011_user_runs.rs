//! Runs of users in each order the user list is paged in (see `runs.rs`), counted here
//! from the users already stored.

use sea_orm_migration::prelude::*;

use super::instant;
use crate::runs::{RUN, rebuild};

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_database_backend();
        let n = || {
            ColumnDef::new(Alias::new("n"))
                .big_integer()
                .not_null()
                .to_owned()
        };
        let mut by_name = Table::create();
        by_name
            .table(Alias::new("user_name_runs"))
            // MySQL commits each CREATE at once: a rebuild that failed is run again.
            .if_not_exists()
            .col(
                ColumnDef::new(Alias::new("start_key"))
                    .string_len(512)
                    .not_null()
                    .primary_key(),
            )
            .col(n());
        if db == sea_orm::DatabaseBackend::MySql {
            // Keys compare as bytes, as the users' own do (m0003).
            by_name.character_set("utf8mb4").collate("utf8mb4_bin");
        }
        m.create_table(by_name).await?;
        m.create_table(
            Table::create()
                .table(Alias::new("user_created_runs"))
                .if_not_exists()
                .col(instant(db, Alias::new("start_at")))
                .col(ColumnDef::new(Alias::new("start_id")).uuid().not_null())
                .col(n())
                .primary_key(
                    Index::create()
                        .col(Alias::new("start_at"))
                        .col(Alias::new("start_id")),
                )
                .to_owned(),
        )
        .await?;
        rebuild(m.get_connection(), RUN).await
    }
}
