use async_trait::async_trait;
use chrono::{DateTime, Utc};
use roster_domain::ports::SessionStore;
use roster_domain::{ApiKeyRef, Error, Principal, Result, TokenHash, UserId, Username};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait,
};
use uuid::Uuid;

use crate::Store;
use crate::change::Changed;
use crate::deadline::Db;
use crate::entities::{session, user};
use crate::error::db_err;

#[async_trait]
impl SessionStore for Store {
    async fn create(
        &self,
        token: &TokenHash,
        user: UserId,
        verified_hash: &str,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool> {
        // INSERT … SELECT from the user's row, share-locked: a password change or deletion
        // holding the row makes this wait and then find the hash changed or the row gone;
        // one that comes later finds this session to end. SQLite runs writers one at a time.
        let source = Query::select()
            .expr(Expr::val(token.to_hex()))
            .column(user::Column::Id)
            .expr(Expr::val(created_at))
            .expr(Expr::val(expires_at))
            .from(user::Entity)
            .and_where(Expr::col(user::Column::Id).eq(user.0))
            .and_where(Expr::col(user::Column::PasswordHash).eq(verified_hash))
            .lock_shared()
            .to_owned();
        let insert = Query::insert()
            .into_table(session::Entity)
            .columns([
                session::Column::TokenHash,
                session::Column::UserId,
                session::Column::CreatedAt,
                session::Column::ExpiresAt,
            ])
            .select_from(source)
            .map_err(|e| Error::internal("session insert").caused_by(e))?
            .to_owned();
        let done = self.db.execute(&insert).await.map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn principal(&self, token: &TokenHash, now: DateTime<Utc>) -> Result<Option<Principal>> {
        let load = find_principal(&self.db, token, now);
        self.cache.principal_or(token, now, load).await
    }

    async fn revoke(&self, token: &TokenHash) -> Result<()> {
        // Read before the transaction, whose first statement must be its write: SQLite
        // cannot turn a read transaction into a write once another connection committed.
        // A session's user never changes.
        let owner: Vec<Uuid> = session::Entity::find_by_id(token.to_hex())
            .select_only()
            .column(session::Column::UserId)
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_err)?;
        if owner.is_empty() {
            return Ok(());
        }
        let txn = self.begin_change().await?;
        let done = session::Entity::delete_by_id(token.to_hex())
            .exec(&txn)
            .await
            .map_err(db_err)?;
        if done.rows_affected == 0 {
            return Ok(());
        }
        txn.commit(Changed::Users(&owner)).await
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64> {
        let mut purged = 0;
        for _ in 0..PURGE_BATCHES {
            let expired: Vec<String> = session::Entity::find()
                .select_only()
                .column(session::Column::TokenHash)
                .filter(session::Column::ExpiresAt.lte(now))
                .limit(PURGE_BATCH)
                .into_tuple()
                .all(&self.db)
                .await
                .map_err(db_err)?;
            let full = expired.len() as u64 == PURGE_BATCH;
            if expired.is_empty() {
                break;
            }
            // Not logged as a change: a session kept in memory is refused by its own expiry
            // (`ReadCache::principal_or`), so deleting expired ones makes nothing stale,
            // and logging thousands of owners would make every instance forget all.
            let done = session::Entity::delete_many()
                .filter(session::Column::TokenHash.is_in(expired))
                .filter(session::Column::ExpiresAt.lte(now))
                .exec(&self.db)
                .await
                .map_err(db_err)?;
            purged += done.rows_affected;
            if !full {
                break;
            }
        }
        Ok(purged)
    }
}

/// Sessions a purge deletes per statement, and statements per purge: each stays short
/// under the database timeout, and a backlog is worked off a purge at a time.
const PURGE_BATCH: u64 = 1000;
const PURGE_BATCHES: usize = 10;

/// The principal of the unexpired session `token` opens, with the session's expiry.
async fn find_principal(
    db: &Db,
    token: &TokenHash,
    now: DateTime<Utc>,
) -> Result<Option<(Principal, DateTime<Utc>)>> {
    // Not `.one()`, for the reason given at `query::unique`.
    let rows: Vec<(Uuid, String, String, DateTime<Utc>)> = session::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Username)
        .column(user::Column::Role)
        .column(session::Column::ExpiresAt)
        .join(JoinType::InnerJoin, session::Relation::User.def())
        .filter(session::Column::TokenHash.eq(token.to_hex()))
        .filter(session::Column::ExpiresAt.gt(now))
        .into_tuple()
        .all(db)
        .await
        .map_err(db_err)?;
    let Some((id, username, role, expires_at)) = rows.into_iter().next() else {
        return Ok(None);
    };
    Ok(Some((
        principal_of(id, &username, &role, None)?,
        expires_at,
    )))
}

/// The principal of a stored user's id, name and role, and the API key presented if any.
pub(crate) fn principal_of(
    id: Uuid,
    username: &str,
    role: &str,
    api_key: Option<ApiKeyRef>,
) -> Result<Principal> {
    let corrupt = |_| Error::internal(format!("stored user {id} is corrupt"));
    Ok(Principal {
        id: UserId(id),
        username: Username::parse(username).map_err(corrupt)?,
        role: role.parse().map_err(corrupt)?,
        api_key,
    })
}
