//! Why the database cannot serve, as the 503 tells it: a pool whose every connection is in
//! use, or a database that refuses more connections.

use std::time::Duration;

use roster_db::test_hooks::hold_connection;
use roster_db::{Backend, Store, StoreOptions};
use roster_domain::Error;
use roster_domain::ports::UserRepository;
use roster_test_support::{fresh, server_url};

fn options(pool_size: u32) -> StoreOptions {
    let mut options = StoreOptions::default();
    options.pool_size = pool_size;
    options.timeout = Duration::from_millis(300);
    options
}

async fn a_full_pool_is_reported_as_exhausted(backend: Backend) {
    let Some(db) = fresh(backend).await else {
        eprintln!("skipped: {backend:?} is not configured");
        return;
    };
    let store = Store::connect_with(&db.url, options(1)).await.unwrap();
    store.migrate().await.unwrap();
    let held = hold_connection(&store).await;
    // Past the users version kept in memory: the read needs a connection.
    tokio::time::sleep(Duration::from_millis(10)).await;
    match store.stats().await {
        Err(Error::Unavailable { reason, .. }) => {
            assert!(reason.contains("pool exhausted"), "{reason}")
        }
        other => panic!("{backend:?}: {other:?}"),
    }
    drop(held);
    store.stats().await.unwrap();
    store.close().await.unwrap();
}

/// MariaDB refuses an account past its `MAX_USER_CONNECTIONS` with error 1226: every
/// request then fails at once, and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(roster_mysql), ignore = "set ROSTER_TEST_MYSQL_URL to run it")]
async fn mysql_too_many_connections() {
    let (Some(db), Some(admin_url)) = (fresh(Backend::MySql).await, server_url(Backend::MySql))
    else {
        eprintln!("skipped: MySql is not configured");
        return;
    };
    let admin = Store::connect(&admin_url).await.unwrap();
    let account = format!("roster_limited_{}", std::process::id());
    let database = db.url.rsplit('/').next().unwrap().to_owned();
    for host in ["localhost", "127.0.0.1", "%"] {
        for sql in [
            format!("DROP USER IF EXISTS '{account}'@'{host}'"),
            format!("CREATE USER '{account}'@'{host}' WITH MAX_USER_CONNECTIONS 1"),
            format!("GRANT ALL ON {database}.* TO '{account}'@'{host}'"),
        ] {
            roster_db::test_hooks::execute_unstamped(&admin, &sql).await;
        }
    }
    let migrated = Store::connect(&db.url).await.unwrap();
    migrated.migrate().await.unwrap();
    migrated.close().await.unwrap();

    let (scheme, rest) = db.url.split_once("://").unwrap();
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let url = format!("{scheme}://{account}@{host}");
    let store = Store::connect_with(&url, options(4)).await.unwrap();
    // The pool takes its first connection back in a task of its own: wait for it, lest the
    // hold below open a second one.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let held = hold_connection(&store).await;
    tokio::time::sleep(Duration::from_millis(10)).await;
    match store.stats().await {
        Err(Error::Unavailable { reason, .. }) => {
            assert!(reason.contains("too many connections"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    drop(held);
    store.close().await.unwrap();
    for host in ["localhost", "127.0.0.1", "%"] {
        let sql = format!("DROP USER IF EXISTS '{account}'@'{host}'");
        roster_db::test_hooks::execute_unstamped(&admin, &sql).await;
    }
    admin.close().await.unwrap();
}

/// A statement that runs past the timeout while nothing else runs is no outage: the
/// database answers a ping meanwhile, so the statement may go on (up to five times the
/// timeout).
async fn a_slow_statement_alone_is_no_outage(backend: Backend) {
    let sleep = match backend {
        Backend::Postgres => "SELECT pg_sleep(0.9)",
        _ => "SELECT SLEEP(0.9)",
    };
    let Some(db) = fresh(backend).await else {
        eprintln!("skipped: {backend:?} is not configured");
        return;
    };
    let store = Store::connect_with(&db.url, options(4)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    roster_db::test_hooks::execute_unstamped(&store, sleep).await;
    store.close().await.unwrap();
}

roster_test_support::on_every_backend!(
    roster_test_support::with_backend;
    a_full_pool_is_reported_as_exhausted,
);

roster_test_support::on_server_backends!(
    roster_test_support::with_backend;
    a_slow_statement_alone_is_no_outage,
);
