//! The log of changes to users, grants and sessions, which tells each instance what of its
//! cache a write made stale.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum RosterChanges {
    Table,
    Seq,
    UserId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(RosterChanges::Table)
                .col(
                    ColumnDef::new(RosterChanges::Seq)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                // No foreign key: the change outlives a deleted user.
                .col(ColumnDef::new(RosterChanges::UserId).uuid().null())
                .to_owned(),
        )
        .await?;
        // A first row, so that every instance starts from a position rather than none.
        m.exec_stmt(
            Query::insert()
                .into_table(RosterChanges::Table)
                .columns([RosterChanges::UserId])
                .values_panic([Option::<uuid::Uuid>::None.into()])
                .to_owned(),
        )
        .await
    }
}
