//! Roster's storage on sea-orm: one code path for SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! [`Store`] implements the domain's storage ports; [`Store::connect`] opens a database by
//! URL and [`Store::migrate`] brings its schema up to date.

mod api_keys;
#[cfg(feature = "bulk")]
mod bulk;
mod cache;
mod change;
mod change_log;
mod clock;
mod connect;
mod counts;
mod deadline;
mod entities;
mod error;
mod freshness;
mod lane;
mod migration;
mod query;
mod runs;
mod sessions;
mod teams;
mod throttle;
mod users;
mod websites;

#[cfg(feature = "test-hooks")]
pub mod test_hooks;

pub use clock::DatabaseClock;
pub use connect::{Backend, Store, StoreOptions};
/// How long a write through one instance may go unseen by the others' caches.
pub use freshness::WINDOW as CACHE_WINDOW;
