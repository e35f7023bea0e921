//! The storage ports against real databases: SQLite always, PostgreSQL and MySQL when
//! `ROSTER_TEST_POSTGRES_URL` / `ROSTER_TEST_MYSQL_URL` are set.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use roster_db::Store;
use roster_db::test_hooks::failure_window;
use roster_domain::ports::{LoginThrottle, SessionStore, ThrottleKeys, UserRepository};
use roster_domain::{
    Conflict, Email, EndSessions, Error, PageRequest, Role, TokenHash, User, UserId, UserKey,
    UserOrder, UserPatch, Username,
};

roster_test_support::on_every_backend!(
    roster_test_support::with_store;
    inserted_users_are_found_by_id_and_by_name_in_any_case,
    users_are_found_with_any_mix_of_grants,
    find_as_stored_now_reads_past_kept_copies_and_keeps_what_it_read,
    names_are_unique_case_insensitively,
    list_is_ordered_by_name_with_grants,
    update_changes_fields_replaces_grants_and_can_revoke_sessions,
    update_reports_unknown_users_and_taken_names,
    emails_are_stored_changed_and_removed,
    a_taken_id_is_told_from_a_taken_name,
    the_last_admin_can_be_neither_demoted_nor_deleted,
    delete_removes_grants_and_sessions,
    stats_are_aggregated_per_role_server_and_group,
    stats_follow_every_kind_of_change,
    sessions_resolve_until_they_expire_or_are_revoked,
    sessions_open_only_while_the_verified_hash_is_stored,
    hashes_are_replaced_only_while_the_verified_one_is_stored,
    login_attempts_count_within_a_window_until_a_success,
    concurrent_demotions_never_leave_zero_admins,
    concurrent_inserts_of_one_name_succeed_once,
    concurrent_login_failures_are_each_counted,
    concurrent_logins_of_one_name_from_one_address_all_count,
    names_and_grants_compare_exactly_but_for_case_in_names,
    user_searches_follow_inserts_renames_and_deletes,
    pages_cut_one_order_at_every_size_and_depth,
);

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn new_user(name: &str, role: Role, servers: &[&str], groups: &[&str]) -> User {
    User {
        email: None,
        id: UserId::new(),
        username: Username::parse(name).unwrap(),
        password_hash: format!("$argon2id$fake${name}"),
        role,
        servers: set(servers),
        groups: set(groups),
        created_at: now(),
        updated_at: now(),
    }
}

async fn all_users(store: &Store) -> Vec<User> {
    store.list_after(None, 10_000).await.unwrap()
}

async fn add(store: &Store, name: &str, role: Role) -> User {
    store.insert(new_user(name, role, &[], &[])).await.unwrap()
}

async fn inserted_users_are_found_by_id_and_by_name_in_any_case(store: Store) {
    let created = store
        .insert(new_user("Alice", Role::User, &["fs", "web"], &["g1"]))
        .await
        .unwrap();
    let by_id = store.find(&UserKey::Id(created.id)).await.unwrap().unwrap();
    assert_eq!(by_id, created);
    let by_name = store.find(&UserKey::Name(" aLiCe ".into())).await.unwrap();
    assert_eq!(by_name, Some(created));
    assert_eq!(
        store.find(&UserKey::Name("bob".into())).await.unwrap(),
        None
    );
    assert_eq!(store.find(&UserKey::Id(UserId::new())).await.unwrap(), None);
}

/// A lookup reads a user and their grants in one statement, a row per grant: each mix of
/// none, some or many of either kind must come back whole, by name and by id.
async fn users_are_found_with_any_mix_of_grants(store: Store) {
    let mixes: [(&str, &[&str], &[&str]); 4] = [
        ("none", &[], &[]),
        ("servers-only", &["s1", "s2"], &[]),
        ("groups-only", &[], &["g1", "g2", "g3"]),
        ("both", &["s1"], &["g1", "g2"]),
    ];
    let mut created = Vec::new();
    for (name, servers, groups) in mixes {
        let user = new_user(name, Role::User, servers, groups);
        created.push(store.insert(user).await.unwrap());
    }
    for user in &created {
        let key = UserKey::Name(user.username.as_str().into());
        assert_eq!(store.find(&key).await.unwrap().as_ref(), Some(user));
    }
    // A write makes every kept user stale, so that the lookups by id read the database too.
    add(&store, "another", Role::User).await;
    for user in &created {
        assert_eq!(
            store.find(&UserKey::Id(user.id)).await.unwrap().as_ref(),
            Some(user)
        );
    }
}

async fn find_as_stored_now_reads_past_kept_copies_and_keeps_what_it_read(store: Store) {
    let bob = store
        .insert(new_user("bob", Role::User, &["s"], &[]))
        .await
        .unwrap();
    let by_name = UserKey::Name("Bob".into());
    assert_eq!(store.find(&by_name).await.unwrap().as_ref(), Some(&bob));
    roster_db::test_hooks::execute_unstamped(
        &store,
        "UPDATE users SET password_hash = 'changed' WHERE username_key = 'bob'",
    )
    .await;
    let hash = |user: Option<User>| user.unwrap().password_hash;
    assert_eq!(
        hash(store.find(&by_name).await.unwrap()),
        bob.password_hash,
        "with the version unchanged, the kept copy is served"
    );
    assert_eq!(
        hash(store.find_as_stored_now(&by_name).await.unwrap()),
        "changed"
    );
    assert_eq!(
        hash(store.find(&UserKey::Id(bob.id)).await.unwrap()),
        "changed"
    );
    assert_eq!(
        store
            .find_as_stored_now(&UserKey::Name("nobody".into()))
            .await
            .unwrap(),
        None
    );
}

async fn names_are_unique_case_insensitively(store: Store) {
    add(&store, "Carol", Role::User).await;
    let err = store
        .insert(new_user("CAROL", Role::Admin, &["x"], &[]))
        .await
        .unwrap_err();
    assert_eq!(err, Error::Conflict(Conflict::UsernameTaken));
    assert_eq!(all_users(&store).await.len(), 1);
}

async fn list_is_ordered_by_name_with_grants(store: Store) {
    store
        .insert(new_user("bob", Role::User, &["b"], &[]))
        .await
        .unwrap();
    store
        .insert(new_user("Alice", Role::Admin, &[], &["g"]))
        .await
        .unwrap();
    store
        .insert(new_user("carl", Role::User, &[], &[]))
        .await
        .unwrap();
    let users = all_users(&store).await;
    let names: Vec<_> = users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["Alice", "bob", "carl"]);
    assert_eq!(users[0].groups, set(&["g"]));
    assert_eq!(users[1].servers, set(&["b"]));
    let first = store.list_after(None, 2).await.unwrap();
    assert_eq!(first, users[..2], "a batch is the first users by name");
    let alice = Username::parse("ALICE").unwrap();
    let after = store.list_after(Some(alice), 1).await.unwrap();
    assert_eq!(
        after,
        users[1..2],
        "after a name in any case, grants included"
    );
    let last = store
        .list_after(Some(users[2].username.clone()), 2)
        .await
        .unwrap();
    assert!(last.is_empty(), "nothing comes after the last name");
    let request = roster_domain::PageRequest::new(
        Some(2),
        Some(1),
        None,
        roster_domain::UserOrder::Username,
        false,
    )
    .unwrap();
    let page = store.page(&request).await.unwrap();
    assert_eq!(page.count, 3);
    assert_eq!(
        page.items,
        users[1..2],
        "a page carries the same users, grants included"
    );
}

async fn update_changes_fields_replaces_grants_and_can_revoke_sessions(store: Store) {
    add(&store, "root", Role::Admin).await;
    let dave = store
        .insert(new_user("dave", Role::User, &["a", "b"], &["g1"]))
        .await
        .unwrap();
    let token = TokenHash([7; 32]);
    store
        .create(
            &token,
            dave.id,
            &dave.password_hash,
            now(),
            now() + chrono::Duration::hours(1),
        )
        .await
        .unwrap();

    let later = now() + chrono::Duration::seconds(5);
    let patch = UserPatch {
        username: Some(Username::parse("David").unwrap()),
        role: Some(Role::Admin),
        servers: Some(set(&["c"])),
        ..UserPatch::default()
    };
    let updated = store
        .update(dave.id, patch, EndSessions::No, later)
        .await
        .unwrap();
    assert_eq!(updated.username.as_str(), "David");
    assert_eq!(updated.role, Role::Admin);
    assert_eq!(updated.servers, set(&["c"]));
    assert_eq!(updated.groups, set(&["g1"]), "an absent set is kept");
    assert_eq!(updated.password_hash, dave.password_hash);
    assert_eq!(
        (updated.created_at, updated.updated_at),
        (dave.created_at, later)
    );
    assert!(store.principal(&token, now()).await.unwrap().is_some());

    let patch = UserPatch {
        password_hash: Some("new-hash".into()),
        groups: Some(BTreeSet::new()),
        ..UserPatch::default()
    };
    let updated = store
        .update(dave.id, patch, EndSessions::All, later)
        .await
        .unwrap();
    assert_eq!(updated.password_hash, "new-hash");
    assert!(updated.groups.is_empty());
    assert_eq!(store.principal(&token, now()).await.unwrap(), None);

    assert_eq!(
        store.find(&UserKey::Id(dave.id)).await.unwrap(),
        Some(updated)
    );
    // A change of one's own password keeps the session it was made in.
    let (kept, other) = (TokenHash([8; 32]), TokenHash([9; 32]));
    for session in [&kept, &other] {
        let expires = now() + chrono::Duration::hours(1);
        let created = store.create(session, dave.id, "new-hash", now(), expires);
        assert!(created.await.unwrap());
    }
    let patch = UserPatch {
        password_hash: Some("newer-hash".into()),
        ..UserPatch::default()
    };
    let end = EndSessions::AllBut(kept.clone());
    store.update(dave.id, patch, end, later).await.unwrap();
    assert!(store.principal(&kept, now()).await.unwrap().is_some());
    assert_eq!(store.principal(&other, now()).await.unwrap(), None);
}

async fn update_reports_unknown_users_and_taken_names(store: Store) {
    add(&store, "erin", Role::User).await;
    let frank = add(&store, "frank", Role::User).await;
    let rename = UserPatch {
        username: Some(Username::parse("ERIN").unwrap()),
        ..UserPatch::default()
    };
    let err = store
        .update(frank.id, rename.clone(), EndSessions::No, now())
        .await
        .unwrap_err();
    assert_eq!(err, Error::Conflict(Conflict::UsernameTaken));
    let err = store
        .update(UserId::new(), rename, EndSessions::No, now())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound(_)));
    assert_eq!(
        store.find(&UserKey::Id(frank.id)).await.unwrap(),
        Some(frank)
    );
}

async fn the_last_admin_can_be_neither_demoted_nor_deleted(store: Store) {
    let admin = add(&store, "admin", Role::Admin).await;
    add(&store, "user", Role::User).await;
    let demote = UserPatch {
        role: Some(Role::User),
        ..UserPatch::default()
    };
    let err = store
        .update(admin.id, demote.clone(), EndSessions::All, now())
        .await
        .unwrap_err();
    assert_eq!(err, Error::last_admin());
    assert_eq!(
        store.delete(admin.id, Utc::now()).await.unwrap_err(),
        Error::last_admin()
    );
    assert_eq!(
        store.find(&UserKey::Id(admin.id)).await.unwrap(),
        Some(admin.clone())
    );

    let second = add(&store, "second", Role::Admin).await;
    store
        .update(admin.id, demote, EndSessions::All, now())
        .await
        .unwrap();
    assert_eq!(
        store.delete(second.id, Utc::now()).await.unwrap_err(),
        Error::last_admin()
    );
    assert_eq!(store.stats().await.unwrap().admins, 1);
}

async fn delete_removes_grants_and_sessions(store: Store) {
    add(&store, "admin", Role::Admin).await;
    let gone = store
        .insert(new_user("gone", Role::User, &["s"], &["g"]))
        .await
        .unwrap();
    let token = TokenHash([9; 32]);
    store
        .create(
            &token,
            gone.id,
            &gone.password_hash,
            now(),
            now() + chrono::Duration::hours(1),
        )
        .await
        .unwrap();
    store.delete(gone.id, Utc::now()).await.unwrap();
    assert_eq!(store.find(&UserKey::Id(gone.id)).await.unwrap(), None);
    assert_eq!(store.principal(&token, now()).await.unwrap(), None);
    let stats = store.stats().await.unwrap();
    assert!(stats.per_server.is_empty() && stats.per_group.is_empty());
    assert!(matches!(
        store.delete(gone.id, Utc::now()).await,
        Err(Error::NotFound(_))
    ));
    // The name is free again.
    add(&store, "gone", Role::User).await;
}

async fn stats_are_aggregated_per_role_server_and_group(store: Store) {
    store
        .insert(new_user("a", Role::Admin, &["s1", "s2"], &["g1"]))
        .await
        .unwrap();
    store
        .insert(new_user("b", Role::User, &["s1"], &["g1", "g2"]))
        .await
        .unwrap();
    store
        .insert(new_user("c", Role::ViewOnly, &[], &[]))
        .await
        .unwrap();
    let stats = store.stats().await.unwrap();
    assert_eq!((stats.total, stats.admins), (3, 1));
    assert_eq!(
        stats.per_server.into_iter().collect::<Vec<_>>(),
        [("s1".to_string(), 2), ("s2".to_string(), 1)]
    );
    assert_eq!(
        stats.per_group.into_iter().collect::<Vec<_>>(),
        [("g1".to_string(), 2), ("g2".to_string(), 1)]
    );
}

/// The counts kept by each write against a recount of every stored user.
async fn stats_follow_every_kind_of_change(store: Store) {
    let recount = |users: Vec<User>| {
        let mut stats = roster_domain::UserStats::default();
        for user in users {
            stats.total += 1;
            stats.admins += u64::from(user.role.is_admin());
            for server in user.servers {
                *stats.per_server.entry(server).or_default() += 1;
            }
            for group in user.groups {
                *stats.per_group.entry(group).or_default() += 1;
            }
        }
        stats
    };
    let a = store
        .insert(new_user("a", Role::Admin, &["s1", "s2"], &["g1"]))
        .await
        .unwrap();
    let b = store
        .insert(new_user("b", Role::User, &["s1"], &["g1", "g2"]))
        .await
        .unwrap();
    let bulk: Vec<User> = (0..5)
        .map(|i| new_user(&format!("bulk{i}"), Role::ViewOnly, &["s3"], &["g2"]))
        .collect();
    store.insert_users(&bulk).await.unwrap();
    let patch = UserPatch {
        role: Some(Role::Admin),
        servers: Some(set(&["s2", "s4"])),
        groups: Some(set(&[])),
        ..UserPatch::default()
    };
    store
        .update(b.id, patch, EndSessions::No, now())
        .await
        .unwrap();
    let demote = UserPatch {
        role: Some(Role::User),
        ..UserPatch::default()
    };
    store
        .update(a.id, demote, EndSessions::No, now())
        .await
        .unwrap();
    store.delete(bulk[0].id, Utc::now()).await.unwrap();
    store.delete(a.id, Utc::now()).await.unwrap();
    let stats = store.stats().await.unwrap();
    assert_eq!(stats, recount(all_users(&store).await));
    assert_eq!((stats.total, stats.admins), (5, 1));
    assert!(
        !stats.per_server.contains_key("s1"),
        "a name no one has any more"
    );
}

async fn sessions_open_only_while_the_verified_hash_is_stored(store: Store) {
    let sam = add(&store, "sam", Role::User).await;
    let t = now();
    let later = t + chrono::Duration::hours(1);
    let (stale, live, orphan) = (TokenHash([4; 32]), TokenHash([5; 32]), TokenHash([6; 32]));
    let opened = store
        .create(&stale, sam.id, "an older hash", t, later)
        .await;
    assert!(!opened.unwrap());
    assert_eq!(store.principal(&stale, t).await.unwrap(), None);
    assert!(
        store
            .create(&live, sam.id, &sam.password_hash, t, later)
            .await
            .unwrap()
    );
    assert!(store.principal(&live, t).await.unwrap().is_some());
    // A user deleted meanwhile is no foreign-key failure, just no session.
    let ghost = UserId::new();
    assert!(
        !store
            .create(&orphan, ghost, &sam.password_hash, t, later)
            .await
            .unwrap()
    );
    assert_eq!(store.principal(&orphan, t).await.unwrap(), None);
}

async fn hashes_are_replaced_only_while_the_verified_one_is_stored(store: Store) {
    let sam = add(&store, "sam", Role::User).await;
    let key = UserKey::Id(sam.id);
    // Read once, so that a copy is kept in memory and must be dropped by the replacement.
    store.find(&key).await.unwrap();
    let t = now();
    assert!(
        !store
            .replace_hash(sam.id, "not the stored one", "new", t)
            .await
            .unwrap()
    );
    assert_eq!(
        store.find(&key).await.unwrap().unwrap().password_hash,
        sam.password_hash
    );
    assert!(
        store
            .replace_hash(sam.id, &sam.password_hash, "new", t)
            .await
            .unwrap()
    );
    assert_eq!(
        store.find(&key).await.unwrap().unwrap().password_hash,
        "new"
    );
    assert!(
        !store
            .replace_hash(UserId::new(), "new", "newer", t)
            .await
            .unwrap()
    );
}

async fn sessions_resolve_until_they_expire_or_are_revoked(store: Store) {
    let user = add(&store, "sam", Role::ViewOnly).await;
    let (live, short, other) = (TokenHash([1; 32]), TokenHash([2; 32]), TokenHash([3; 32]));
    let t = now();
    store
        .create(
            &live,
            user.id,
            &user.password_hash,
            t,
            t + chrono::Duration::hours(1),
        )
        .await
        .unwrap();
    store
        .create(
            &short,
            user.id,
            &user.password_hash,
            t,
            t + chrono::Duration::seconds(1),
        )
        .await
        .unwrap();
    let principal = store.principal(&live, t).await.unwrap().unwrap();
    assert_eq!((principal.id, principal.role), (user.id, Role::ViewOnly));
    assert_eq!(principal.username.as_str(), "sam");
    assert!(store.principal(&short, t).await.unwrap().is_some());
    let later = t + chrono::Duration::seconds(2);
    assert_eq!(store.principal(&short, later).await.unwrap(), None);
    assert_eq!(store.principal(&other, t).await.unwrap(), None);
    assert_eq!(store.purge_expired(later).await.unwrap(), 1);
    store.revoke(&live).await.unwrap();
    store.revoke(&live).await.unwrap();
    assert_eq!(store.principal(&live, t).await.unwrap(), None);
}

async fn login_attempts_count_within_a_window_until_a_success(store: Store) {
    let window = Duration::from_secs(60);
    let t = now();
    let at = |s| t + chrono::Duration::seconds(s);
    let keys = |names: &[&str]| ThrottleKeys {
        guesser: names[0].to_owned(),
        client: names.get(1).map(|k| (*k).to_owned()),
    };
    let (name, addr) = ("user:x", "addr:1.2.3.4");
    let failures = |store: Store, key: &'static str| async move {
        failure_window(&store, key).await.unwrap().failures
    };
    assert_eq!(failure_window(&store, name).await, None);
    let both = keys(&[name, addr]);
    let first = store.record_attempts(&both, t, window).await.unwrap();
    assert_eq!(
        first
            .iter()
            .map(|w| (w.failures, w.started_at))
            .collect::<Vec<_>>(),
        [(1, t), (1, t)]
    );
    let second = store.record_attempts(&both, at(10), window).await.unwrap();
    assert_eq!((second[0].failures, second[0].started_at), (2, t));
    assert_eq!(failure_window(&store, name).await, Some(second[0]));
    // The order of the answer is the order of the keys.
    let reversed = store
        .record_attempts(&keys(&[addr, name]), at(20), window)
        .await
        .unwrap();
    assert_eq!((reversed[0].failures, reversed[1].failures), (3, 3));

    // A success forgets the name's failures and takes one attempt back from the address.
    store.record_success(&both).await.unwrap();
    assert_eq!(failures(store.clone(), name).await, 0);
    assert_eq!(failures(store.clone(), addr).await, 2);
    let after = store.record_attempts(&both, at(30), window).await.unwrap();
    assert_eq!(
        (after[0].failures, after[0].started_at),
        (1, at(30)),
        "a new window"
    );
    assert_eq!(
        (after[1].failures, after[1].started_at),
        (3, t),
        "the same window"
    );

    // A window ends `window` after its first attempt.
    let ended = store
        .record_attempts(&keys(&[addr]), at(61), window)
        .await
        .unwrap();
    assert_eq!((ended[0].failures, ended[0].started_at), (1, at(61)));

    for _ in 0..4 {
        store
            .record_success(&keys(&["user:other", addr]))
            .await
            .unwrap();
    }
    let next = store
        .record_attempts(&keys(&[addr]), at(62), window)
        .await
        .unwrap();
    assert_eq!(next[0].failures, 1, "never below zero");
    assert_eq!(failure_window(&store, "user:other").await, None);

    // A login without a client address has the name's key alone.
    let alone = keys(&[name]);
    store.record_attempts(&alone, at(62), window).await.unwrap();
    store.record_success(&alone).await.unwrap();
    assert_eq!(failures(store.clone(), name).await, 0);
    assert_eq!(failures(store.clone(), addr).await, 1, "untouched");

    // Taking an attempt back ends no window: the name keeps its other failures.
    store.record_attempts(&both, at(63), window).await.unwrap();
    store.record_attempts(&both, at(64), window).await.unwrap();
    store.take_back(&both).await.unwrap();
    assert_eq!(failures(store.clone(), name).await, 1);
    assert_eq!(failures(store.clone(), addr).await, 2);
    for _ in 0..3 {
        store.take_back(&both).await.unwrap();
    }
    assert_eq!(failures(store.clone(), name).await, 0, "never below zero");
    assert_eq!(failures(store.clone(), addr).await, 0);
}

async fn concurrent_demotions_never_leave_zero_admins(store: Store) {
    for round in 0..5 {
        let a = add(&store, &format!("a{round}"), Role::Admin).await;
        let b = add(&store, &format!("b{round}"), Role::Admin).await;
        // Earlier rounds left one admin each time; demote it so only a and b remain.
        for user in all_users(&store).await {
            if user.role.is_admin() && user.id != a.id && user.id != b.id {
                let demote = UserPatch {
                    role: Some(Role::User),
                    ..UserPatch::default()
                };
                store
                    .update(user.id, demote, EndSessions::All, now())
                    .await
                    .unwrap();
            }
        }
        let store = Arc::new(store.clone());
        let demote = |id: UserId| {
            let store = store.clone();
            tokio::spawn(async move {
                let patch = UserPatch {
                    role: Some(Role::User),
                    ..UserPatch::default()
                };
                store.update(id, patch, EndSessions::All, now()).await
            })
        };
        let (ra, rb) = tokio::join!(demote(a.id), demote(b.id));
        let outcomes = [ra.unwrap(), rb.unwrap()];
        let refused = outcomes
            .iter()
            .filter(|r| r.as_ref().err() == Some(&Error::last_admin()))
            .count();
        assert_eq!(refused, 1, "round {round}: {outcomes:?}");
        assert_eq!(store.stats().await.unwrap().admins, 1, "round {round}");
    }
}

async fn concurrent_inserts_of_one_name_succeed_once(store: Store) {
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            let name = if i % 2 == 0 { "Racer" } else { "racer" };
            tokio::spawn(async move { store.insert(new_user(name, Role::User, &["s"], &[])).await })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => created += 1,
            Err(Error::Conflict(_)) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(store.stats().await.unwrap().per_server.get("s"), Some(&1));
}

async fn concurrent_login_failures_are_each_counted(store: Store) {
    let t = now();
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                // Three names, each tried four times, all from one address.
                let keys = ThrottleKeys {
                    guesser: format!("user:{}", i % 3),
                    client: Some("addr:9.9.9.9".to_owned()),
                };
                store
                    .record_attempts(&keys, t, Duration::from_secs(60))
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await
            .unwrap()
            .expect("no failure to count may be an error");
    }
    let window = failure_window(&store, "addr:9.9.9.9").await.unwrap();
    assert_eq!((window.failures, window.started_at), (12, t));
    for name in 0..3 {
        let window = failure_window(&store, &format!("user:{name}")).await;
        assert_eq!(window.map(|w| w.failures), Some(4));
    }
}

async fn concurrent_logins_of_one_name_from_one_address_all_count(store: Store) {
    // A double submit: successes taking attempts back while others are counted, on the
    // same two rows, must not deadlock (PostgreSQL would abort one with 40P01).
    let keys = ThrottleKeys {
        guesser: "user:twice".to_owned(),
        client: Some("addr:5.5.5.5".to_owned()),
    };
    let t = now();
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let (store, keys) = (store.clone(), keys.clone());
            tokio::spawn(async move {
                store
                    .record_attempts(&keys, t, Duration::from_secs(60))
                    .await?;
                if i % 2 == 0 {
                    store.record_success(&keys).await?;
                }
                Ok::<_, Error>(())
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("no attempt may fail");
    }
    // Eight failures counted against the address, eight successes taken back.
    let window = failure_window(&store, "addr:5.5.5.5").await.unwrap();
    assert_eq!(window.failures, 8);
}

async fn names_and_grants_compare_exactly_but_for_case_in_names(store: Store) {
    store
        .insert(new_user("José", Role::User, &["Fs", "fs"], &[]))
        .await
        .unwrap();
    store
        .insert(new_user("Jose", Role::User, &[], &[]))
        .await
        .unwrap();
    let jose = store
        .find(&UserKey::Name("JOSÉ".into()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(jose.username.as_str(), "José");
    assert_eq!(jose.servers, set(&["Fs", "fs"]));
    let plain = store
        .find(&UserKey::Name("jose".into()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(plain.username.as_str(), "Jose");
    let err = store
        .insert(new_user("JOSÉ", Role::User, &[], &[]))
        .await
        .unwrap_err();
    assert_eq!(err, Error::Conflict(Conflict::UsernameTaken));
}

async fn emails_are_stored_changed_and_removed(store: Store) {
    let email = |e: &str| Some(Email::parse(e).unwrap());
    let new = User {
        email: email("ana@example.com"),
        ..new_user("ana", Role::User, &[], &[])
    };
    let ana = store.insert(new).await.unwrap();
    let by_name = UserKey::Name("ANA".into());
    let found = store.find_as_stored_now(&by_name).await.unwrap().unwrap();
    assert_eq!(found.email, email("ana@example.com"));
    for change in [email("ana@example.org"), None] {
        let patch = UserPatch {
            email: Some(change.clone()),
            ..UserPatch::default()
        };
        let updated = store
            .update(ana.id, patch, EndSessions::No, now())
            .await
            .unwrap();
        assert_eq!(updated.email, change);
        assert_eq!(store.find(&by_name).await.unwrap().unwrap().email, change);
    }
    let rename = UserPatch {
        username: Some(Username::parse("Anna").unwrap()),
        ..UserPatch::default()
    };
    let renamed = store
        .update(ana.id, rename, EndSessions::No, now())
        .await
        .unwrap();
    assert_eq!(renamed.email, None, "an absent email is kept as it is");
}

async fn a_taken_id_is_told_from_a_taken_name(store: Store) {
    let first = add(&store, "first", Role::User).await;
    let same_id = User {
        id: first.id,
        ..new_user("second", Role::User, &[], &[])
    };
    let err = store.insert(same_id).await.unwrap_err();
    assert_eq!(err, Error::Conflict(Conflict::IdTaken));
    let same_name = new_user("FIRST", Role::User, &[], &[]);
    let err = store.insert(same_name).await.unwrap_err();
    assert_eq!(err, Error::Conflict(Conflict::UsernameTaken));
}

async fn found(store: &Store, needle: &str) -> Vec<String> {
    let page = PageRequest::new(None, None, Some(needle.into()), UserOrder::Username, false);
    let page = store.page(&page.unwrap()).await.unwrap();
    assert_eq!(page.count, page.items.len() as u64, "{needle}");
    page.items
        .into_iter()
        .map(|u| u.username.to_string())
        .collect()
}

/// Contains-searches, which SQLite serves from trigram tables kept by triggers (m0008) and
/// PostgreSQL from trigram indexes, follow every insert, rename and delete, and the
/// needle's own `%` and `_` match only themselves.
async fn user_searches_follow_inserts_renames_and_deletes(store: Store) {
    let user = |name: &'static str| {
        let store = store.clone();
        async move {
            store
                .insert(new_user(name, Role::User, &[], &[]))
                .await
                .unwrap()
                .id
        }
    };
    user("Carol_Stone").await;
    user("carolXstone").await;
    user("per%cent").await;
    let gone = user("Gone-Soon").await;
    let renamed = user("Old-Name").await;

    assert_eq!(found(&store, "OL_S").await, ["Carol_Stone"]);
    assert_eq!(found(&store, "rolxs").await, ["carolXstone"]);
    assert_eq!(found(&store, "r%c").await, ["per%cent"]);
    assert_eq!(found(&store, "ro").await, ["Carol_Stone", "carolXstone"]);

    let patch = UserPatch {
        username: Some(Username::parse("Fresh-Name").unwrap()),
        ..UserPatch::default()
    };
    store
        .update(renamed, patch, EndSessions::No, now())
        .await
        .unwrap();
    assert!(found(&store, "old-n").await.is_empty());
    assert_eq!(found(&store, "sh-na").await, ["Fresh-Name"]);

    assert_eq!(found(&store, "gone").await, ["Gone-Soon"]);
    store.delete(gone, now()).await.unwrap();
    assert!(found(&store, "gone").await.is_empty());
    assert_eq!(found(&store, "ston").await.len(), 2);
}

/// Pages past the middle are read from the far end (`query::window`): at every page size,
/// direction and order, with and without a search, the pages still cut one order.
async fn pages_cut_one_order_at_every_size_and_depth(store: Store) {
    for (i, name) in ["eve", "Bob", "dan", "Alice", "carl", "Fay", "gus"]
        .iter()
        .enumerate()
    {
        let mut user = new_user(name, Role::User, &[], &[]);
        // Two pairs created at the same instant, which only the ids then order.
        user.created_at = now() + chrono::Duration::seconds(i as i64 / 2);
        store.insert(user).await.unwrap();
    }
    let all = all_users(&store).await;
    for (order, descending, search) in [
        (UserOrder::Username, false, None),
        (UserOrder::Username, true, None),
        (UserOrder::CreatedAt, false, None),
        (UserOrder::CreatedAt, true, Some("a")),
    ] {
        let mut expected: Vec<&User> = all
            .iter()
            .filter(|u| search.is_none_or(|s| u.username.key().contains(s)))
            .collect();
        expected.sort_by(|a, b| {
            let by = match order {
                UserOrder::Username => a.username.key().cmp(&b.username.key()),
                UserOrder::CreatedAt => a.created_at.cmp(&b.created_at),
            };
            let by = by.then(a.id.0.cmp(&b.id.0));
            if descending { by.reverse() } else { by }
        });
        let expected: Vec<UserId> = expected.iter().map(|u| u.id).collect();
        for size in 1..=4 {
            let mut seen = Vec::new();
            for number in 1..=expected.len() as u64 / size + 2 {
                let request = PageRequest::new(
                    Some(number),
                    Some(size),
                    search.map(Into::into),
                    order,
                    descending,
                );
                let page = store.page(&request.unwrap()).await.unwrap();
                assert_eq!(page.count, expected.len() as u64);
                seen.extend(page.items.iter().map(|u| u.id));
            }
            assert_eq!(
                seen, expected,
                "{order:?}, descending {descending}, size {size}"
            );
        }
    }
}
