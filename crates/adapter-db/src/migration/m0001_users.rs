//! Users with normalised server and group grants, sessions, login throttling, and the
//! admin guard row.

use sea_orm_migration::prelude::*;

use super::instant;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    UsernameKey,
    PasswordHash,
    Role,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserServers {
    Table,
    UserId,
    Server,
}

#[derive(DeriveIden)]
enum UserGroups {
    Table,
    UserId,
    GroupId,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    TokenHash,
    UserId,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum LoginFailures {
    Table,
    Key,
    Failures,
    StartedAt,
}

#[derive(DeriveIden)]
enum RosterMeta {
    Table,
    Key,
    Value,
}

fn owned_by_user<T: IntoIden + 'static>(table: T, column: T) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_database_backend();
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(ColumnDef::new(Users::Id).uuid().not_null().primary_key())
                .col(ColumnDef::new(Users::Username).string_len(255).not_null())
                .col(
                    ColumnDef::new(Users::UsernameKey)
                        .string_len(512)
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Users::PasswordHash)
                        .string_len(255)
                        .not_null(),
                )
                .col(ColumnDef::new(Users::Role).string_len(16).not_null())
                .col(instant(db, Users::CreatedAt))
                .col(instant(db, Users::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_users_username_key")
                .table(Users::Table)
                .col(Users::UsernameKey)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_users_role")
                .table(Users::Table)
                .col(Users::Role)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UserServers::Table)
                .col(ColumnDef::new(UserServers::UserId).uuid().not_null())
                .col(
                    ColumnDef::new(UserServers::Server)
                        .string_len(255)
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(UserServers::UserId)
                        .col(UserServers::Server),
                )
                .foreign_key(&mut owned_by_user(UserServers::Table, UserServers::UserId))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_user_servers_server")
                .table(UserServers::Table)
                .col(UserServers::Server)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UserGroups::Table)
                .col(ColumnDef::new(UserGroups::UserId).uuid().not_null())
                .col(
                    ColumnDef::new(UserGroups::GroupId)
                        .string_len(255)
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(UserGroups::UserId)
                        .col(UserGroups::GroupId),
                )
                .foreign_key(&mut owned_by_user(UserGroups::Table, UserGroups::UserId))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_user_groups_group_id")
                .table(UserGroups::Table)
                .col(UserGroups::GroupId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(
                    ColumnDef::new(Sessions::TokenHash)
                        .string_len(64)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Sessions::UserId).uuid().not_null())
                .col(instant(db, Sessions::CreatedAt))
                .col(instant(db, Sessions::ExpiresAt))
                .foreign_key(&mut owned_by_user(Sessions::Table, Sessions::UserId))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("ix_sessions_user_id", Sessions::UserId),
            ("ix_sessions_expires_at", Sessions::ExpiresAt),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(Sessions::Table)
                    .col(col)
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table(LoginFailures::Table)
                .col(
                    ColumnDef::new(LoginFailures::Key)
                        .string_len(600)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(LoginFailures::Failures).integer().not_null())
                .col(instant(db, LoginFailures::StartedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RosterMeta::Table)
                .col(
                    ColumnDef::new(RosterMeta::Key)
                        .string_len(64)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(RosterMeta::Value).string_len(255).not_null())
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(RosterMeta::Table)
                .columns([RosterMeta::Key, RosterMeta::Value])
                .values_panic(["admin-guard".into(), "".into()])
                .to_owned(),
        )
        .await
    }
}
