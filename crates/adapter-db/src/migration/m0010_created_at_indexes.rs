//! Indexes for the lists ordered by creation, Umami's default: without them a page of a
//! million users sorted the whole table.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["users", "teams", "websites"] {
            m.create_index(
                Index::create()
                    .name(format!("ix_{table}_created_at"))
                    .table(Alias::new(table))
                    .col(Alias::new("created_at"))
                    .col(Alias::new("id"))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
