//! Test scaffolding for Roster's crates: fresh, empty databases, one per call, on each
//! configured backend, and the macros that run a test on each of them.
//!
//! PostgreSQL and MySQL are used when `ROSTER_TEST_POSTGRES_URL` / `ROSTER_TEST_MYSQL_URL`
//! name a server and a database to connect to for administration; each test then gets a
//! database of its own. Databases left by earlier test processes are dropped on first use.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

pub use roster_db::Backend;
use roster_db::Store;

/// A database URL for one test; SQLite files are removed when it is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    pub backend: Backend,
    sqlite_path: Option<std::path::PathBuf>,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(path) = &self.sqlite_path {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

const PREFIX: &str = "roster_t_";

/// Declares each listed `async fn` as three tests, `sqlite`, `postgres` and `mysql`, each
/// calling `$run(backend, the_fn)`; `$run` gives the fn its fixture.
///
/// The `postgres` and `mysql` tests are ignored, and say which variable enables them,
/// unless the calling crate was built with `cfg(roster_postgres)` / `cfg(roster_mysql)`:
/// a build script sets them when `ROSTER_TEST_POSTGRES_URL` / `ROSTER_TEST_MYSQL_URL` are
/// (see `crates/adapter-db/build.rs`, which each crate using them names as its build
/// script).
#[macro_export]
macro_rules! on_every_backend {
    ($run:path; $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() { $run($crate::Backend::Sqlite, super::$name).await }
            $crate::on_server_backends!(@tests $run; $name);
        }
    )*};
}

/// As [`on_every_backend!`], for tests that need a database server: `postgres` and `mysql`
/// only.
#[macro_export]
macro_rules! on_server_backends {
    (@tests $run:path; $name:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        #[cfg_attr(not(roster_postgres), ignore = "set ROSTER_TEST_POSTGRES_URL to run it")]
        async fn postgres() { $run($crate::Backend::Postgres, super::$name).await }
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        #[cfg_attr(not(roster_mysql), ignore = "set ROSTER_TEST_MYSQL_URL to run it")]
        async fn mysql() { $run($crate::Backend::MySql, super::$name).await }
    };
    ($run:path; $($name:ident),* $(,)?) => {$(
        mod $name {
            $crate::on_server_backends!(@tests $run; $name);
        }
    )*};
}

/// Runs `test` with `backend`, for tests that set up their own database: the runner of
/// [`on_every_backend!`] and [`on_server_backends!`] for them.
pub async fn with_backend<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Backend) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    test(backend).await;
}

/// Runs `test` on a migrated, empty store of `backend`, or skips an unconfigured server.
///
/// # Panics
/// When the store cannot be opened, migrated or closed.
pub async fn with_store<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Some(db) = fresh(backend).await else {
        eprintln!("skipped: {backend:?} is not configured");
        return;
    };
    let store = Store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    test(store.clone()).await;
    store.close().await.expect("close");
}

/// SQLite's own verdict on a database file: `ok` when it is sound.
///
/// # Panics
/// When the database cannot be opened or queried.
pub async fn sqlite_integrity(url: &str) -> String {
    let db = Database::connect(url).await.expect("open the SQLite file");
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DatabaseBackend::Sqlite,
            "PRAGMA integrity_check",
        ))
        .await
        .expect("integrity_check runs")
        .expect("integrity_check answers");
    let verdict = row.try_get_by_index::<String>(0).expect("a text verdict");
    let _ = db.close().await;
    verdict
}

/// The admin URL of a configured server backend, if any.
pub fn server_url(backend: Backend) -> Option<String> {
    let var = match backend {
        Backend::Sqlite => return None,
        Backend::Postgres => "ROSTER_TEST_POSTGRES_URL",
        Backend::MySql => "ROSTER_TEST_MYSQL_URL",
    };
    std::env::var(var).ok().filter(|url| !url.is_empty())
}

/// A new empty database, or `None` when `backend` is a server that is not configured.
///
/// # Panics
/// When a configured server cannot be reached: a configured backend must not be skipped.
pub async fn fresh(backend: Backend) -> Option<TestDatabase> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = format!("{PREFIX}{}_{n}", std::process::id());
    if backend == Backend::Sqlite {
        let path =
            std::env::temp_dir().join(format!("{name}_{}.db", uuid::Uuid::new_v4().simple()));
        return Some(TestDatabase {
            url: format!("sqlite://{}?mode=rwc", path.display()),
            backend,
            sqlite_path: Some(path),
        });
    }
    let admin_url = server_url(backend)?;
    let admin = Database::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("cannot reach {backend:?} at {admin_url}: {e}"));
    sweep_once(&admin, backend).await;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap_or_else(|e| panic!("cannot create a test database on {backend:?}: {e}"));
    let _ = admin.close().await;
    Some(TestDatabase {
        url: with_database(&admin_url, &name),
        backend,
        sqlite_path: None,
    })
}

/// Replaces the database name in a server URL, keeping any query string.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Drops the test databases of earlier processes, once per process and backend.
async fn sweep_once(admin: &DatabaseConnection, backend: Backend) {
    static PG: AtomicBool = AtomicBool::new(false);
    static MY: AtomicBool = AtomicBool::new(false);
    let flag = if backend == Backend::Postgres {
        &PG
    } else {
        &MY
    };
    if flag.swap(true, Ordering::SeqCst) {
        return;
    }
    let list = match backend {
        Backend::Postgres => {
            format!("SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'")
        }
        _ => format!(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE '{PREFIX}%'"
        ),
    };
    let mine = format!("{PREFIX}{}_", std::process::id());
    let Ok(rows) = admin
        .query_all_raw(sea_orm::Statement::from_string(
            admin.get_database_backend(),
            list,
        ))
        .await
    else {
        return;
    };
    for row in rows {
        let Ok(name) = row.try_get_by_index::<String>(0) else {
            continue;
        };
        if name.starts_with(&mine) {
            continue;
        }
        let drop = match backend {
            Backend::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            _ => format!("DROP DATABASE IF EXISTS {name}"),
        };
        let _ = admin.execute_unprepared(&drop).await;
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn swaps_the_database_name_only() {
        assert_eq!(
            with_database("postgres://u@127.0.0.1:5432/test?sslmode=disable", "x"),
            "postgres://u@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("mysql://root@localhost", "x"),
            "mysql://root@localhost/x"
        );
    }
}
