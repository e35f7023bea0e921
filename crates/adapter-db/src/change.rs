//! The one way to commit a change to users, grants or sessions.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, ExecResult, QueryFilter,
    QueryResult, Statement,
};
use uuid::Uuid;

use crate::Store;
use crate::cache::ReadCache;
use crate::deadline::Txn;
use crate::entities::meta;
use crate::error::db_err;
use roster_domain::Result;

/// A transaction that changes users, grants or sessions. It commits only through
/// [`UserChange::commit`], which stamps a new users version as its last statement and
/// tells this process's readers, so that no instance goes on serving from memory what it
/// changed. The writes of grants and user counts take a `&UserChange`, so they cannot run
/// in a transaction that would commit unstamped. Dropped, it rolls back.
pub(crate) struct UserChange<'a> {
    txn: Txn,
    cache: &'a ReadCache,
}

impl Store {
    /// Starts a change to users, grants or sessions.
    ///
    /// # Errors
    /// The store's.
    pub(crate) async fn begin_change(&self) -> Result<UserChange<'_>> {
        let txn = self.db.begin().await.map_err(db_err)?;
        Ok(UserChange {
            txn,
            cache: &self.cache,
        })
    }

    /// Tells every instance on this database that users, grants or sessions changed behind
    /// the store's back (by SQL): each reads them afresh within [`crate::CACHE_WINDOW`].
    ///
    /// # Errors
    /// The store's.
    pub async fn mark_changed(&self) -> Result<()> {
        self.begin_change().await?.commit().await
    }
}

impl UserChange<'_> {
    /// Stamps a new users version, as the last statement so that its row lock is held only
    /// until the commit, and commits; this process's next reads then wait for a fresh
    /// version.
    ///
    /// # Errors
    /// The store's errors; nothing is committed then.
    pub(crate) async fn commit(self) -> Result<()> {
        meta::Entity::update_many()
            .col_expr(meta::Column::Value, Expr::value(Uuid::new_v4().to_string()))
            .filter(meta::Column::Key.eq(meta::USERS_VERSION))
            .exec(&self.txn)
            .await
            .map_err(db_err)?;
        self.txn.commit().await.map_err(db_err)?;
        self.cache.written();
        Ok(())
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for UserChange<'_> {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}
