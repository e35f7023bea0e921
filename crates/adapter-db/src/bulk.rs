//! Bulk loading: many users, teams and memberships in few statements, for seeding large
//! directories (benchmarks, migrations from other systems).

use roster_domain::{Result, Team, TeamMember, User};
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use crate::change::Changed;
use crate::counts::Deltas;
use crate::entities::{team, team_user, user, user_group, user_server};
use crate::error::db_err;
use crate::{Backend, Store, teams, users};

/// Rows per INSERT: under SQLite's limit of 32 766 bound values at 7 columns a row.
const CHUNK: usize = 1000;

impl Store {
    /// Inserts `users` with their grants in one transaction, many rows per statement.
    ///
    /// # Errors
    /// [`roster_domain::Error::Conflict`] if a name is taken (nothing is inserted then), and
    /// the store's errors.
    pub async fn insert_users(&self, users: &[User]) -> Result<()> {
        let txn = self.begin_change().await?;
        for chunk in users.chunks(CHUNK) {
            user::Entity::insert_many(chunk.iter().map(|u| user::ActiveModel {
                id: Set(u.id.0),
                username: Set(u.username.as_str().to_owned()),
                username_key: Set(u.username.key()),
                password_hash: Set(u.password_hash.clone()),
                role: Set(u.role.as_str().to_owned()),
                email: Set(u.email.as_ref().map(|e| e.as_str().to_owned())),
                created_at: Set(u.created_at),
                updated_at: Set(u.updated_at),
            }))
            .exec_without_returning(&txn)
            .await
            .map_err(users::name_taken)?;
        }
        let servers: Vec<_> = users
            .iter()
            .flat_map(|u| u.servers.iter().map(move |s| (u.id.0, s.clone())))
            .collect();
        for chunk in servers.chunks(CHUNK) {
            user_server::Entity::insert_many(chunk.iter().map(|(id, server)| {
                user_server::ActiveModel {
                    user_id: Set(*id),
                    server: Set(server.clone()),
                }
            }))
            .exec_without_returning(&txn)
            .await
            .map_err(db_err)?;
        }
        let groups: Vec<_> = users
            .iter()
            .flat_map(|u| u.groups.iter().map(move |g| (u.id.0, g.clone())))
            .collect();
        for chunk in groups.chunks(CHUNK) {
            user_group::Entity::insert_many(chunk.iter().map(|(id, group)| {
                user_group::ActiveModel {
                    user_id: Set(*id),
                    group_id: Set(group.clone()),
                }
            }))
            .exec_without_returning(&txn)
            .await
            .map_err(db_err)?;
        }
        let mut counts = Deltas::default();
        for user in users {
            counts.user(user.role, &user.servers, &user.groups, 1);
        }
        counts.apply(&txn).await?;
        txn.commit(Changed::Everyone).await
    }

    /// Brings the query planner's statistics up to date, as is due after a bulk load:
    /// PostgreSQL, left to autovacuum, planned a fresh 100 000-user table as 5 000 rows
    /// and sorted all of it on disk for each page of users. SQLite is left alone: its
    /// planner needs no statistics for these indexes, and with them it re-plans every
    /// lookup whose bound values might change the plan.
    ///
    /// # Errors
    /// The store's errors.
    pub async fn analyze(&self) -> Result<()> {
        let sql = match self.backend() {
            Backend::Sqlite => return Ok(()),
            Backend::Postgres => "ANALYZE",
            Backend::MySql => "ANALYZE TABLE users, user_servers, user_groups, teams, team_users",
        };
        self.db.execute_unprepared(sql).await.map_err(db_err)?;
        Ok(())
    }

    /// Inserts `teams` and `members` in one transaction, many rows per statement.
    ///
    /// # Errors
    /// [`roster_domain::Error::Conflict`] for a taken access code or a repeated membership,
    /// and the store's errors.
    pub async fn insert_teams(&self, teams: &[Team], members: &[TeamMember]) -> Result<()> {
        let txn = self.db.begin().await.map_err(db_err)?;
        for chunk in teams.chunks(CHUNK) {
            team::Entity::insert_many(chunk.iter().map(|t| team::ActiveModel {
                id: Set(t.id.0),
                name: Set(t.name.clone()),
                access_code: Set(t.access_code.clone()),
                logo_url: Set(t.logo_url.clone()),
                created_at: Set(t.created_at),
                updated_at: Set(t.updated_at),
            }))
            .exec_without_returning(&txn)
            .await
            .map_err(teams::team_err)?;
        }
        for chunk in members.chunks(CHUNK) {
            team_user::Entity::insert_many(chunk.iter().map(|m| team_user::ActiveModel {
                id: Set(m.id),
                team_id: Set(m.team_id.0),
                user_id: Set(m.user_id.0),
                role: Set(m.role.as_str().to_owned()),
                created_at: Set(m.created_at),
                updated_at: Set(m.updated_at),
            }))
            .exec_without_returning(&txn)
            .await
            .map_err(teams::member_err)?;
        }
        txn.commit().await.map_err(db_err)
    }
}
