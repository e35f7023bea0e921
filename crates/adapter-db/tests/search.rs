//! Contains-searches, which SQLite serves from trigram tables kept by triggers (m0008) and
//! PostgreSQL from trigram indexes: what they find follows every insert, rename and delete,
//! and the needle's own `%` and `_` match only themselves.

use chrono::{DateTime, SubsecRound, Utc};
use roster_db::Store;
use roster_domain::ports::UserRepository;
use roster_domain::{EndSessions, PageRequest, Role, User, UserId, UserOrder, UserPatch, Username};

roster_test_support::on_every_backend!(
    roster_test_support::with_store;
    user_searches_follow_inserts_renames_and_deletes,
);

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

async fn user(store: &Store, name: &str) -> UserId {
    let t = now();
    let user = User {
        email: None,
        id: UserId::new(),
        username: Username::parse(name).unwrap(),
        password_hash: "h".into(),
        role: Role::User,
        servers: Default::default(),
        groups: Default::default(),
        created_at: t,
        updated_at: t,
    };
    store.insert(user).await.unwrap().id
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

async fn user_searches_follow_inserts_renames_and_deletes(store: Store) {
    user(&store, "Carol_Stone").await;
    user(&store, "carolXstone").await;
    user(&store, "per%cent").await;
    let gone = user(&store, "Gone-Soon").await;
    let renamed = user(&store, "Old-Name").await;

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
