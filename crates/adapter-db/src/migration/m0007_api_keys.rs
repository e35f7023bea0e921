//! Users' API keys, kept by the hash of their secret.

use sea_orm_migration::prelude::*;

use super::instant;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    UserId,
    Name,
    Prefix,
    KeyHash,
    LastUsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_database_backend();
        let mut table = Table::create();
        table
            .table(ApiKeys::Table)
            .col(ColumnDef::new(ApiKeys::Id).uuid().not_null().primary_key())
            .col(ColumnDef::new(ApiKeys::UserId).uuid().not_null())
            .col(ColumnDef::new(ApiKeys::Name).string_len(255).not_null())
            .col(ColumnDef::new(ApiKeys::Prefix).string_len(20).not_null())
            .col(ColumnDef::new(ApiKeys::KeyHash).string_len(64).not_null())
            .col(instant(db, ApiKeys::LastUsedAt).null())
            .col(instant(db, ApiKeys::CreatedAt))
            .foreign_key(
                ForeignKey::create()
                    .from(ApiKeys::Table, ApiKeys::UserId)
                    .to(Users::Table, Users::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            );
        if db == sea_orm::DatabaseBackend::MySql {
            // Text compares as bytes, as in every other table (m0003).
            table.character_set("utf8mb4").collate("utf8mb4_bin");
        }
        m.create_table(table.to_owned()).await?;
        m.create_index(
            Index::create()
                .name("ux_api_keys_key_hash")
                .table(ApiKeys::Table)
                .col(ApiKeys::KeyHash)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_api_keys_user_id")
                .table(ApiKeys::Table)
                .col(ApiKeys::UserId)
                .to_owned(),
        )
        .await
    }
}
