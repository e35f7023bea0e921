//! The runs that page the whole user list (`runs.rs`): exact counts and pages through
//! inserts, renames, deletes, concurrent writers and changes made by SQL, with runs of two
//! users so that a few users split and empty them.

use chrono::{DateTime, SubsecRound, Utc};
use roster_db::Store;
use roster_db::test_hooks::{execute_unstamped, runs_of};
use roster_domain::ports::UserRepository;
use roster_domain::{EndSessions, PageRequest, Role, User, UserId, UserOrder, UserPatch, Username};

roster_test_support::on_every_backend!(
    roster_test_support::with_store;
    pages_stay_exact_through_inserts_renames_and_deletes,
    concurrent_inserts_and_deletes_keep_the_counts_exact,
    users_changed_by_sql_are_counted_again_when_marked,
);

const RUN: u64 = 2;

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn new_user(name: &str, created_at: DateTime<Utc>) -> User {
    User {
        email: None,
        id: UserId::new(),
        username: Username::parse(name).unwrap(),
        password_hash: "$argon2id$fake".into(),
        role: Role::User,
        servers: Default::default(),
        groups: Default::default(),
        created_at,
        updated_at: created_at,
    }
}

/// Every page of every order, direction and a few sizes against the users sorted here;
/// and runs that are neither empty nor longer than two.
async fn assert_pages(store: &Store, context: &str) {
    let all = store.list_after(None, 10_000).await.unwrap();
    for order in [UserOrder::Username, UserOrder::CreatedAt] {
        let mut expected: Vec<&User> = all.iter().collect();
        expected.sort_by(|a, b| match order {
            UserOrder::Username => a.username.key().cmp(&b.username.key()),
            UserOrder::CreatedAt => (a.created_at, a.id.0).cmp(&(b.created_at, b.id.0)),
        });
        for descending in [false, true] {
            let mut expected: Vec<UserId> = expected.iter().map(|u| u.id).collect();
            if descending {
                expected.reverse();
            }
            for size in 1..=3 {
                let mut seen = Vec::new();
                for number in 1..=expected.len() as u64 / size + 2 {
                    let request =
                        PageRequest::new(Some(number), Some(size), None, order, descending);
                    let page = store.page(&request.unwrap()).await.unwrap();
                    assert_eq!(page.count, expected.len() as u64, "{context}");
                    seen.extend(page.items.iter().map(|u| u.id));
                }
                assert_eq!(
                    seen, expected,
                    "{context}: {order:?}, descending {descending}, size {size}"
                );
            }
        }
    }
    for by_name in [true, false] {
        let runs = runs_of(store, by_name).await;
        assert_eq!(runs.iter().sum::<u64>(), all.len() as u64, "{context}");
        assert!(
            runs.iter().all(|&n| (1..=2 * RUN).contains(&n)),
            "{context}: runs {runs:?}"
        );
    }
}

async fn pages_stay_exact_through_inserts_renames_and_deletes(store: Store) {
    let store = store.with_runs_of(RUN);
    assert_pages(&store, "no users").await;
    let start = now();
    let mut ids = Vec::new();
    // Names out of order, some below every name so far; pairs created at one instant.
    for (i, name) in ["m", "c", "x", "a", "k", "B", "z", "d", "Aa", "q", "e", "b2"]
        .iter()
        .enumerate()
    {
        let user = new_user(name, start + chrono::Duration::seconds(i as i64 / 2));
        ids.push(user.id);
        store.insert(user).await.unwrap();
        assert_pages(&store, &format!("after inserting {name}")).await;
    }
    for (i, to) in [(0, "0first"), (2, "zzz"), (5, "c2"), (3, "a")] {
        let rename = UserPatch {
            username: Some(Username::parse(to).unwrap()),
            ..UserPatch::default()
        };
        store
            .update(ids[i], rename, EndSessions::No, now())
            .await
            .unwrap();
        assert_pages(&store, &format!("after renaming to {to}")).await;
    }
    for i in [3, 0, 1, 2, 11, 10, 4] {
        store.delete(ids[i], now()).await.unwrap();
        assert_pages(&store, &format!("after deleting user {i}")).await;
    }
    for i in [5, 6, 7, 8, 9] {
        store.delete(ids[i], now()).await.unwrap();
    }
    assert_pages(&store, "every user deleted").await;
    store.insert(new_user("again", now())).await.unwrap();
    assert_pages(&store, "a user after none").await;
}

async fn concurrent_inserts_and_deletes_keep_the_counts_exact(store: Store) {
    let store = store.with_runs_of(RUN);
    let early: Vec<User> = (0..12)
        .map(|i| new_user(&format!("early{i:02}"), now()))
        .collect();
    for user in &early {
        store.insert(user.clone()).await.unwrap();
    }
    let mut writers = Vec::new();
    for i in 0..24 {
        let store = store.clone();
        let gone = early.get(i / 2).filter(|_| i % 2 == 0).map(|u| u.id);
        writers.push(tokio::spawn(async move {
            match gone {
                Some(id) => store.delete(id, now()).await.unwrap(),
                None => {
                    store
                        .insert(new_user(&format!("late{i:02}"), now()))
                        .await
                        .unwrap();
                }
            }
        }));
    }
    for writer in writers {
        writer.await.unwrap();
    }
    assert_pages(&store, "after concurrent writes").await;
}

async fn users_changed_by_sql_are_counted_again_when_marked(store: Store) {
    let store = store.with_runs_of(RUN);
    for name in ["a", "b", "c", "d", "e"] {
        store.insert(new_user(name, now())).await.unwrap();
    }
    execute_unstamped(
        &store,
        "DELETE FROM users WHERE username_key IN ('a', 'c', 'd')",
    )
    .await;
    store.mark_changed().await.unwrap();
    assert_eq!(store.stats().await.unwrap().total, 2, "counted afresh");
    assert_pages(&store, "after a delete by SQL").await;
}
