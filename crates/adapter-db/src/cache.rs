//! Users, sessions and the users-stats counts kept in memory between requests, checked
//! against a version that every change rewrites.
//!
//! Every transaction that changes a user, a grant or a session's validity stamps the
//! `users-version` row with a new random value. An entry is kept with the version read
//! before the entry itself was read, and served only while a recent read of the version
//! (see [`Freshness`] for how recent) still finds that value: a hot read costs no query of
//! its own, and a write on any instance is seen everywhere within a few milliseconds.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use quick_cache::sync::Cache;
use roster_domain::{Principal, Result, TokenHash, User, UserKey, UserStats, Username};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::Store;
use crate::clock::{self, Offset};
use crate::deadline::{Db, Txn};
use crate::entities::meta;
use crate::error::db_err;
use crate::freshness::Freshness;

/// Entries of each kind (a user takes two: by id and by name); past it the least useful
/// are dropped (S3-FIFO).
const CAPACITY: usize = 250_000;

#[derive(Clone, PartialEq, Eq, Hash)]
enum UserCacheKey {
    Id(Uuid),
    /// The case-folded name, as the unique index has it.
    Name(String),
}

pub(crate) struct ReadCache {
    freshness: Arc<Freshness>,
    users: Cache<UserCacheKey, (Uuid, Arc<User>)>,
    principals: Cache<[u8; 32], (Uuid, Principal, DateTime<Utc>)>,
    /// The counts users-stats last read, and their version.
    stats: Mutex<Option<(Uuid, UserStats)>>,
}

impl std::fmt::Debug for ReadCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache")
            .field("users", &self.users.len())
            .field("principals", &self.principals.len())
            .finish()
    }
}

impl ReadCache {
    pub(crate) fn new(db: Db, offset: Arc<Offset>) -> Self {
        let freshness = Freshness::new(Arc::new(move || {
            let (db, offset) = (db.clone(), offset.clone());
            Box::pin(async move { read_version(&db, &offset).await })
        }));
        Self {
            freshness,
            users: Cache::new(CAPACITY),
            principals: Cache::new(CAPACITY),
            stats: Mutex::default(),
        }
    }

    /// The version every entry served to this caller must carry.
    pub(crate) async fn version(&self) -> Result<Uuid> {
        self.freshness.current().await
    }

    pub(crate) fn user(&self, key: &UserKey, version: Uuid) -> Option<User> {
        let (stamp, user) = self.users.get(&user_key(key))?;
        (stamp == version).then(|| User::clone(&user))
    }

    pub(crate) fn keep_user(&self, version: Uuid, user: &User) {
        let user = Arc::new(user.clone());
        self.users
            .insert(UserCacheKey::Id(user.id.0), (version, user.clone()));
        self.users
            .insert(UserCacheKey::Name(user.username.key()), (version, user));
    }

    pub(crate) fn stats(&self, version: Uuid) -> Option<UserStats> {
        let kept = self.stats.lock().unwrap_or_else(PoisonError::into_inner);
        kept.as_ref()
            .filter(|(stamp, _)| *stamp == version)
            .map(|(_, stats)| stats.clone())
    }

    pub(crate) fn keep_stats(&self, version: Uuid, stats: &UserStats) {
        *self.stats.lock().unwrap_or_else(PoisonError::into_inner) = Some((version, stats.clone()));
    }

    pub(crate) fn principal(
        &self,
        token: &TokenHash,
        version: Uuid,
        now: DateTime<Utc>,
    ) -> Option<Principal> {
        let (stamp, principal, expires_at) = self.principals.get(&token.0)?;
        (stamp == version && expires_at > now).then_some(principal)
    }

    pub(crate) fn keep_principal(
        &self,
        version: Uuid,
        token: &TokenHash,
        principal: &Principal,
        expires_at: DateTime<Utc>,
    ) {
        self.principals
            .insert(token.0, (version, principal.clone(), expires_at));
    }
}

fn user_key(key: &UserKey) -> UserCacheKey {
    match key {
        UserKey::Id(id) => UserCacheKey::Id(id.0),
        UserKey::Name(name) => UserCacheKey::Name(Username::key_of(name)),
    }
}

/// Reads the users version, and the database's clock with it.
async fn read_version(db: &Db, offset: &Offset) -> Result<Uuid> {
    let backend = db.get_database_backend();
    let mut select = Query::select();
    select
        .column(meta::Column::Value)
        .from(meta::Entity)
        .and_where(meta::Column::Key.eq(meta::USERS_VERSION));
    let now = clock::now_sql(backend);
    if let Some(now) = now {
        select.expr_as(Expr::cust(now), "now");
    }
    let sent = offset.local_now();
    let row = db.query_one(&select).await.map_err(db_err)?;
    let Some(row) = row else {
        return parse_version("");
    };
    if now.is_some() {
        offset.record_row(backend, sent, &row).map_err(db_err)?;
    }
    parse_version(&row.try_get::<String>("", "value").map_err(db_err)?)
}

/// The users version as the `users-version` row holds it.
pub(crate) fn parse_version(value: &str) -> Result<Uuid> {
    Uuid::parse_str(value).map_err(|_| {
        roster_domain::Error::internal(format!("the users version {value:?} is not a UUID"))
    })
}

impl Store {
    /// Tells every instance on this database that users, grants or sessions changed behind
    /// the store's back (by SQL): each reads them afresh within [`crate::CACHE_WINDOW`].
    ///
    /// # Errors
    /// The store's.
    pub async fn mark_changed(&self) -> Result<()> {
        let txn = self.db.begin().await.map_err(db_err)?;
        self.commit_change(txn).await
    }

    /// Commits a transaction that changed users, grants or sessions. It stamps a new users
    /// version as the transaction's last statement, so that the row lock is held only until
    /// the commit; after the commit, this process's next reads wait for a fresh version.
    ///
    /// # Errors
    /// The store's errors; nothing is committed then.
    pub(crate) async fn commit_change(&self, txn: Txn) -> Result<()> {
        meta::Entity::update_many()
            .col_expr(meta::Column::Value, Expr::value(Uuid::new_v4().to_string()))
            .filter(meta::Column::Key.eq(meta::USERS_VERSION))
            .exec(&txn)
            .await
            .map_err(db_err)?;
        txn.commit().await.map_err(db_err)?;
        self.cache.freshness.written();
        Ok(())
    }
}
