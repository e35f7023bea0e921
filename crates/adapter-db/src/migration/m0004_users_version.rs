//! The `users-version` row that in-memory caches of users and sessions check against.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum RosterMeta {
    Table,
    Key,
    Value,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.exec_stmt(
            Query::insert()
                .into_table(RosterMeta::Table)
                .columns([RosterMeta::Key, RosterMeta::Value])
                .values_panic([
                    "users-version".into(),
                    uuid::Uuid::new_v4().to_string().into(),
                ])
                .to_owned(),
        )
        .await
    }
}
