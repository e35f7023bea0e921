use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use roster_domain::ports::TeamRepository;
use roster_domain::{
    Conflict, Error, NamedMember, Page, PageRequest, Result, Team, TeamDetails, TeamId, TeamMember,
    TeamOrder, TeamRole, UserId, Username,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, Set,
};
use uuid::Uuid;

use crate::Store;
use crate::entities::{team, team_user, user, website};
use crate::error::{db_err, retrying};
use crate::query::{count, matching, unique, window};
use crate::users::username_matching;

#[async_trait]
impl TeamRepository for Store {
    async fn create(&self, team: Team, owner: TeamMember) -> Result<Team> {
        retrying(|| async {
            let txn = self.db.begin().await.map_err(db_err)?;
            team_row(&team).insert(&txn).await.map_err(team_err)?;
            member_row(&owner).insert(&txn).await.map_err(member_err)?;
            txn.commit().await.map_err(db_err)
        })
        .await?;
        Ok(team)
    }

    async fn find(&self, id: TeamId) -> Result<Option<TeamDetails>> {
        let Some(row) = unique(team::Entity::find_by_id(id.0), &self.db)
            .await
            .map_err(db_err)?
        else {
            return Ok(None);
        };
        Ok(details(&self.db, vec![row]).await?.pop())
    }

    async fn find_by_access_code(&self, code: &str) -> Result<Option<Team>> {
        let row = unique(
            team::Entity::find().filter(team::Column::AccessCode.eq(code)),
            &self.db,
        )
        .await
        .map_err(db_err)?;
        Ok(row.map(to_team))
    }

    async fn update(&self, team: &Team) -> Result<()> {
        let mut row = team_row(team);
        row.created_at = sea_orm::ActiveValue::NotSet;
        let done = team::Entity::update_many()
            .set(row)
            .filter(team::Column::Id.eq(team.id.0))
            .exec(&self.db)
            .await
            .map_err(team_err)?;
        found(done.rows_affected, "team")
    }

    async fn delete(&self, id: TeamId, now: DateTime<Utc>) -> Result<()> {
        retrying(|| async {
            let txn = self.db.begin().await.map_err(db_err)?;
            delete_team(&txn, id.0, now).await?;
            txn.commit().await.map_err(db_err)
        })
        .await
    }

    async fn membership(&self, team: TeamId, user: UserId) -> Result<Option<TeamMember>> {
        let row = unique(
            team_user::Entity::find()
                .filter(team_user::Column::TeamId.eq(team.0))
                .filter(team_user::Column::UserId.eq(user.0)),
            &self.db,
        )
        .await
        .map_err(db_err)?;
        row.map(to_member).transpose()
    }

    async fn add_member(&self, member: TeamMember) -> Result<()> {
        member_row(&member)
            .insert(&self.db)
            .await
            .map_err(member_err)?;
        Ok(())
    }

    async fn set_member_role(
        &self,
        team: TeamId,
        user: UserId,
        role: TeamRole,
        now: DateTime<Utc>,
    ) -> Result<TeamMember> {
        retrying(|| async {
            let txn = self.db.begin().await.map_err(db_err)?;
            let was = locked_membership(&txn, team, user).await?;
            team_user::Entity::update_many()
                .col_expr(team_user::Column::Role, Expr::value(role.as_str()))
                .col_expr(team_user::Column::UpdatedAt, Expr::value(now))
                .filter(team_user::Column::Id.eq(was.id))
                .exec(&txn)
                .await
                .map_err(db_err)?;
            if was.role == TeamRole::Owner && role != TeamRole::Owner {
                ensure_an_owner(&txn, team).await?;
            }
            txn.commit().await.map_err(db_err)?;
            Ok(TeamMember {
                role,
                updated_at: now,
                ..was
            })
        })
        .await
    }

    async fn remove_member(&self, team: TeamId, user: UserId) -> Result<()> {
        retrying(|| async {
            let txn = self.db.begin().await.map_err(db_err)?;
            let was = locked_membership(&txn, team, user).await?;
            team_user::Entity::delete_by_id(was.id)
                .exec(&txn)
                .await
                .map_err(db_err)?;
            if was.role == TeamRole::Owner {
                ensure_an_owner(&txn, team).await?;
            }
            txn.commit().await.map_err(db_err)
        })
        .await
    }

    async fn members(
        &self,
        team: TeamId,
        page: &PageRequest<TeamOrder>,
    ) -> Result<Page<NamedMember>> {
        let _lane = self.lists.enter().await?;
        let mut query = team_user::Entity::find()
            .join(JoinType::InnerJoin, team_user::Relation::User.def())
            .filter(team_user::Column::TeamId.eq(team.0));
        if let Some(search) = &page.search {
            query = query.filter(username_matching(self.db.get_database_backend(), search));
        }
        let (total, query, flip) = match page.order_by {
            TeamOrder::Name => {
                let by = (user::Column::UsernameKey, Some(team_user::Column::Id));
                window(query, &self.db, page, by).await
            }
            TeamOrder::CreatedAt => {
                let by = (team_user::Column::CreatedAt, Some(team_user::Column::Id));
                window(query, &self.db, page, by).await
            }
        }
        .map_err(db_err)?;
        let rows: Vec<(team_user::Model, String)> = query
            .column_as(user::Column::Username, "member_username")
            .into_model::<MemberWithName>()
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(MemberWithName::split)
            .collect();
        let items = flip
            .put_back(rows)
            .into_iter()
            .map(|(row, name)| named(row, &name))
            .collect::<Result<_>>()?;
        Ok(Page::of(items, total, page))
    }

    async fn teams_of(
        &self,
        user: UserId,
        page: &PageRequest<TeamOrder>,
    ) -> Result<Page<TeamDetails>> {
        let query = team::Entity::find()
            .join_rev(JoinType::InnerJoin, team_user::Relation::Team.def())
            .filter(team_user::Column::UserId.eq(user.0));
        self.team_page(query, page).await
    }

    async fn page(&self, page: &PageRequest<TeamOrder>) -> Result<Page<TeamDetails>> {
        self.team_page(team::Entity::find(), page).await
    }
}

impl Store {
    /// One page of the teams `query` finds, searched, ordered and with their details.
    async fn team_page(
        &self,
        mut query: sea_orm::Select<team::Entity>,
        page: &PageRequest<TeamOrder>,
    ) -> Result<Page<TeamDetails>> {
        let _lane = self.lists.enter().await?;
        if let Some(search) = &page.search {
            query = query.filter(matching::<team::Entity>(
                self.db.get_database_backend(),
                team::Column::Id,
                &[team::Column::Name],
                search,
            ));
        }
        let column = match page.order_by {
            TeamOrder::Name => team::Column::Name,
            TeamOrder::CreatedAt => team::Column::CreatedAt,
        };
        let by = (column, Some(team::Column::Id));
        let (total, query, flip) = window(query, &self.db, page, by).await.map_err(db_err)?;
        let rows = flip.put_back(query.all(&self.db).await.map_err(db_err)?);
        Ok(Page::of(details(&self.db, rows).await?, total, page))
    }
}

/// A membership row with its member's name, read in one query.
#[derive(Debug, sea_orm::FromQueryResult)]
struct MemberWithName {
    #[sea_orm(nested)]
    member: team_user::Model,
    member_username: String,
}

impl MemberWithName {
    fn split(self) -> (team_user::Model, String) {
        (self.member, self.member_username)
    }
}

/// Loads the members and live-website counts of `teams` in two queries, whatever their number.
async fn details(db: &impl ConnectionTrait, teams: Vec<team::Model>) -> Result<Vec<TeamDetails>> {
    let ids: Vec<Uuid> = teams.iter().map(|t| t.id).collect();
    let mut members: HashMap<Uuid, Vec<NamedMember>> = HashMap::new();
    let rows: Vec<MemberWithName> = team_user::Entity::find()
        .join(JoinType::InnerJoin, team_user::Relation::User.def())
        .column_as(user::Column::Username, "member_username")
        .filter(team_user::Column::TeamId.is_in(ids.clone()))
        .order_by_asc(team_user::Column::CreatedAt)
        .into_model()
        .all(db)
        .await
        .map_err(db_err)?;
    for (row, name) in rows.into_iter().map(MemberWithName::split) {
        members
            .entry(row.team_id)
            .or_default()
            .push(named(row, &name)?);
    }
    let counts: Vec<(Uuid, i64)> = website::Entity::find()
        .select_only()
        .column(website::Column::TeamId)
        .column_as(website::Column::Id.count(), "n")
        .filter(website::Column::TeamId.is_in(ids))
        .filter(website::Column::DeletedAt.is_null())
        .group_by(website::Column::TeamId)
        .into_tuple()
        .all(db)
        .await
        .map_err(db_err)?;
    let counts: HashMap<Uuid, i64> = counts.into_iter().collect();
    Ok(teams
        .into_iter()
        .map(|row| TeamDetails {
            members: members.remove(&row.id).unwrap_or_default(),
            website_count: count(counts.get(&row.id).copied().unwrap_or_default()),
            team: to_team(row),
        })
        .collect())
}

/// Locks `team` for a change to its members, then reads `user`'s membership. Every change
/// that could take an owner away locks the team first, so such changes run one at a time
/// and each counts the owners the previous one left. As a write, the lock also takes
/// SQLite's write lock before anything is read.
async fn locked_membership(
    txn: &impl ConnectionTrait,
    team: TeamId,
    user: UserId,
) -> Result<TeamMember> {
    lock_teams(txn, &[team.0]).await?;
    let row = unique(
        team_user::Entity::find()
            .filter(team_user::Column::TeamId.eq(team.0))
            .filter(team_user::Column::UserId.eq(user.0))
            .lock_exclusive(),
        txn,
    )
    .await
    .map_err(db_err)?
    .ok_or_else(|| Error::NotFound("team member not found".into()))?;
    to_member(row)
}

/// Takes the row locks of `teams` in one statement. On SQLite it takes the database's write
/// lock. Two such statements over overlapping teams can deadlock on PostgreSQL, which does
/// not promise an order; the database then aborts one and [`retrying`] runs it again.
async fn lock_teams(txn: &impl ConnectionTrait, teams: &[Uuid]) -> Result<()> {
    team::Entity::update_many()
        .col_expr(team::Column::UpdatedAt, Expr::col(team::Column::UpdatedAt))
        .filter(team::Column::Id.is_in(teams.iter().copied()))
        .exec(txn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Of `teams`, those that have an owner. A locking read, so that MySQL reads the rows as
/// they are now rather than as the transaction's snapshot had them.
async fn owned(txn: &impl ConnectionTrait, teams: &[Uuid]) -> Result<Vec<Uuid>> {
    team_user::Entity::find()
        .select_only()
        .column(team_user::Column::TeamId)
        .filter(team_user::Column::TeamId.is_in(teams.iter().copied()))
        .filter(team_user::Column::Role.eq(TeamRole::Owner.as_str()))
        .lock_shared()
        .into_tuple()
        .all(txn)
        .await
        .map_err(db_err)
}

async fn ensure_an_owner(txn: &impl ConnectionTrait, team: TeamId) -> Result<()> {
    if owned(txn, &[team.0]).await?.is_empty() {
        return Err(Error::last_owner());
    }
    Ok(())
}

/// Takes a user being deleted out of every team, and deletes the teams they owned that are
/// left without an owner, as Umami deletes the teams of a user it deletes. The caller holds
/// the user's row lock, so no membership of theirs can be added meanwhile.
pub(crate) async fn leave_all(
    txn: &impl ConnectionTrait,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let memberships: Vec<(Uuid, String)> = team_user::Entity::find()
        .select_only()
        .column(team_user::Column::TeamId)
        .column(team_user::Column::Role)
        .filter(team_user::Column::UserId.eq(user))
        .into_tuple()
        .all(txn)
        .await
        .map_err(db_err)?;
    if memberships.is_empty() {
        return Ok(());
    }
    let teams: Vec<Uuid> = memberships.iter().map(|(team, _)| *team).collect();
    lock_teams(txn, &teams).await?;
    team_user::Entity::delete_many()
        .filter(team_user::Column::UserId.eq(user))
        .exec(txn)
        .await
        .map_err(db_err)?;
    // Only the teams this user owned: one that had no owner before is not theirs to delete.
    let was_owner: Vec<Uuid> = memberships
        .into_iter()
        .filter(|(_, role)| role == TeamRole::Owner.as_str())
        .map(|(team, _)| team)
        .collect();
    let still_owned = owned(txn, &was_owner).await?;
    for team in was_owner.into_iter().filter(|t| !still_owned.contains(t)) {
        // A team deleted since the memberships were read is gone already, which is the aim.
        delete_locked_team(txn, team, now).await?;
    }
    Ok(())
}

/// Deletes a team and its memberships, and soft-deletes its websites. The team's row is
/// locked first, so that a website being added to it commits before and is soft-deleted
/// here, or waits and finds the team gone.
async fn delete_team(txn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<()> {
    lock_teams(txn, &[id]).await?;
    let deleted = delete_locked_team(txn, id, now).await?;
    found(deleted, "team")
}

/// [`delete_team`] for a team whose row lock the transaction holds; answers how many teams
/// it deleted.
async fn delete_locked_team(
    txn: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64> {
    website::Entity::update_many()
        .col_expr(website::Column::DeletedAt, Expr::value(now))
        // A deleted website's share id may be used again.
        .col_expr(
            website::Column::ShareId,
            Expr::value(Option::<String>::None),
        )
        .filter(website::Column::TeamId.eq(id))
        .filter(website::Column::DeletedAt.is_null())
        .exec(txn)
        .await
        .map_err(db_err)?;
    team_user::Entity::delete_many()
        .filter(team_user::Column::TeamId.eq(id))
        .exec(txn)
        .await
        .map_err(db_err)?;
    let done = team::Entity::delete_by_id(id)
        .exec(txn)
        .await
        .map_err(db_err)?;
    Ok(done.rows_affected)
}

fn found(rows: u64, what: &str) -> Result<()> {
    if rows == 0 {
        Err(Error::NotFound(format!("{what} not found")))
    } else {
        Ok(())
    }
}

/// The only unique key a team can break is its access code.
pub(crate) fn team_err(err: sea_orm::DbErr) -> Error {
    match db_err(err) {
        Error::Conflict(_) => Error::Conflict(Conflict::AccessCodeTaken),
        other => other,
    }
}

/// The only unique key a membership can break is (team, user); a missing team or user
/// breaks a foreign key.
pub(crate) fn member_err(err: sea_orm::DbErr) -> Error {
    if let Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) = err.sql_err() {
        return Error::NotFound("no such team or user".into());
    }
    match db_err(err) {
        Error::Conflict(_) => Error::Conflict(Conflict::AlreadyMember),
        other => other,
    }
}

fn team_row(team: &Team) -> team::ActiveModel {
    team::ActiveModel {
        id: Set(team.id.0),
        name: Set(team.name.clone()),
        access_code: Set(team.access_code.clone()),
        logo_url: Set(team.logo_url.clone()),
        created_at: Set(team.created_at),
        updated_at: Set(team.updated_at),
    }
}

fn member_row(member: &TeamMember) -> team_user::ActiveModel {
    team_user::ActiveModel {
        id: Set(member.id),
        team_id: Set(member.team_id.0),
        user_id: Set(member.user_id.0),
        role: Set(member.role.as_str().to_owned()),
        created_at: Set(member.created_at),
        updated_at: Set(member.updated_at),
    }
}

fn to_team(row: team::Model) -> Team {
    Team {
        id: TeamId(row.id),
        name: row.name,
        access_code: row.access_code,
        logo_url: row.logo_url,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn to_member(row: team_user::Model) -> Result<TeamMember> {
    Ok(TeamMember {
        id: row.id,
        team_id: TeamId(row.team_id),
        user_id: UserId(row.user_id),
        role: row
            .role
            .parse()
            .map_err(|_| Error::internal(format!("membership {} has a bad role", row.id)))?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn named(row: team_user::Model, username: &str) -> Result<NamedMember> {
    let username = Username::parse(username)
        .map_err(|_| Error::internal(format!("user {} has a bad name", row.user_id)))?;
    Ok(NamedMember {
        member: to_member(row)?,
        username,
    })
}
