use async_trait::async_trait;
use chrono::{DateTime, Utc};
use roster_domain::ports::SessionStore;
use roster_domain::{Error, Principal, Result, TokenHash, UserId, Username};
use sea_orm::JoinType;
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter, QuerySelect, RelationTrait, Set, TransactionTrait,
};
use uuid::Uuid;

use crate::Store;
use crate::entities::{session, user};
use crate::error::db_err;

#[async_trait]
impl SessionStore for Store {
    async fn create(
        &self,
        token: &TokenHash,
        user: UserId,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        session::Entity::insert(session::ActiveModel {
            token_hash: Set(token.to_hex()),
            user_id: Set(user.0),
            created_at: Set(created_at),
            expires_at: Set(expires_at),
        })
        .exec_without_returning(&self.db)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn principal(&self, token: &TokenHash, now: DateTime<Utc>) -> Result<Option<Principal>> {
        let version = self.cache.version().await?;
        if let Some(principal) = self.cache.principal(token, version, now) {
            return Ok(Some(principal));
        }
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
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let Some((id, username, role, expires_at)) = rows.into_iter().next() else {
            return Ok(None);
        };
        let corrupt = |_| Error::Internal(format!("stored user {id} is corrupt"));
        let principal = Principal {
            id: UserId(id),
            username: Username::parse(&username).map_err(corrupt)?,
            role: role.parse().map_err(corrupt)?,
        };
        self.cache
            .keep_principal(version, token, &principal, expires_at);
        Ok(Some(principal))
    }

    async fn revoke(&self, token: &TokenHash) -> Result<()> {
        let txn = self.db.begin().await.map_err(db_err)?;
        session::Entity::delete_by_id(token.to_hex())
            .exec(&txn)
            .await
            .map_err(db_err)?;
        self.commit_change(txn).await
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64> {
        let done = session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(now))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected)
    }
}
