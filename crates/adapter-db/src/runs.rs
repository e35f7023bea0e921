//! Runs: the users in each order a user list is paged in, cut into runs of consecutive
//! users, each stored as its first key and how many users it holds. The run a page starts
//! in is the one whose counts before it sum past the page's offset, and `OFFSET` then walks
//! that run alone, not the list: a million users are some two thousand rows to sum, read
//! once and kept in memory until a user changes (see `cache.rs`). Runs are split, never
//! merged: deletions leave shorter runs, as many as there were.
//!
//! Every commit that adds, removes or renames a user moves its run's count, under the
//! users-version lock that orders those commits (see `change.rs`), so the counts are exact
//! on every instance. Reads under that lock take run rows `FOR UPDATE`, which on MySQL also
//! reads past the transaction's snapshot. A run that grows past twice its size is split
//! after the commit, in a transaction of its own that takes the lock first.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, LockType, Order, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Value};
use uuid::Uuid;

use crate::deadline::Db;
use crate::entities::meta;

/// The users of a run after a split; runs hold up to twice as many before the next one.
pub(crate) const RUN: u64 = 500;

/// An order a user list is paged in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sorted {
    /// By the case-folded name.
    ByName,
    /// By creation time, then id.
    ByCreation,
}

/// A user's place in one order, as values to bind.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Key(Vec<Value>);

/// A run: its first key and how many users it holds.
type Run = (Key, i64);

impl Sorted {
    pub(crate) const ALL: [Self; 2] = [Self::ByName, Self::ByCreation];

    fn table(self) -> Alias {
        Alias::new(match self {
            Self::ByName => "user_name_runs",
            Self::ByCreation => "user_created_runs",
        })
    }

    /// The run table's key columns.
    fn starts(self) -> &'static [&'static str] {
        match self {
            Self::ByName => &["start_key"],
            Self::ByCreation => &["start_at", "start_id"],
        }
    }

    /// The users' columns the run keys copy.
    pub(crate) fn columns(self) -> &'static [&'static str] {
        match self {
            Self::ByName => &["username_key"],
            Self::ByCreation => &["created_at", "id"],
        }
    }

    /// The key of the user with these fields in this order.
    pub(crate) fn key(self, name_key: &str, created_at: DateTime<Utc>, id: Uuid) -> Key {
        Key(match self {
            Self::ByName => vec![name_key.into()],
            Self::ByCreation => vec![created_at.into(), id.into()],
        })
    }

    fn read(self, row: &QueryResult, columns: &[&str]) -> Result<Key, DbErr> {
        Ok(Key(match self {
            Self::ByName => vec![row.try_get::<String>("", columns[0])?.into()],
            Self::ByCreation => vec![
                row.try_get::<DateTime<Utc>>("", columns[0])?.into(),
                row.try_get::<Uuid>("", columns[1])?.into(),
            ],
        }))
    }
}

fn tuple(columns: &[&str]) -> Expr {
    Expr::tuple(columns.iter().map(|c| Expr::col(Alias::new(*c))))
}

fn values(key: &Key) -> Expr {
    Expr::tuple(key.0.iter().cloned().map(Expr::val))
}

/// `SELECT starts…, rows FROM runs`, ordered by key in `order`.
fn runs(sorted: Sorted, order: Order) -> SelectStatement {
    let mut select = Query::select();
    select.from(sorted.table()).column(Alias::new("n"));
    for start in sorted.starts() {
        select
            .column(Alias::new(*start))
            .order_by(Alias::new(*start), order.clone());
    }
    select
}

/// `SELECT columns… FROM users`, ordered by them.
fn user_keys(sorted: Sorted) -> SelectStatement {
    let mut select = Query::select();
    select.from(Alias::new("users"));
    for column in sorted.columns() {
        select
            .column(Alias::new(*column))
            .order_by(Alias::new(*column), Order::Asc);
    }
    select
}

/// `columns… >= key`.
pub(crate) fn from(backend: DbBackend, columns: &[&str], key: &Key) -> Expr {
    compare(backend, columns, key, false)
}

/// `columns… >= key`, or `<=` when `at_most`, as a range every planner reads off an index:
/// MySQL and MariaDB use an index for no row comparison but `=`, so there the two columns
/// of an order are compared one by one.
fn compare(backend: DbBackend, columns: &[&str], key: &Key, at_most: bool) -> Expr {
    if let (DbBackend::MySql, [first, second]) = (backend, columns) {
        let (a, b) = (
            Expr::col(Alias::new(*first)),
            Expr::col(Alias::new(*second)),
        );
        let (x, y) = (Expr::val(key.0[0].clone()), Expr::val(key.0[1].clone()));
        return if at_most {
            a.clone().lte(x.clone()).and(a.lt(x).or(b.lte(y)))
        } else {
            a.clone().gte(x.clone()).and(a.gt(x).or(b.gte(y)))
        };
    }
    let (columns, key) = (tuple(columns), values(key));
    if at_most {
        columns.lte(key)
    } else {
        columns.gte(key)
    }
}

async fn read_runs(
    db: &impl ConnectionTrait,
    sorted: Sorted,
    select: &SelectStatement,
) -> Result<Vec<Run>, DbErr> {
    let rows = db.query_all(select).await?;
    rows.iter()
        .map(|row| Ok((sorted.read(row, sorted.starts())?, row.try_get("", "n")?)))
        .collect()
}

async fn first_run(
    db: &impl ConnectionTrait,
    sorted: Sorted,
    mut select: SelectStatement,
) -> Result<Option<Run>, DbErr> {
    select.limit(1).lock(LockType::Update);
    Ok(read_runs(db, sorted, &select).await?.into_iter().next())
}

fn run_at(sorted: Sorted, start: &Key) -> Expr {
    tuple(sorted.starts()).eq(values(start))
}

async fn set_rows(
    db: &impl ConnectionTrait,
    sorted: Sorted,
    start: &Key,
    rows: i64,
) -> Result<(), DbErr> {
    let mut update = Query::update();
    update
        .table(sorted.table())
        .value(Alias::new("n"), rows)
        .and_where(run_at(sorted, start));
    db.execute(&update).await?;
    Ok(())
}

async fn insert_run(
    db: &impl ConnectionTrait,
    sorted: Sorted,
    start: &Key,
    rows: i64,
) -> Result<(), DbErr> {
    let mut insert = Query::insert();
    let mut columns: Vec<Alias> = sorted.starts().iter().map(|s| Alias::new(*s)).collect();
    columns.push(Alias::new("n"));
    let mut row: Vec<Expr> = start.0.iter().cloned().map(Expr::val).collect();
    row.push(Expr::val(rows));
    insert
        .into_table(sorted.table())
        .columns(columns)
        .values(row)
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    db.execute(&insert).await?;
    Ok(())
}

/// Moves the count of the run `key` falls in by `by`; run under the users-version lock.
/// Answers the run's start when it now holds more than two runs' users.
pub(crate) async fn shift(
    db: &impl ConnectionTrait,
    sorted: Sorted,
    key: &Key,
    by: i64,
    run: u64,
) -> Result<Option<Key>, DbErr> {
    let mut at_or_before = runs(sorted, Order::Desc);
    let backend = db.get_database_backend();
    at_or_before.and_where(compare(backend, sorted.starts(), key, true));
    let (start, rows) = match first_run(db, sorted, at_or_before).await? {
        Some(found) => found,
        None => match first_run(db, sorted, runs(sorted, Order::Asc)).await? {
            // Before every run: the first run now starts at the key, so that each run holds
            // exactly the keys from its start to the next run's.
            Some((first, rows)) => {
                let mut update = Query::update();
                update
                    .table(sorted.table())
                    .and_where(run_at(sorted, &first));
                for (column, value) in sorted.starts().iter().zip(&key.0) {
                    update.value(Alias::new(*column), value.clone());
                }
                db.execute(&update).await?;
                (key.clone(), rows)
            }
            None if by > 0 => {
                insert_run(db, sorted, key, by).await?;
                return Ok(None);
            }
            None => return Ok(None),
        },
    };
    let rows = rows + by;
    if rows > 0 {
        set_rows(db, sorted, &start, rows).await?;
    } else {
        // An empty run holds no key, so the run before it may as well hold its range.
        let mut delete = Query::delete();
        delete
            .from_table(sorted.table())
            .and_where(run_at(sorted, &start));
        db.execute(&delete).await?;
    }
    Ok((rows > 2 * run as i64).then_some(start))
}

/// Takes the users-version lock, which every commit that moves a run count takes.
async fn lock(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    meta::lock(db, meta::USERS_VERSION).await
}

/// The key of the user `skip` places after `start` in `sorted` order, if there is one.
async fn key_after(
    db: &impl ConnectionTrait,
    sorted: Sorted,
    start: &Key,
    skip: u64,
) -> Result<Option<Key>, DbErr> {
    let mut select = user_keys(sorted);
    select
        .and_where(from(db.get_database_backend(), sorted.columns(), start))
        .limit(1)
        .offset(skip);
    db.query_one(&select)
        .await?
        .map(|row| sorted.read(&row, sorted.columns()))
        .transpose()
}

/// Splits the runs starting at `starts` until none holds more than twice `run` users.
///
/// # Errors
/// The database's; the counts stay exact, only the runs stay long.
pub(crate) async fn split(
    db: &Db,
    sorted: Sorted,
    starts: Vec<Key>,
    run: u64,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    // First, so that MySQL's snapshot is taken after every commit that moved a count.
    lock(&txn).await?;
    for mut start in starts {
        loop {
            let mut this = runs(sorted, Order::Asc);
            this.and_where(run_at(sorted, &start));
            let Some((_, rows)) = first_run(&txn, sorted, this).await? else {
                break;
            };
            if rows <= 2 * run as i64 {
                break;
            }
            let Some(pivot) = key_after(&txn, sorted, &start, run).await? else {
                break;
            };
            insert_run(&txn, sorted, &pivot, rows - run as i64).await?;
            set_rows(&txn, sorted, &start, run as i64).await?;
            start = pivot;
        }
    }
    txn.commit().await
}

/// Counts every order's runs afresh from the users table: after a bulk load, a migration,
/// or SQL run by hand. Takes the users-version lock first, so that no commit moves a count
/// meanwhile.
///
/// # Errors
/// The database's.
pub(crate) async fn rebuild(db: &impl ConnectionTrait, run: u64) -> Result<(), DbErr> {
    lock(db).await?;
    let total: i64 = {
        let mut count = Query::select();
        count
            .from(Alias::new("users"))
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"));
        match db.query_one(&count).await? {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        }
    };
    for sorted in Sorted::ALL {
        let mut delete = Query::delete();
        delete.from_table(sorted.table());
        db.execute(&delete).await?;
        let mut first = user_keys(sorted);
        first.limit(1);
        let Some(row) = db.query_one(&first).await? else {
            continue;
        };
        let mut start = sorted.read(&row, sorted.columns())?;
        let mut left = total;
        while left > run as i64 {
            let Some(next) = key_after(db, sorted, &start, run).await? else {
                break;
            };
            insert_run(db, sorted, &start, run as i64).await?;
            left -= run as i64;
            start = next;
        }
        insert_run(db, sorted, &start, left).await?;
    }
    Ok(())
}

/// The runs of one order, as read for one page.
pub(crate) struct Counts {
    runs: Vec<(Key, u64)>,
    /// How many users there are.
    pub total: u64,
}

impl Counts {
    /// Reads the runs of `sorted`.
    ///
    /// # Errors
    /// The database's.
    pub(crate) async fn read(db: &impl ConnectionTrait, sorted: Sorted) -> Result<Self, DbErr> {
        let runs: Vec<(Key, u64)> = read_runs(db, sorted, &runs(sorted, Order::Asc))
            .await?
            .into_iter()
            .map(|(start, rows)| (start, count(rows)))
            .collect();
        let total = runs.iter().map(|(_, rows)| rows).sum();
        Ok(Self { runs, total })
    }

    /// How many users each run holds, in order.
    #[cfg(feature = "test-hooks")]
    pub(crate) fn sizes(&self) -> Vec<u64> {
        self.runs.iter().map(|(_, rows)| *rows).collect()
    }

    /// Where the `offset`-th user is: the start of its run and how many of the run's users
    /// come before it; `None` past the last user.
    pub(crate) fn find(&self, offset: u64) -> Option<(&Key, u64)> {
        let mut before = 0;
        for (start, rows) in &self.runs {
            if offset < before + rows {
                return Some((start, offset - before));
            }
            before += rows;
        }
        None
    }
}

fn count(rows: i64) -> u64 {
    u64::try_from(rows).unwrap_or_default()
}
