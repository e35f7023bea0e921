//! Users, sessions and the users-stats counts kept in memory between requests, checked
//! against a version that every change rewrites.
//!
//! Every transaction that changes a user, a grant or a session's validity stamps the
//! `users-version` row with a new random value. An entry is kept with the version read
//! before the entry itself was read, and served only while a recent read of the version
//! (see [`Freshness`] for how recent) still finds that value: a hot read costs no query of
//! its own, and a write on any instance is seen everywhere within a few milliseconds.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use quick_cache::sync::Cache;
use roster_domain::{Principal, Result, TokenHash, User, UserKey, UserStats, Username};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait};
use uuid::Uuid;

use crate::clock::{self, Offset};
use crate::deadline::Db;
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

    /// A change was committed here: the next reads wait for a version read after it.
    pub(crate) fn written(&self) {
        self.freshness.written();
    }

    /// The user under `key`, from memory while the version it was read with is current,
    /// else from `load`, which answers the user with the version read in the same
    /// statement.
    ///
    /// # Errors
    /// The version read's and `load`'s.
    pub(crate) async fn user_or(
        &self,
        key: &UserKey,
        load: impl Future<Output = Result<Option<(User, Uuid)>>>,
    ) -> Result<Option<User>> {
        let version = self.version().await?;
        if let Some((stamp, user)) = self.users.get(&user_key(key))
            && stamp == version
        {
            return Ok(Some(User::clone(&user)));
        }
        Ok(self.loaded(load.await?))
    }

    /// A user just read from the database with its version, kept for later reads.
    pub(crate) fn loaded(&self, found: Option<(User, Uuid)>) -> Option<User> {
        let (user, version) = found?;
        let kept = Arc::new(user.clone());
        self.users
            .insert(UserCacheKey::Id(user.id.0), (version, kept.clone()));
        self.users
            .insert(UserCacheKey::Name(user.username.key()), (version, kept));
        Some(user)
    }

    /// The users-stats counts, from memory while current, else from `load`.
    ///
    /// # Errors
    /// The version read's and `load`'s.
    pub(crate) async fn stats_or(
        &self,
        load: impl Future<Output = Result<UserStats>>,
    ) -> Result<UserStats> {
        let version = self.version().await?;
        if let Some((stamp, stats)) = &*self.stats.lock().unwrap_or_else(PoisonError::into_inner)
            && *stamp == version
        {
            return Ok(stats.clone());
        }
        let stats = load.await?;
        *self.stats.lock().unwrap_or_else(PoisonError::into_inner) = Some((version, stats.clone()));
        Ok(stats)
    }

    /// The principal of an unexpired session, from memory while current, else from `load`,
    /// which answers it with the session's expiry.
    ///
    /// # Errors
    /// The version read's and `load`'s.
    pub(crate) async fn principal_or(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
        load: impl Future<Output = Result<Option<(Principal, DateTime<Utc>)>>>,
    ) -> Result<Option<Principal>> {
        let version = self.version().await?;
        if let Some((stamp, principal, expires_at)) = self.principals.get(&token.0)
            && stamp == version
            && expires_at > now
        {
            return Ok(Some(principal));
        }
        let Some((principal, expires_at)) = load.await? else {
            return Ok(None);
        };
        self.principals
            .insert(token.0, (version, principal.clone(), expires_at));
        Ok(Some(principal))
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
