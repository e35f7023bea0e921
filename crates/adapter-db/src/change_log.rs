//! What this instance has read of the change log: which users changed, and at which
//! position, so that a cached entry is dropped only when its own user changed after it was
//! read.
//!
//! Every committed change of users, grants or sessions adds a row per user it changed to
//! `roster_changes`, after locking the `users-version` row that it also rewrites: the
//! lock makes the rows' sequence numbers follow the order of the commits, so a reader that
//! sees one row sees every row before it. An entry is stamped with the log's position as
//! of the data it holds, and is fresh while no change of its user after that position has
//! been read.

use std::collections::{HashMap, VecDeque};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use roster_domain::Result;
use sea_orm::sea_query::{Expr, Func, FunctionCall, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::deadline::Db;
use crate::entities::change;
use crate::error::db_err;

/// Rows read per poll at most: an instance further behind forgets what it holds instead.
const BATCH: u64 = 1024;
/// The last change of this many users is remembered; past it the oldest are forgotten, and
/// with them every entry read before (see [`Changes::forget_oldest`]).
const REMEMBERED: usize = 100_000;
/// Rows kept in the log behind its newest, for instances that fall behind.
pub(crate) const KEPT: i64 = 10_000;

/// The changes read so far, as positions in the log.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    /// Every entry stamped before this is stale: what changed before it is not known.
    floor: u64,
    /// The newest position read; 0 before the first read.
    newest: u64,
    /// The position of each user's last change read, and the same in the order read.
    last: HashMap<Uuid, u64>,
    order: VecDeque<(u64, Uuid)>,
}

impl Changes {
    /// Whether an entry about `user`, stamped `stamp`, still holds what the database holds.
    pub(crate) fn fresh(&self, stamp: u64, user: Uuid) -> bool {
        stamp >= self.floor && self.last.get(&user).is_none_or(|&changed| changed <= stamp)
    }

    /// Whether something read at `stamp` (the users-stats counts) saw every change read.
    pub(crate) fn nothing_since(&self, stamp: u64) -> bool {
        stamp >= self.newest && stamp >= self.floor
    }

    pub(crate) fn newest(&self) -> u64 {
        self.newest
    }

    /// Takes in the rows after [`Self::newest`], in order; `oldest` is the first row the log
    /// still holds, which tells whether rows this instance never read were pruned.
    pub(crate) fn apply(&mut self, rows: &[(u64, Option<Uuid>)], oldest: u64) {
        if oldest > self.newest + 1 {
            self.forget_before(oldest - 1);
        }
        for &(seq, user) in rows {
            self.newest = self.newest.max(seq);
            match user {
                Some(user) => {
                    self.last.insert(user, seq);
                    self.order.push_back((seq, user));
                }
                None => self.forget_before(seq),
            }
        }
        if self.order.len() > REMEMBERED {
            self.forget_oldest(REMEMBERED / 4);
        }
    }

    /// Something changed that the log does not name (the version moved with no new row):
    /// everything read so far is stale, and so is what is read before the next row.
    pub(crate) fn unlogged_change(&mut self) {
        self.forget_before(self.newest + 1);
    }

    /// Starts over at `position`: everything read before it is stale.
    pub(crate) fn restart_at(&mut self, position: u64) {
        self.forget_before(position);
        self.newest = self.newest.max(position);
    }

    fn forget_before(&mut self, position: u64) {
        self.floor = self.floor.max(position);
        self.last.clear();
        self.order.clear();
    }

    /// Forgets the `count` oldest changes: an entry stamped before the last of them may be
    /// about one of their users, so it is stale.
    fn forget_oldest(&mut self, count: usize) {
        for (seq, user) in self.order.drain(..count.min(self.order.len())) {
            if self.last.get(&user) == Some(&seq) {
                self.last.remove(&user);
            }
            self.floor = self.floor.max(seq);
        }
    }
}

/// Reads the log after `after` into `changes`, and answers the newest position read.
///
/// # Errors
/// The database's.
pub(crate) async fn catch_up(db: &Db, changes: &RwLock<Changes>) -> Result<u64> {
    let after = read(changes).newest();
    if after == 0 {
        let newest = newest(db).await?;
        write(changes).restart_at(newest);
        return Ok(newest);
    }
    // With the log's oldest row, read in the same statement: a row this instance never
    // read may have been pruned.
    let rows: Vec<(i64, Option<Uuid>, i64)> = change::Entity::find()
        .select_only()
        .column(change::Column::Seq)
        .column(change::Column::UserId)
        .expr(extreme_expr(Func::min(Expr::col(change::Column::Seq))))
        .filter(change::Column::Seq.gt(after))
        .order_by_asc(change::Column::Seq)
        .limit(BATCH)
        .into_tuple()
        .all(db)
        .await
        .map_err(db_err)?;
    if rows.len() as u64 == BATCH {
        let newest = newest(db).await?;
        write(changes).restart_at(newest);
        return Ok(newest);
    }
    let oldest = rows.first().map_or(after, |row| position(row.2));
    let rows: Vec<_> = rows
        .into_iter()
        .map(|(seq, user, _)| (position(seq), user))
        .collect();
    let mut changes = write(changes);
    changes.apply(&rows, oldest);
    Ok(changes.newest())
}

/// The changes read so far: a panic elsewhere while they were locked left them whole.
pub(crate) fn read(changes: &RwLock<Changes>) -> RwLockReadGuard<'_, Changes> {
    changes.read().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn write(changes: &RwLock<Changes>) -> RwLockWriteGuard<'_, Changes> {
    changes.write().unwrap_or_else(PoisonError::into_inner)
}

/// The log's newest position, as a subquery a read can stamp its rows with.
pub(crate) fn newest_expr() -> Expr {
    extreme_expr(Func::max(Expr::col(change::Column::Seq)))
}

fn extreme_expr(func: FunctionCall) -> Expr {
    let select = Query::select().expr(func).from(change::Entity).to_owned();
    Expr::SubQuery(None, Box::new(select.into()))
}

pub(crate) async fn newest(db: &Db) -> Result<u64> {
    let row = db
        .query_one(Query::select().expr_as(newest_expr(), "seq"))
        .await
        .map_err(db_err)?;
    let seq: Option<i64> = match row {
        Some(row) => row.try_get("", "seq").map_err(db_err)?,
        None => None,
    };
    Ok(seq.map_or(0, position))
}

/// A sequence number as a position: they start at 1, and a negative one cannot occur.
pub(crate) fn position(seq: i64) -> u64 {
    u64::try_from(seq).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn read_up_to(newest: u64) -> Changes {
        let mut changes = Changes::default();
        changes.restart_at(newest);
        changes
    }

    #[test]
    fn a_change_makes_only_its_own_users_entries_stale() {
        let mut changes = read_up_to(10);
        changes.apply(&[(11, Some(user(1))), (12, Some(user(2)))], 1);
        assert!(!changes.fresh(10, user(1)));
        assert!(!changes.fresh(11, user(2)));
        assert!(changes.fresh(11, user(1)), "read after its change");
        assert!(changes.fresh(10, user(3)), "never changed");
        assert!(
            !changes.fresh(9, user(3)),
            "read before the instance's first position"
        );
        assert!(!changes.nothing_since(11));
        assert!(changes.nothing_since(12));
    }

    #[test]
    fn a_change_of_every_user_makes_every_older_entry_stale() {
        let mut changes = read_up_to(10);
        changes.apply(&[(11, Some(user(1))), (12, None)], 1);
        assert!(!changes.fresh(11, user(2)));
        assert!(changes.fresh(12, user(1)));
    }

    #[test]
    fn an_unlogged_change_makes_everything_stale_until_the_next_row() {
        let mut changes = read_up_to(10);
        changes.unlogged_change();
        assert!(!changes.fresh(10, user(1)));
        assert!(!changes.nothing_since(10));
        changes.apply(&[(11, Some(user(2)))], 1);
        assert!(changes.fresh(11, user(1)));
        assert!(changes.nothing_since(11));
    }

    #[test]
    fn rows_pruned_unread_make_every_older_entry_stale() {
        let mut changes = read_up_to(10);
        changes.apply(&[(40, Some(user(1)))], 40);
        assert!(!changes.fresh(38, user(2)));
        assert!(changes.fresh(39, user(2)));
        assert!(!changes.fresh(39, user(1)));
    }

    #[test]
    fn forgetting_old_changes_keeps_newer_ones() {
        let mut changes = read_up_to(0);
        let rows: Vec<_> = (1..=REMEMBERED as u64 + 1)
            .map(|seq| (seq, Some(user(u128::from(seq % 10)))))
            .collect();
        changes.apply(&rows, 1);
        let forgotten = (REMEMBERED / 4) as u64;
        assert!(!changes.fresh(forgotten - 1, user(5)), "before the floor");
        let newest = REMEMBERED as u64 + 1;
        assert!(!changes.fresh(newest - 1, user(u128::from(newest % 10))));
        assert!(changes.fresh(newest - 1, user(u128::from((newest + 1) % 10))));
        assert!(changes.order.len() <= REMEMBERED);
    }
}
