//! What tests need from inside the store, and nothing else may use: behind the
//! `test-hooks` feature. Scaffolding that needs no more than the public API lives in
//! `roster-test-support`.

use roster_domain::ports::FailureWindow;
use sea_orm::{ConnectionTrait, EntityTrait};

use crate::deadline::Txn;
use crate::entities::login_failure;
use crate::query::unique;
use crate::runs::{Counts, Sorted};
use crate::throttle::to_window;
use crate::{Store, StoreOptions};

/// A store on `url` on a host whose clock runs ten minutes fast.
///
/// # Panics
/// When the store cannot be opened.
pub async fn connect_ten_minutes_fast(url: &str) -> Store {
    fn fast() -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now() + chrono::TimeDelta::minutes(10)
    }
    Store::connect_on_host_clock(url, StoreOptions::default(), fast)
        .await
        .expect("connect")
}

/// A pool connection taken out of use, in an open transaction, until it is dropped.
pub struct HeldConnection(#[allow(dead_code)] Txn);

/// Takes one of the store's pool connections out of use until the result is dropped.
///
/// # Panics
/// When no connection can be had.
pub async fn hold_connection(store: &Store) -> HeldConnection {
    HeldConnection(store.db.begin().await.expect("a connection"))
}

/// Runs `sql` on the store's database behind its back: no change is logged, so the
/// copies the store keeps in memory go on being served, and a test can tell them from reads.
///
/// # Panics
/// When the statement fails.
pub async fn execute_unstamped(store: &Store, sql: &str) {
    store
        .db
        .execute_unprepared(sql)
        .await
        .expect("the statement runs");
}

/// The failure window of `key`, if any attempt was counted.
///
/// # Panics
/// When the store cannot be read.
pub async fn failure_window(store: &Store, key: &str) -> Option<FailureWindow> {
    let row = unique(login_failure::Entity::find_by_id(key.to_owned()), &store.db)
        .await
        .expect("the failure counters can be read");
    row.as_ref().map(to_window)
}

impl Store {
    /// This store, cutting the paged lists' counts into runs of `run` users (see
    /// `runs.rs`), so that a few users split and empty runs.
    #[must_use]
    pub fn with_runs_of(mut self, run: u64) -> Self {
        self.run = run;
        self
    }
}

/// How many users each run of the order by name (`by_name`) or by creation holds, in order.
///
/// # Panics
/// When the runs cannot be read.
pub async fn runs_of(store: &Store, by_name: bool) -> Vec<u64> {
    let sorted = if by_name {
        Sorted::ByName
    } else {
        Sorted::ByCreation
    };
    Counts::read(&store.db, sorted)
        .await
        .expect("the runs can be read")
        .sizes()
}

/// The ids on a page of the whole users list and its count, as the runs place and count
/// them; `None` when the store would page by `OFFSET` instead.
///
/// # Panics
/// When the store cannot be read.
pub async fn paged_by_runs(
    store: &Store,
    page: &roster_domain::PageRequest<roster_domain::UserOrder>,
) -> Option<(u64, Vec<uuid::Uuid>)> {
    let (count, rows) = store.page_of_everyone(page).await.expect("a page")?;
    Some((count, rows.iter().map(|row| row.id).collect()))
}
