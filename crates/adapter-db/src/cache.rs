//! Users, sessions, the users-stats counts and the users list's runs kept in memory between
//! requests, each dropped when the change log says its own user (for counts and runs: any
//! user) changed.
//!
//! An entry is kept with the log position of what it holds, and served only while a
//! recent read of the log (see [`Freshness`] for how recent) has found no change of its
//! user after that position (see [`change_log`]): a hot read costs no query of its own, a
//! write to one user leaves every other entry in place, and a write on any instance is
//! seen everywhere within a few milliseconds.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard};

use chrono::{DateTime, Utc};
use quick_cache::sync::Cache;
use roster_domain::{Principal, Result, TokenHash, User, UserKey, UserStats, Username};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait};
use uuid::Uuid;

use crate::change_log::{self, Changes};
use crate::clock::{self, Offset};
use crate::deadline::Db;
use crate::entities::meta;
use crate::error::db_err;
use crate::freshness::Freshness;
use crate::runs::{Counts, Sorted};

/// Entries of each kind (a user takes two: by id and by name); past it the least useful
/// are dropped (S3-FIFO).
const CAPACITY: usize = 250_000;

#[derive(Clone, PartialEq, Eq, Hash)]
enum UserCacheKey {
    Id(Uuid),
    /// The case-folded name, as the unique index has it.
    Name(String),
}

/// What was read, with the log position it was read at.
type Stamped<T> = (u64, T);

pub(crate) struct ReadCache {
    freshness: Arc<Freshness>,
    users: Cache<UserCacheKey, (u64, Arc<User>)>,
    principals: Cache<[u8; 32], (u64, Principal, DateTime<Utc>)>,
    /// The counts users-stats last read, and the log position they were read at.
    stats: Mutex<Option<Stamped<UserStats>>>,
    /// The runs of each order last read (by name, by creation), with their log positions.
    runs: [Mutex<Option<Stamped<Arc<Counts>>>>; 2],
    changes: Arc<RwLock<Changes>>,
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
        let changes = Arc::new(RwLock::default());
        let signal = Arc::new(Mutex::default());
        let freshness = Freshness::new(Arc::new({
            let changes = changes.clone();
            move || {
                let (db, offset) = (db.clone(), offset.clone());
                let (changes, signal) = (changes.clone(), signal.clone());
                Box::pin(async move { poll(&db, &offset, &changes, &signal).await })
            }
        }));
        Self {
            freshness,
            users: Cache::new(CAPACITY),
            principals: Cache::new(CAPACITY),
            stats: Mutex::default(),
            runs: Default::default(),
            changes,
        }
    }

    /// The log position read recently enough to answer this caller.
    pub(crate) async fn position(&self) -> Result<u64> {
        self.freshness.current().await
    }

    fn changes(&self) -> RwLockReadGuard<'_, Changes> {
        change_log::read(&self.changes)
    }

    /// A change was committed here: the next reads wait for a read of the log after it.
    pub(crate) fn written(&self) {
        self.freshness.written();
    }

    /// The user under `key`, from memory while they have not changed since, else from
    /// `load`, which answers the user with the log position read in the same statement.
    ///
    /// # Errors
    /// The log read's and `load`'s.
    pub(crate) async fn user_or(
        &self,
        key: &UserKey,
        load: impl Future<Output = Result<Option<(User, u64)>>>,
    ) -> Result<Option<User>> {
        self.position().await?;
        if let Some((stamp, user)) = self.users.get(&user_key(key))
            && self.changes().fresh(stamp, user.id.0)
        {
            return Ok(Some(User::clone(&user)));
        }
        Ok(self.loaded(load.await?))
    }

    /// A user just read from the database with its log position, kept for later reads.
    pub(crate) fn loaded(&self, found: Option<(User, u64)>) -> Option<User> {
        let (user, stamp) = found?;
        let kept = Arc::new(user.clone());
        self.users
            .insert(UserCacheKey::Id(user.id.0), (stamp, kept.clone()));
        self.users
            .insert(UserCacheKey::Name(user.username.key()), (stamp, kept));
        Some(user)
    }

    /// The users-stats counts, from memory while no user changed since, else from `load`.
    ///
    /// # Errors
    /// The log read's and `load`'s.
    pub(crate) async fn stats_or(
        &self,
        load: impl Future<Output = Result<UserStats>>,
    ) -> Result<UserStats> {
        self.whole_or(&self.stats, load).await
    }

    /// The runs of `sorted`, from memory while no user changed since, else from `load`. A
    /// run split since they were read leaves them true: only the sizes' sums are used.
    ///
    /// # Errors
    /// The log read's and `load`'s.
    pub(crate) async fn runs_or(
        &self,
        sorted: Sorted,
        load: impl Future<Output = Result<Counts>>,
    ) -> Result<Arc<Counts>> {
        let load = async { Ok(Arc::new(load.await?)) };
        self.whole_or(&self.runs[sorted as usize], load).await
    }

    /// What `slot` holds about every user, while no user changed since it was read, else
    /// from `load`, kept in `slot` with the log position read before it.
    async fn whole_or<T: Clone>(
        &self,
        slot: &Mutex<Option<Stamped<T>>>,
        load: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let position = self.position().await?;
        if let Some((stamp, kept)) = &*slot.lock().unwrap_or_else(PoisonError::into_inner)
            && self.changes().nothing_since(*stamp)
        {
            return Ok(kept.clone());
        }
        let read = load.await?;
        *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some((position, read.clone()));
        Ok(read)
    }

    /// The principal of an unexpired session, from memory while its user has not changed
    /// since, else from `load`, which answers it with the session's expiry.
    ///
    /// # Errors
    /// The log read's and `load`'s.
    pub(crate) async fn principal_or(
        &self,
        token: &TokenHash,
        now: DateTime<Utc>,
        load: impl Future<Output = Result<Option<(Principal, DateTime<Utc>)>>>,
    ) -> Result<Option<Principal>> {
        let position = self.position().await?;
        if let Some((stamp, principal, expires_at)) = self.principals.get(&token.0)
            && expires_at > now
            && self.changes().fresh(stamp, principal.id.0)
        {
            return Ok(Some(principal));
        }
        let Some((principal, expires_at)) = load.await? else {
            return Ok(None);
        };
        self.principals
            .insert(token.0, (position, principal.clone(), expires_at));
        Ok(Some(principal))
    }
}

fn user_key(key: &UserKey) -> UserCacheKey {
    match key {
        UserKey::Id(id) => UserCacheKey::Id(id.0),
        UserKey::Name(name) => UserCacheKey::Name(Username::key_of(name)),
    }
}

/// Reads the users version, and the database's clock with it; when the version is new,
/// reads the change log. Answers the newest log position read.
async fn poll(
    db: &Db,
    offset: &Offset,
    changes: &RwLock<Changes>,
    seen: &Mutex<Option<Uuid>>,
) -> Result<u64> {
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
        return Err(roster_domain::Error::internal(
            "the users-version row is missing",
        ));
    };
    if now.is_some() {
        offset.record_row(backend, sent, &row).map_err(db_err)?;
    }
    let version = parse_version(&row.try_get::<String>("", "value").map_err(db_err)?)?;
    let before = change_log::read(changes).newest();
    if *seen.lock().unwrap_or_else(PoisonError::into_inner) == Some(version) {
        return Ok(before);
    }
    let newest = change_log::catch_up(db, changes).await?;
    if newest == before {
        // Read after the version, the log would hold the rows of the commit that moved it.
        change_log::write(changes).unlogged_change();
    }
    *seen.lock().unwrap_or_else(PoisonError::into_inner) = Some(version);
    Ok(newest)
}

/// The users version as the `users-version` row holds it.
fn parse_version(value: &str) -> Result<Uuid> {
    Uuid::parse_str(value).map_err(|_| {
        roster_domain::Error::internal(format!("the users version {value:?} is not a UUID"))
    })
}
