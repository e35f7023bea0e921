//! The API key store against real databases.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use roster_db::Store;
use roster_domain::ports::{ApiKeyStore, UserRepository};
use roster_domain::{
    ApiKey, ApiKeyId, EndSessions, Error, Role, TokenHash, User, UserId, UserPatch, Username,
};

roster_test_support::on_every_backend!(
    roster_test_support::with_store;
    keys_are_stored_listed_resolved_and_revoked,
    a_key_for_a_user_who_is_gone_is_not_stored,
    a_lower_role_or_a_deletion_ends_a_users_keys,
);

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

async fn user(store: &Store, name: &str, role: Role) -> UserId {
    let user = User {
        email: None,
        id: UserId::new(),
        username: Username::parse(name).unwrap(),
        password_hash: "h".into(),
        role,
        servers: Default::default(),
        groups: Default::default(),
        created_at: now(),
        updated_at: now(),
    };
    store.insert(user).await.unwrap().id
}

fn key(owner: UserId, name: &str, secret: u8, at: DateTime<Utc>) -> ApiKey {
    ApiKey {
        id: ApiKeyId::new(),
        user_id: owner,
        name: name.into(),
        prefix: format!("umami_{secret:08}"),
        hash: TokenHash([secret; 32]),
        last_used_at: None,
        created_at: at,
    }
}

async fn keys_are_stored_listed_resolved_and_revoked(store: Store) {
    let me = user(&store, "me", Role::User).await;
    let t = now();
    let older = key(me, "old", 1, t);
    let newer = key(me, "new", 2, t + Duration::seconds(1));
    for k in [&older, &newer] {
        ApiKeyStore::create(&store, k).await.unwrap();
    }
    assert_eq!(
        ApiKeyStore::list(&store, me).await.unwrap(),
        [newer.clone(), older.clone()],
        "newest first, as stored"
    );
    let principal = ApiKeyStore::principal(&store, &older.hash, t)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((principal.id, principal.role), (me, Role::User));
    assert_eq!(principal.api_key.unwrap().id, older.id);
    let used = ApiKeyStore::list(&store, me).await.unwrap();
    assert_eq!(used[1].last_used_at, Some(t), "the use is noted");
    assert_eq!(
        ApiKeyStore::principal(&store, &TokenHash([9; 32]), t)
            .await
            .unwrap(),
        None
    );

    let other = user(&store, "other", Role::User).await;
    assert!(matches!(
        store.revoke(other, older.id).await,
        Err(Error::NotFound(_))
    ));
    store.revoke(me, older.id).await.unwrap();
    assert_eq!(
        ApiKeyStore::principal(&store, &older.hash, t)
            .await
            .unwrap(),
        None,
        "a revoked key is refused, though it was held in memory"
    );
    assert_eq!(ApiKeyStore::list(&store, me).await.unwrap(), [newer]);
}

async fn a_key_for_a_user_who_is_gone_is_not_stored(store: Store) {
    let ghost = key(UserId::new(), "ghost", 3, now());
    assert!(matches!(
        ApiKeyStore::create(&store, &ghost).await,
        Err(Error::NotFound(_))
    ));
}

async fn a_lower_role_or_a_deletion_ends_a_users_keys(store: Store) {
    let t = now();
    let (admin, user_a, viewer) = (
        user(&store, "admin", Role::Admin).await,
        user(&store, "usera", Role::User).await,
        user(&store, "viewer", Role::ViewOnly).await,
    );
    let _ = user(&store, "another-admin", Role::Admin).await;
    for (owner, secret) in [(admin, 4), (user_a, 5), (viewer, 6)] {
        ApiKeyStore::create(&store, &key(owner, "k", secret, t))
            .await
            .unwrap();
    }
    let set_role = |role| UserPatch {
        role: Some(role),
        ..UserPatch::default()
    };
    // A promotion keeps the key; a demotion ends it.
    store
        .update(viewer, set_role(Role::User), EndSessions::No, t)
        .await
        .unwrap();
    store
        .update(admin, set_role(Role::User), EndSessions::All, t)
        .await
        .unwrap();
    UserRepository::delete(&store, user_a, t).await.unwrap();
    for (owner, left) in [(admin, 0), (user_a, 0), (viewer, 1)] {
        assert_eq!(
            ApiKeyStore::list(&store, owner).await.unwrap().len(),
            left,
            "{owner}"
        );
    }
}
