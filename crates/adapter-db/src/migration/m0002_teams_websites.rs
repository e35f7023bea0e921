//! Teams, their members, and websites owned by a user or a team.

use sea_orm_migration::prelude::*;

use super::instant;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Teams {
    Table,
    Id,
    Name,
    AccessCode,
    LogoUrl,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TeamUsers {
    Table,
    Id,
    TeamId,
    UserId,
    Role,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Websites {
    Table,
    Id,
    Name,
    Domain,
    ShareId,
    ResetAt,
    UserId,
    TeamId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

fn index(name: &str, table: impl IntoIden, cols: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(Alias::new(*col));
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_database_backend();
        m.create_table(
            Table::create()
                .table(Teams::Table)
                .col(ColumnDef::new(Teams::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(Teams::Name).string_len(255).not_null())
                .col(ColumnDef::new(Teams::AccessCode).string_len(64).not_null())
                .col(ColumnDef::new(Teams::LogoUrl).string_len(2048).null())
                .col(instant(db, Teams::CreatedAt))
                .col(instant(db, Teams::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            index("ux_teams_access_code", Teams::Table, &["access_code"])
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(TeamUsers::Table)
                .col(
                    ColumnDef::new(TeamUsers::Id)
                        .uuid()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(TeamUsers::TeamId).uuid().not_null())
                .col(ColumnDef::new(TeamUsers::UserId).uuid().not_null())
                .col(ColumnDef::new(TeamUsers::Role).string_len(32).not_null())
                .col(instant(db, TeamUsers::CreatedAt))
                .col(instant(db, TeamUsers::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(TeamUsers::Table, TeamUsers::TeamId)
                        .to(Teams::Table, Teams::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(TeamUsers::Table, TeamUsers::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            index(
                "ux_team_users_team_user",
                TeamUsers::Table,
                &["team_id", "user_id"],
            )
            .unique()
            .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_team_users_user_id",
            TeamUsers::Table,
            &["user_id"],
        ))
        .await?;

        // No foreign keys: a deleted website keeps naming the user or team it belonged to.
        m.create_table(
            Table::create()
                .table(Websites::Table)
                .col(ColumnDef::new(Websites::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(Websites::Name).string_len(255).not_null())
                .col(ColumnDef::new(Websites::Domain).string_len(500).not_null())
                .col(ColumnDef::new(Websites::ShareId).string_len(64).null())
                .col(instant(db, Websites::ResetAt).null())
                .col(ColumnDef::new(Websites::UserId).uuid().null())
                .col(ColumnDef::new(Websites::TeamId).uuid().null())
                .col(ColumnDef::new(Websites::CreatedBy).uuid().not_null())
                .col(instant(db, Websites::CreatedAt))
                .col(instant(db, Websites::UpdatedAt))
                .col(instant(db, Websites::DeletedAt).null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            index("ux_websites_share_id", Websites::Table, &["share_id"])
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "ix_websites_user_id",
            Websites::Table,
            &["user_id", "deleted_at"],
        ))
        .await?;
        m.create_index(index(
            "ix_websites_team_id",
            Websites::Table,
            &["team_id", "deleted_at"],
        ))
        .await
    }
}
