use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use roster_domain::ports::ApiKeyStore;
use roster_domain::{ApiKey, ApiKeyId, ApiKeyRef, Error, Principal, Result, TokenHash, UserId};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait,
};
use uuid::Uuid;

use crate::Store;
use crate::change::Changed;
use crate::deadline::Db;
use crate::entities::{api_key, user};
use crate::error::db_err;
use crate::sessions::principal_of;

/// How stale a key's `last_used_at` may be, and so how long an instance serves a key's
/// principal from memory before it reads the key again and notes the use: Umami's five
/// minutes.
const USE_NOTED_EVERY: Duration = Duration::minutes(5);

#[async_trait]
impl ApiKeyStore for Store {
    async fn create(&self, key: &ApiKey) -> Result<()> {
        // INSERT … SELECT from the owner's row, share-locked, as for sessions: a deletion of
        // the owner under way makes this wait and find the row gone.
        let source = Query::select()
            .expr(Expr::val(key.id.0))
            .column(user::Column::Id)
            .expr(Expr::val(key.name.clone()))
            .expr(Expr::val(key.prefix.clone()))
            .expr(Expr::val(key.hash.to_hex()))
            .expr(Expr::val(key.last_used_at))
            .expr(Expr::val(key.created_at))
            .from(user::Entity)
            .and_where(Expr::col(user::Column::Id).eq(key.user_id.0))
            .lock_shared()
            .to_owned();
        let insert = Query::insert()
            .into_table(api_key::Entity)
            .columns([
                api_key::Column::Id,
                api_key::Column::UserId,
                api_key::Column::Name,
                api_key::Column::Prefix,
                api_key::Column::KeyHash,
                api_key::Column::LastUsedAt,
                api_key::Column::CreatedAt,
            ])
            .select_from(source)
            .map_err(|e| Error::internal("API key insert").caused_by(e))?
            .to_owned();
        let done = self.db.execute(&insert).await.map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound("the key's owner no longer exists".into()));
        }
        Ok(())
    }

    async fn list(&self, user: UserId) -> Result<Vec<ApiKey>> {
        api_key::Entity::find()
            .filter(api_key::Column::UserId.eq(user.0))
            .order_by_desc(api_key::Column::CreatedAt)
            .order_by_desc(api_key::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(to_key)
            .collect()
    }

    async fn revoke(&self, user: UserId, id: ApiKeyId) -> Result<()> {
        // A change like a session's end: no instance may go on serving the key from memory.
        let txn = self.begin_change().await?;
        let done = api_key::Entity::delete_many()
            .filter(api_key::Column::Id.eq(id.0))
            .filter(api_key::Column::UserId.eq(user.0))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        if done.rows_affected == 0 {
            return Err(Error::NotFound(format!("API key not found: {id}")));
        }
        txn.commit(Changed::Users(&[user.0])).await
    }

    async fn principal(&self, hash: &TokenHash, now: DateTime<Utc>) -> Result<Option<Principal>> {
        let load = find_principal(&self.db, hash, now);
        self.cache.principal_or(hash, now, load).await
    }
}

/// The owner of the key whose secret hashes to `hash`, held in memory until the next use
/// is to be noted; notes this one if due.
async fn find_principal(
    db: &Db,
    hash: &TokenHash,
    now: DateTime<Utc>,
) -> Result<Option<(Principal, DateTime<Utc>)>> {
    type Row = (Uuid, String, Option<DateTime<Utc>>, Uuid, String, String);
    // Not `.one()`, for the reason given at `query::unique`.
    let rows: Vec<Row> = api_key::Entity::find()
        .select_only()
        .column(api_key::Column::Id)
        .column(api_key::Column::Name)
        .column(api_key::Column::LastUsedAt)
        .column(user::Column::Id)
        .column(user::Column::Username)
        .column(user::Column::Role)
        .join(JoinType::InnerJoin, api_key::Relation::User.def())
        .filter(api_key::Column::KeyHash.eq(hash.to_hex()))
        .into_tuple()
        .all(db)
        .await
        .map_err(db_err)?;
    let Some((key, name, last_used_at, id, username, role)) = rows.into_iter().next() else {
        return Ok(None);
    };
    if last_used_at.is_none_or(|used| now - used >= USE_NOTED_EVERY) {
        // A use that cannot be noted is no reason to refuse the request.
        let noted = api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, Expr::value(now))
            .filter(api_key::Column::Id.eq(key))
            .exec(db)
            .await;
        if let Err(error) = noted {
            tracing::warn!(%error, "could not note an API key's use");
        }
    }
    let key = ApiKeyRef {
        id: ApiKeyId(key),
        name,
    };
    let principal = principal_of(id, &username, &role, Some(key))?;
    Ok(Some((principal, now + USE_NOTED_EVERY)))
}

fn to_key(row: api_key::Model) -> Result<ApiKey> {
    let hash = TokenHash::from_hex(&row.key_hash)
        .ok_or_else(|| Error::internal(format!("API key {} has a corrupt hash", row.id)))?;
    Ok(ApiKey {
        id: ApiKeyId(row.id),
        user_id: UserId(row.user_id),
        name: row.name,
        prefix: row.prefix,
        hash,
        last_used_at: row.last_used_at,
        created_at: row.created_at,
    })
}
