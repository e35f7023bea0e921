use roster_domain::{ApiKeyRef, Role};

use super::*;
use crate::fixture::{Mocks, principal, t0};
use crate::hash_token;

fn service(mocks: Mocks) -> ApiKeyService {
    ApiKeyService::new(mocks.ports())
}

fn holding_a_key(role: Role) -> Principal {
    Principal {
        api_key: Some(ApiKeyRef {
            id: ApiKeyId::new(),
            name: "ci".into(),
        }),
        ..principal(role)
    }
}

#[tokio::test]
async fn a_key_is_made_for_the_caller_and_stored_only_as_its_hash() {
    let actor = principal(Role::ViewOnly);
    let owner = actor.id;
    let mut mocks = Mocks::default();
    mocks
        .api_keys
        .expect_create()
        .withf(move |key| key.user_id == owner && key.name == "CI" && key.created_at == t0())
        .return_once(|_| Ok(()));
    let made = service(mocks).create(&actor, "  CI ").await.unwrap();
    assert_eq!(made.key.hash, hash_token(made.secret.expose()));
    assert!(made.secret.expose().starts_with(&made.key.prefix));
    assert_eq!(made.key.prefix.len(), "umami_".len() + 8);
    assert_eq!(made.key.last_used_at, None);
}

#[tokio::test]
async fn blank_and_long_names_are_refused_before_the_store() {
    for name in ["  ", &"n".repeat(256)] {
        let err = service(Mocks::default())
            .create(&principal(Role::User), name)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    }
}

#[tokio::test]
async fn callers_list_and_revoke_their_own_keys() {
    let actor = principal(Role::User);
    let (me, key) = (actor.id, ApiKeyId::new());
    let mut mocks = Mocks::default();
    mocks
        .api_keys
        .expect_list()
        .withf(move |user| *user == me)
        .return_once(|_| Ok(Vec::new()));
    mocks
        .api_keys
        .expect_revoke()
        .withf(move |user, id| *user == me && *id == key)
        .return_once(|_, _| Ok(()));
    let svc = service(mocks);
    assert!(svc.list(&actor).await.unwrap().is_empty());
    svc.revoke(&actor, key).await.unwrap();
}

#[tokio::test]
async fn a_key_manages_no_keys_even_an_admins() {
    let actor = holding_a_key(Role::Admin);
    let svc = service(Mocks::default());
    let refusals = [
        svc.create(&actor, "more").await.map(|_| ()),
        svc.list(&actor).await.map(|_| ()),
        svc.revoke(&actor, ApiKeyId::new()).await,
    ];
    for refused in refusals {
        assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    }
}
