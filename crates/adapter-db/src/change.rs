//! The one way to commit a change to users, grants or sessions.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, ExecResult, QueryFilter,
    QueryResult, Set, Statement,
};
use uuid::Uuid;

use crate::Store;
use crate::change_log::{KEPT, newest};
use crate::counts;
use crate::deadline::Txn;
use crate::entities::{change, meta};
use crate::error::db_err;
use crate::runs::{self, Key, Sorted};
use roster_domain::Result;

/// A transaction that changes users, grants or sessions. It commits only through
/// [`UserChange::commit`], which logs the users it changed as its last statements and
/// tells this process's readers, so that no instance goes on serving from memory what it
/// changed. The writes of grants and user counts take a `&UserChange`, so they cannot run
/// in a transaction that would commit unlogged. Dropped, it rolls back.
pub(crate) struct UserChange<'a> {
    txn: Txn,
    store: &'a Store,
    /// Users in (1) and out (-1) of each order's runs, counted at the commit.
    moves: Vec<(Sorted, Key, i64)>,
}

/// What a change did, for the change log.
pub(crate) enum Changed<'a> {
    /// These users, their grants or their sessions.
    Users(&'a [Uuid]),
    /// Anything, as a change made behind the store's back may have.
    Everyone,
}

/// This process's commits between two prunings of the log.
const PRUNE_EVERY: u64 = 256;
static COMMITS: AtomicU64 = AtomicU64::new(0);

impl Store {
    /// Starts a change to users, grants or sessions.
    ///
    /// # Errors
    /// The store's.
    pub(crate) async fn begin_change(&self) -> Result<UserChange<'_>> {
        let txn = self.db.begin().await.map_err(db_err)?;
        Ok(UserChange {
            txn,
            store: self,
            moves: Vec::new(),
        })
    }

    /// Tells every instance on this database that users, grants or sessions changed behind
    /// the store's back (by SQL): each reads them afresh within [`crate::CACHE_WINDOW`].
    /// The users-stats counts and the runs that count the users list's pages are counted
    /// afresh.
    ///
    /// # Errors
    /// The store's.
    pub async fn mark_changed(&self) -> Result<()> {
        let txn = self.begin_change().await?;
        // Before the commit takes the users-version lock: a writer holding count rows
        // waits for that lock, so taking it first could deadlock with the writer.
        counts::recount(&txn).await?;
        txn.commit(Changed::Everyone).await
    }
}

impl UserChange<'_> {
    /// Counts a user with these fields into (`by` 1) or out of (-1) every order.
    pub(crate) fn counted(&mut self, name_key: &str, created_at: DateTime<Utc>, id: Uuid, by: i64) {
        for sorted in Sorted::ALL {
            self.moves
                .push((sorted, sorted.key(name_key, created_at, id), by));
        }
    }

    /// Moves a user from one name to another in the order by name.
    pub(crate) fn renamed(&mut self, from: &str, to: &str) {
        let key = |name| Sorted::ByName.key(name, DateTime::UNIX_EPOCH, Uuid::nil());
        self.moves.push((Sorted::ByName, key(from), -1));
        self.moves.push((Sorted::ByName, key(to), 1));
    }

    /// Stamps a new users version, whose row lock orders the commits, logs what changed
    /// after it, so that the lock is held only until the commit, and commits; this
    /// process's next reads then wait for a fresh read of the log.
    ///
    /// # Errors
    /// The store's errors; nothing is committed then.
    pub(crate) async fn commit(self, changed: Changed<'_>) -> Result<()> {
        meta::Entity::update_many()
            .col_expr(meta::Column::Value, Expr::value(Uuid::new_v4().to_string()))
            .filter(meta::Column::Key.eq(meta::USERS_VERSION))
            .exec(&self.txn)
            .await
            .map_err(db_err)?;
        let rows: Vec<_> = match &changed {
            Changed::Users(users) => users.iter().map(|&user| Some(user)).collect(),
            Changed::Everyone => vec![None],
        };
        if !rows.is_empty() {
            change::Entity::insert_many(rows.into_iter().map(|user| change::ActiveModel {
                user_id: Set(user),
                ..Default::default()
            }))
            .exec_without_returning(&self.txn)
            .await
            .map_err(db_err)?;
        }
        let mut long = Vec::new();
        match changed {
            Changed::Users(_) => {
                for (sorted, key, by) in &self.moves {
                    let start = runs::shift(&self.txn, *sorted, key, *by, self.store.run)
                        .await
                        .map_err(db_err)?;
                    long.extend(start.map(|start| (*sorted, start)));
                }
            }
            Changed::Everyone => runs::rebuild(&self.txn, self.store.run)
                .await
                .map_err(db_err)?,
        }
        self.txn.commit().await.map_err(db_err)?;
        self.store.cache.written();
        for sorted in Sorted::ALL {
            let starts: Vec<Key> = long
                .iter()
                .filter(|(of, _)| *of == sorted)
                .map(|(_, start)| start.clone())
                .collect();
            if starts.is_empty() {
                continue;
            }
            // After the commit, which stands whether or not the split succeeds.
            if let Err(error) = runs::split(&self.store.db, sorted, starts, self.store.run).await {
                tracing::warn!(%error, "splitting a run of users failed");
            }
        }
        if COMMITS
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(PRUNE_EVERY)
        {
            // Housekeeping after the commit, which stands whether or not it succeeds.
            if let Err(error) = prune(self.store).await {
                tracing::warn!(%error, "pruning the change log failed");
            }
        }
        Ok(())
    }
}

/// Deletes the log's rows but its newest [`KEPT`]: an instance further behind than that
/// forgets what it holds.
async fn prune(store: &Store) -> Result<()> {
    let newest = newest(&store.db).await?;
    let Some(before) = i64::try_from(newest).ok().and_then(|n| n.checked_sub(KEPT)) else {
        return Ok(());
    };
    change::Entity::delete_many()
        .filter(change::Column::Seq.lte(before))
        .exec(&store.db)
        .await
        .map_err(db_err)?;
    Ok(())
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
