//! Two stores on one database, as two instances of the server would be: what one writes,
//! the other serves once [`CACHE_WINDOW`] has passed, although both keep users and sessions
//! in memory; the store that wrote serves it at once.

use std::collections::BTreeSet;

use chrono::{Duration, SubsecRound, Utc};
use roster_db::test_hooks::paged_by_runs;
use roster_db::{CACHE_WINDOW, Store};
use roster_domain::ports::{SessionStore, UserRepository};
use roster_domain::{
    EndSessions, PageRequest, Role, TokenHash, User, UserId, UserKey, UserOrder, UserPatch,
    Username,
};
use roster_test_support::fresh;

roster_test_support::on_every_backend!(
    crate::two_stores;
    a_user_changed_elsewhere_is_served_changed_within_the_window,
    a_session_revoked_elsewhere_is_refused_within_the_window,
    a_purge_is_refused_by_expiry_and_drops_nothing_from_memory,
    a_write_to_one_user_leaves_the_others_in_memory,
    pages_count_users_added_elsewhere_within_the_window,
);

async fn two_stores<F, Fut>(backend: roster_db::Backend, test: F)
where
    F: FnOnce(Store, Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let Some(db) = fresh(backend).await else {
        eprintln!("skipped: {backend:?} is not configured");
        return;
    };
    let first = Store::connect(&db.url).await.expect("connect");
    first.migrate().await.expect("migrate");
    let second = Store::connect(&db.url).await.expect("connect");
    test(first.clone(), second.clone()).await;
    first.close().await.expect("close");
    second.close().await.expect("close");
}

fn user(name: &str, role: Role) -> User {
    let now = Utc::now().trunc_subsecs(6);
    User {
        email: None,
        id: UserId::new(),
        username: Username::parse(name).unwrap(),
        password_hash: "$argon2id$fake".into(),
        role,
        servers: BTreeSet::from(["fs".to_owned()]),
        groups: BTreeSet::new(),
        created_at: now,
        updated_at: now,
    }
}

/// Waits out the time another instance may serve what it had before a write.
async fn window() {
    tokio::time::sleep(CACHE_WINDOW).await;
}

async fn a_user_changed_elsewhere_is_served_changed_within_the_window(first: Store, second: Store) {
    let alice = first.insert(user("alice", Role::User)).await.unwrap();
    let by_name = UserKey::Name("ALICE".into());
    assert_eq!(second.stats().await.unwrap().per_server["fs"], 1);
    for _ in 0..2 {
        // Twice: the second read is served from memory.
        let seen = second.find(&by_name).await.unwrap().unwrap();
        assert_eq!(seen.servers, alice.servers);
    }
    let patch = UserPatch {
        servers: Some(BTreeSet::from(["web".to_owned()])),
        role: Some(Role::ViewOnly),
        ..UserPatch::default()
    };
    first
        .update(alice.id, patch, EndSessions::No, Utc::now())
        .await
        .unwrap();
    let seen = first.find(&by_name).await.unwrap().unwrap();
    assert_eq!(
        seen.role,
        Role::ViewOnly,
        "the writer sees its write at once"
    );
    window().await;
    let seen = second.find(&UserKey::Id(alice.id)).await.unwrap().unwrap();
    assert_eq!(seen.role, Role::ViewOnly);
    let seen = second.find(&by_name).await.unwrap().unwrap();
    assert_eq!(seen.servers, BTreeSet::from(["web".to_owned()]));

    first.delete(alice.id, Utc::now()).await.unwrap();
    assert_eq!(first.stats().await.unwrap().total, 0);
    window().await;
    assert_eq!(second.stats().await.unwrap().total, 0);
    assert_eq!(second.find(&by_name).await.unwrap(), None);
    assert_eq!(second.find(&UserKey::Id(alice.id)).await.unwrap(), None);
}

async fn a_session_revoked_elsewhere_is_refused_within_the_window(first: Store, second: Store) {
    let admin = first.insert(user("root", Role::Admin)).await.unwrap();
    let (logged_out, demoted) = (TokenHash([1; 32]), TokenHash([2; 32]));
    let now = Utc::now().trunc_subsecs(6);
    for token in [&logged_out, &demoted] {
        let hash = &admin.password_hash;
        let opened = first.create(token, admin.id, hash, now, now + Duration::hours(1));
        assert!(opened.await.unwrap());
    }
    // Another admin, so that the first may be demoted.
    first.insert(user("other", Role::Admin)).await.unwrap();
    for token in [&logged_out, &demoted] {
        let seen = second.principal(token, Utc::now()).await.unwrap().unwrap();
        assert_eq!(seen.role, Role::Admin);
    }

    first.revoke(&logged_out).await.unwrap();
    window().await;
    assert_eq!(
        second.principal(&logged_out, Utc::now()).await.unwrap(),
        None
    );

    let demotion = UserPatch {
        role: Some(Role::User),
        ..UserPatch::default()
    };
    first
        .update(admin.id, demotion, EndSessions::No, Utc::now())
        .await
        .unwrap();
    window().await;
    let seen = second
        .principal(&demoted, Utc::now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen.role, Role::User, "a demotion takes effect");

    // A cached session still ends when it expires.
    assert_eq!(
        second
            .principal(&demoted, now + Duration::hours(2))
            .await
            .unwrap(),
        None
    );
}

async fn a_purge_is_refused_by_expiry_and_drops_nothing_from_memory(first: Store, second: Store) {
    let carol = first.insert(user("carol", Role::User)).await.unwrap();
    let token = TokenHash([3; 32]);
    let now = Utc::now().trunc_subsecs(6);
    let hash = &carol.password_hash;
    let opened = first.create(&token, carol.id, hash, now, now + Duration::hours(1));
    assert!(opened.await.unwrap());
    assert!(second.principal(&token, now).await.unwrap().is_some());
    second.find(&UserKey::Id(carol.id)).await.unwrap().unwrap();
    let sql = "UPDATE users SET role = 'admin' WHERE username_key = 'carol'";
    roster_db::test_hooks::execute_unstamped(&first, sql).await;

    let later = now + Duration::hours(2);
    assert_eq!(first.purge_expired(later).await.unwrap(), 1);
    window().await;
    assert_eq!(
        second.principal(&token, later).await.unwrap(),
        None,
        "as of the purge's time, the session has expired everywhere"
    );
    let seen = second.find(&UserKey::Id(carol.id)).await.unwrap().unwrap();
    assert_eq!(seen.role, Role::User, "the purge made nothing stale");
}

async fn a_write_to_one_user_leaves_the_others_in_memory(first: Store, second: Store) {
    let alice = first.insert(user("alice", Role::User)).await.unwrap();
    let bob = first.insert(user("bob", Role::User)).await.unwrap();
    let token = TokenHash([4; 32]);
    let now = Utc::now().trunc_subsecs(6);
    let hash = &bob.password_hash;
    let opened = first.create(&token, bob.id, hash, now, now + Duration::hours(1));
    assert!(opened.await.unwrap());
    for store in [&first, &second] {
        store.find(&UserKey::Id(alice.id)).await.unwrap().unwrap();
        store.find(&UserKey::Id(bob.id)).await.unwrap().unwrap();
        store.principal(&token, Utc::now()).await.unwrap().unwrap();
    }
    // Behind the stores' backs, so that only a read of the database can see it.
    let sql = "UPDATE users SET role = 'admin' WHERE username_key IN ('alice', 'bob')";
    roster_db::test_hooks::execute_unstamped(&first, sql).await;

    let patch = UserPatch {
        servers: Some(BTreeSet::from(["web".to_owned()])),
        ..UserPatch::default()
    };
    let now = Utc::now();
    first
        .update(alice.id, patch, EndSessions::No, now)
        .await
        .unwrap();
    window().await;
    for store in [&first, &second] {
        let seen = store.find(&UserKey::Id(alice.id)).await.unwrap().unwrap();
        assert_eq!(seen.role, Role::Admin, "the written user is read again");
        let seen = store.find(&UserKey::Id(bob.id)).await.unwrap().unwrap();
        assert_eq!(seen.role, Role::User, "another user stays in memory");
        let seen = store.principal(&token, Utc::now()).await.unwrap().unwrap();
        assert_eq!(
            seen.role,
            Role::User,
            "another user's session stays in memory"
        );
    }

    first.revoke(&token).await.unwrap();
    window().await;
    for store in [&first, &second] {
        assert_eq!(store.principal(&token, Utc::now()).await.unwrap(), None);
        let seen = store.find(&UserKey::Id(bob.id)).await.unwrap().unwrap();
        assert_eq!(
            seen.role,
            Role::Admin,
            "a revoked session's user is read again"
        );
    }

    // What docs/operations.md tells an operator to run after a change made in SQL, in one
    // transaction.
    let version = uuid::Uuid::new_v4();
    let sql = format!(
        "BEGIN; \
         UPDATE users SET role = 'view-only' WHERE username_key = 'bob'; \
         UPDATE roster_meta SET value = '{version}' WHERE roster_meta.key = 'users-version'; \
         INSERT INTO roster_changes (user_id) VALUES (NULL); \
         COMMIT"
    );
    roster_db::test_hooks::execute_unstamped(&first, &sql).await;
    window().await;
    for store in [&first, &second] {
        let seen = store.find(&UserKey::Id(bob.id)).await.unwrap().unwrap();
        assert_eq!(
            seen.role,
            Role::ViewOnly,
            "a change of everyone is read again"
        );
    }

    // The version moved and the log names nothing (an instance of an earlier release
    // wrote): everything is read afresh.
    let version = uuid::Uuid::new_v4();
    for sql in [
        "UPDATE users SET role = 'user' WHERE username_key = 'bob'".to_owned(),
        format!(
            "UPDATE roster_meta SET value = '{version}' WHERE roster_meta.key = 'users-version'"
        ),
    ] {
        roster_db::test_hooks::execute_unstamped(&first, &sql).await;
    }
    window().await;
    for store in [&first, &second] {
        let seen = store.find(&UserKey::Id(bob.id)).await.unwrap().unwrap();
        assert_eq!(seen.role, Role::User, "an unlogged change is read again");
    }
}

async fn pages_count_users_added_elsewhere_within_the_window(first: Store, second: Store) {
    let page = || PageRequest::new(Some(1), Some(10), None, UserOrder::Username, false).unwrap();
    let names = |page: roster_domain::Page<User>| -> Vec<String> {
        page.items.iter().map(|u| u.username.to_string()).collect()
    };
    first.insert(user("bob", Role::User)).await.unwrap();
    assert_eq!(names(first.page(&page()).await.unwrap()), ["bob"]);
    second.insert(user("alice", Role::User)).await.unwrap();
    window().await;
    let (count, ids) = paged_by_runs(&first, &page())
        .await
        .expect("placed by the runs");
    assert_eq!(count, 2, "the runs kept in memory are read again");
    let seen = first.page(&page()).await.unwrap();
    assert_eq!(names(seen), ["alice", "bob"]);
    assert_eq!(ids.len(), 2);
}
