use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use roster_domain::ports::{WebsiteRepository, WebsiteScope};
use roster_domain::{
    Conflict, Error, Owner, Page, PageRequest, Result, TeamId, UserId, Username, Website,
    WebsiteDetails, WebsiteId, WebsiteOrder, WebsitePatch,
};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::Store;
use crate::entities::{team, team_user, user, website};
use crate::error::{conflict_on, db_err, retrying};
use crate::query::{count, matching, window};

/// The most owners whose websites are counted by naming them; past it, every owner's are.
const MAX_LISTED_OWNERS: usize = 1000;

#[async_trait]
impl WebsiteRepository for Store {
    async fn create(&self, site: Website) -> Result<Website> {
        // INSERT … SELECT from the owner's row, share-locked: websites carry no foreign key
        // (a soft-deleted one outlives its owner), so this is what keeps a live website from
        // being stored for a user or team whose deletion is under way or done.
        let (user_id, team_id) = owner_columns(site.owner);
        let mut source = Query::select();
        source
            .expr(Expr::val(site.id.0))
            .expr(Expr::val(site.name.clone()))
            .expr(Expr::val(site.domain.clone()))
            .expr(Expr::val(site.share_id.clone()))
            .expr(Expr::val(site.reset_at))
            .expr(Expr::val(user_id))
            .expr(Expr::val(team_id))
            .expr(Expr::val(site.created_by.0))
            .expr(Expr::val(site.created_at))
            .expr(Expr::val(site.updated_at))
            .expr(Expr::val(site.deleted_at))
            .lock_shared();
        match site.owner {
            Owner::User(id) => source
                .from(user::Entity)
                .and_where(Expr::col((user::Entity, user::Column::Id)).eq(id.0)),
            Owner::Team(id) => source
                .from(team::Entity)
                .and_where(Expr::col((team::Entity, team::Column::Id)).eq(id.0)),
        };
        let insert = Query::insert()
            .into_table(website::Entity)
            .columns([
                website::Column::Id,
                website::Column::Name,
                website::Column::Domain,
                website::Column::ShareId,
                website::Column::ResetAt,
                website::Column::UserId,
                website::Column::TeamId,
                website::Column::CreatedBy,
                website::Column::CreatedAt,
                website::Column::UpdatedAt,
                website::Column::DeletedAt,
            ])
            .select_from(source)
            .map_err(|e| Error::internal("website insert").caused_by(e))?
            .to_owned();
        let done = self.db.execute(&insert).await.map_err(share_id_taken)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound(
                "the website's owner no longer exists".into(),
            ));
        }
        Ok(site)
    }

    async fn find(&self, id: WebsiteId) -> Result<Option<WebsiteDetails>> {
        let found = website::Entity::find_by_id(id.0)
            .filter(website::Column::DeletedAt.is_null())
            .find_also_related(user::Entity)
            // Not `.one()`, for the reason given at `query::unique`.
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let found = found
            .into_iter()
            .map(|(site, owner)| to_details(site, owner))
            .collect::<Result<Vec<_>>>()?;
        Ok(with_creators(&self.db, found).await?.pop())
    }

    async fn update(&self, id: WebsiteId, patch: &WebsitePatch, now: DateTime<Utc>) -> Result<()> {
        let mut update = website::Entity::update_many()
            .col_expr(website::Column::UpdatedAt, Expr::value(now))
            .filter(website::Column::Id.eq(id.0))
            .filter(website::Column::DeletedAt.is_null());
        if let Some(name) = &patch.name {
            update = update.col_expr(website::Column::Name, Expr::value(name.clone()));
        }
        if let Some(domain) = &patch.domain {
            update = update.col_expr(website::Column::Domain, Expr::value(domain.clone()));
        }
        if let Some(share_id) = &patch.share_id {
            update = update.col_expr(website::Column::ShareId, Expr::value(share_id.clone()));
        }
        if let Some(reset_at) = patch.reset_at {
            update = update.col_expr(website::Column::ResetAt, Expr::value(reset_at));
        }
        let done = update.exec(&self.db).await.map_err(share_id_taken)?;
        found(done.rows_affected, id)
    }

    async fn transfer(
        &self,
        id: WebsiteId,
        from: Owner,
        to: Owner,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (from_user, from_team) = owner_columns(from);
        let (to_user, to_team) = owner_columns(to);
        retrying(|| async {
            let txn = self.db.begin().await.map_err(db_err)?;
            // The website first: on SQLite that takes the write lock before anything is read.
            let moved = website::Entity::update_many()
                .col_expr(website::Column::UserId, Expr::value(to_user))
                .col_expr(website::Column::TeamId, Expr::value(to_team))
                .col_expr(website::Column::UpdatedAt, Expr::value(now))
                .filter(website::Column::Id.eq(id.0))
                .filter(website::Column::DeletedAt.is_null())
                .filter(match from_user {
                    Some(user) => website::Column::UserId.eq(user),
                    None => website::Column::UserId.is_null(),
                })
                .filter(match from_team {
                    Some(team) => website::Column::TeamId.eq(team),
                    None => website::Column::TeamId.is_null(),
                })
                .exec(&txn)
                .await
                .map_err(db_err)?;
            found(moved.rows_affected, id)?;
            // Share-locked, so that a deletion of the new owner under way commits first and
            // is seen here, or waits for this transfer and then takes the website with it.
            let exists = match to {
                Owner::User(user) => {
                    user::Entity::find_by_id(user.0)
                        .select_only()
                        .column(user::Column::Id)
                        .lock_shared()
                        .into_tuple::<Uuid>()
                        .all(&txn)
                        .await
                }
                Owner::Team(team) => {
                    team::Entity::find_by_id(team.0)
                        .select_only()
                        .column(team::Column::Id)
                        .lock_shared()
                        .into_tuple::<Uuid>()
                        .all(&txn)
                        .await
                }
            }
            .map_err(db_err)?;
            if exists.is_empty() {
                return Err(Error::NotFound(
                    "the website's new owner no longer exists".into(),
                ));
            }
            txn.commit().await.map_err(db_err)
        })
        .await
    }

    async fn delete(&self, id: WebsiteId, now: DateTime<Utc>) -> Result<()> {
        let done = website::Entity::update_many()
            .col_expr(website::Column::DeletedAt, Expr::value(now))
            // A deleted website's share id may be used again.
            .col_expr(
                website::Column::ShareId,
                Expr::value(Option::<String>::None),
            )
            .filter(website::Column::Id.eq(id.0))
            .filter(website::Column::DeletedAt.is_null())
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        if done.rows_affected == 0 {
            return Err(Error::NotFound(format!("website not found: {id}")));
        }
        Ok(())
    }

    async fn list(
        &self,
        scope: WebsiteScope,
        page: &PageRequest<WebsiteOrder>,
    ) -> Result<Page<WebsiteDetails>> {
        let _lane = self.lists.enter().await?;
        let owned = match scope {
            WebsiteScope::Team(team) => Condition::all().add(website::Column::TeamId.eq(team.0)),
            WebsiteScope::All => Condition::all(),
            WebsiteScope::User {
                user,
                include_teams,
            } => {
                let mut any = Condition::any().add(website::Column::UserId.eq(user.0));
                if include_teams {
                    let teams = Query::select()
                        .column(team_user::Column::TeamId)
                        .from(team_user::Entity)
                        .and_where(team_user::Column::UserId.eq(user.0))
                        .to_owned();
                    any = any.add(website::Column::TeamId.in_subquery(teams));
                }
                any
            }
        };
        let mut query = website::Entity::find()
            .filter(website::Column::DeletedAt.is_null())
            .filter(owned);
        if let Some(search) = &page.search {
            query = query.filter(matching::<website::Entity>(
                self.db.get_database_backend(),
                website::Column::Id,
                &[website::Column::Name, website::Column::Domain],
                search,
            ));
        }
        let column = match page.order_by {
            WebsiteOrder::Name => website::Column::Name,
            WebsiteOrder::Domain => website::Column::Domain,
            WebsiteOrder::CreatedAt => website::Column::CreatedAt,
        };
        let by = (column, Some(website::Column::Id));
        let (total, query, flip) = window(query, &self.db, page, by).await.map_err(db_err)?;
        let rows = query
            .find_also_related(user::Entity)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let rows = flip.put_back(rows);
        let items = rows
            .into_iter()
            .map(|(site, owner)| to_details(site, owner))
            .collect::<Result<_>>()?;
        let items = with_creators(&self.db, items).await?;
        Ok(Page::of(items, total, page))
    }

    async fn counts_by_owner(&self, users: &[UserId]) -> Result<HashMap<UserId, u64>> {
        let mut query = website::Entity::find()
            .select_only()
            .column(website::Column::UserId)
            .column_as(website::Column::Id.count(), "n")
            .filter(website::Column::UserId.is_not_null())
            .filter(website::Column::DeletedAt.is_null())
            .group_by(website::Column::UserId);
        // A long list of ids is no better than counting every owner's in one pass.
        if users.len() <= MAX_LISTED_OWNERS {
            query = query.filter(website::Column::UserId.is_in(users.iter().map(|u| u.0)));
        }
        let counts: Vec<(Uuid, i64)> = query.into_tuple().all(&self.db).await.map_err(db_err)?;
        Ok(counts
            .into_iter()
            .map(|(user, n)| (UserId(user), count(n)))
            .collect())
    }
}

fn found(rows: u64, id: WebsiteId) -> Result<()> {
    if rows == 0 {
        Err(Error::NotFound(format!("website not found: {id}")))
    } else {
        Ok(())
    }
}

fn share_id_taken(err: sea_orm::DbErr) -> Error {
    conflict_on(err, "share_id", Conflict::ShareIdTaken)
}

fn owner_columns(owner: Owner) -> (Option<Uuid>, Option<Uuid>) {
    match owner {
        Owner::User(user) => (Some(user.0), None),
        Owner::Team(team) => (None, Some(team.0)),
    }
}

fn to_details(site: website::Model, owner: Option<user::Model>) -> Result<WebsiteDetails> {
    let corrupt = || Error::internal(format!("website {} has no owner", site.id));
    let owner_id = match (site.user_id, site.team_id) {
        (Some(user), _) => Owner::User(UserId(user)),
        (None, Some(team)) => Owner::Team(TeamId(team)),
        (None, None) => return Err(corrupt()),
    };
    let owner_name = owner
        .map(|u| Username::parse(&u.username))
        .transpose()
        .map_err(|_| corrupt())?;
    Ok(WebsiteDetails {
        website: Website {
            id: WebsiteId(site.id),
            name: site.name,
            domain: site.domain,
            share_id: site.share_id,
            reset_at: site.reset_at,
            owner: owner_id,
            created_by: UserId(site.created_by),
            created_at: site.created_at,
            updated_at: site.updated_at,
            deleted_at: site.deleted_at,
        },
        owner_name,
        creator_name: None,
    })
}

/// Names the creators of the team websites among `sites`, in one query.
async fn with_creators(
    db: &impl ConnectionTrait,
    mut sites: Vec<WebsiteDetails>,
) -> Result<Vec<WebsiteDetails>> {
    let creators: Vec<Uuid> = sites
        .iter()
        .filter(|d| matches!(d.website.owner, Owner::Team(_)))
        .map(|d| d.website.created_by.0)
        .collect();
    if creators.is_empty() {
        return Ok(sites);
    }
    let names: HashMap<Uuid, String> = user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Username)
        .filter(user::Column::Id.is_in(creators))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await
        .map_err(db_err)?
        .into_iter()
        .collect();
    for site in &mut sites {
        if matches!(site.website.owner, Owner::Team(_)) {
            site.creator_name = names
                .get(&site.website.created_by.0)
                .and_then(|name| Username::parse(name).ok());
        }
    }
    Ok(sites)
}
