//! Instances whose hosts' clocks disagree by ten minutes still agree on time: the
//! database's. SQLite is left out: its instances share a host, and so a clock.

use std::collections::BTreeSet;

use chrono::Duration;
use roster_db::test_hooks::connect_ten_minutes_fast;
use roster_db::{Backend, Store};
use roster_domain::ports::{Clock, SessionStore, UserRepository};
use roster_domain::{Role, TokenHash, User, UserId, Username};
use roster_test_support::fresh;

async fn a_fast_host_neither_stretches_nor_purges_sessions(backend: Backend) {
    let Some(db) = fresh(backend).await else {
        eprintln!("skipped: {backend:?} is not configured");
        return;
    };
    let right = Store::connect(&db.url).await.expect("connect");
    right.migrate().await.expect("migrate");
    let fast = connect_ten_minutes_fast(&db.url).await;
    let drift = (fast.clock().now() - right.clock().now()).abs();
    assert!(drift < Duration::seconds(1), "the clocks differ by {drift}");

    let now = right.clock().now();
    let user = User {
        email: None,
        id: UserId::new(),
        username: Username::parse("alice").unwrap(),
        password_hash: "$argon2id$fake".into(),
        role: Role::User,
        servers: BTreeSet::new(),
        groups: BTreeSet::new(),
        created_at: now,
        updated_at: now,
    };
    let user = right.insert(user).await.unwrap();
    let (on_right, on_fast) = (TokenHash([1; 32]), TokenHash([2; 32]));
    let hash = &user.password_hash;
    let ttl = Duration::minutes(1);
    let now = right.clock().now();
    assert!(
        right
            .create(&on_right, user.id, hash, now, now + ttl)
            .await
            .unwrap()
    );
    let now = fast.clock().now();
    assert!(
        fast.create(&on_fast, user.id, hash, now, now + ttl)
            .await
            .unwrap()
    );

    // The fast host's purge leaves the other host's live session alone.
    fast.purge_expired(fast.clock().now()).await.unwrap();
    let seen = right
        .principal(&on_right, right.clock().now())
        .await
        .unwrap();
    assert!(seen.is_some(), "a live session was purged");

    // A session from the fast host lives its lifetime on the other, not ten minutes more.
    let later = right.clock().now() + ttl + Duration::seconds(2);
    assert_eq!(right.principal(&on_fast, later).await.unwrap(), None);
    right.close().await.unwrap();
    fast.close().await.unwrap();
}

roster_test_support::on_server_backends!(
    roster_test_support::with_backend;
    a_fast_host_neither_stretches_nor_purges_sessions,
);
