use std::time::Duration;

use mockall::predicate::eq;
use roster_domain::ports::FailureWindow;
use roster_domain::{Error, Role, User, UserKey};

use super::*;
use crate::fixture::{Mocks, principal, t0, user};

/// Mocks whose hasher accepts the decoy hashing that every `AuthService` does at start.
fn mocks() -> Mocks {
    let mut mocks = Mocks::default();
    mocks
        .hasher
        .expect_hash()
        .times(1)
        .return_once(|_| Ok("decoy-hash".into()));
    mocks
}

async fn service(mocks: Mocks) -> AuthService {
    AuthService::new(mocks.ports(), AuthConfig::default())
        .await
        .unwrap()
}

fn not_throttled(mocks: &mut Mocks) {
    mocks.throttle.expect_current().returning(|_| Ok(None));
}

#[tokio::test]
async fn login_opens_a_session_that_expires_after_the_ttl() {
    let alice = user("alice", Role::User);
    let id = alice.id;
    let mut mocks = mocks();
    not_throttled(&mut mocks);
    mocks
        .users
        .expect_find()
        .with(eq(UserKey::Name("Alice".into())))
        .return_once(move |_| Ok(Some(alice)));
    mocks
        .hasher
        .expect_verify()
        .withf(|pw, hash| pw == "pw-alice" && hash == "hash-of-alice")
        .return_once(|_, _| Ok(true));
    mocks
        .throttle
        .expect_clear()
        .with(eq("user:alice"))
        .return_once(|_| Ok(()));
    mocks.hasher.expect_needs_rehash().return_const(false);
    mocks
        .sessions
        .expect_purge_expired()
        .with(eq(t0()))
        .return_once(|_| Ok(0));
    let ttl = AuthConfig::default().token_ttl;
    let (tx, rx) = std::sync::mpsc::channel();
    mocks
        .sessions
        .expect_create()
        .withf(move |_, uid, created, expires| {
            *uid == id && *created == t0() && *expires == t0() + ttl
        })
        .return_once(move |hash, _, _, _| {
            tx.send(hash.clone()).unwrap();
            Ok(())
        });
    let outcome = service(mocks)
        .await
        .login("Alice", "pw-alice", Some("10.0.0.1"))
        .await
        .unwrap();
    assert_eq!(outcome.user.id, id);
    assert_eq!(rx.recv().unwrap(), outcome.token.hash());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_name_fail_alike_and_count_against_both_keys() {
    for known in [true, false] {
        let mut mocks = mocks();
        not_throttled(&mut mocks);
        mocks
            .users
            .expect_find()
            .return_once(move |_| Ok(known.then(|| user("bob", Role::User))));
        let expected_hash = if known { "hash-of-bob" } else { "decoy-hash" };
        mocks
            .hasher
            .expect_verify()
            .withf(move |_, hash| hash == expected_hash)
            .times(1)
            .return_once(|_, _| Ok(false));
        for key in ["user:bob", "addr:10.0.0.9"] {
            mocks
                .throttle
                .expect_record_failure()
                .withf(move |k, now, _| k == key && *now == t0())
                .times(1)
                .returning(|_, now, _| {
                    Ok(FailureWindow {
                        failures: 1,
                        started_at: now,
                    })
                });
        }
        let err = service(mocks)
            .await
            .login("bob", "nope", Some("10.0.0.9"))
            .await
            .unwrap_err();
        assert_eq!(
            err,
            Error::Unauthenticated("invalid username or password".into())
        );
    }
}

#[tokio::test]
async fn too_many_failures_are_refused_until_the_window_ends_without_hashing() {
    let mut mocks = mocks();
    let limits = AuthConfig::default().throttle;
    let started_at = t0() - chrono::Duration::seconds(60);
    mocks.throttle.expect_current().returning(move |_| {
        Ok(Some(FailureWindow {
            failures: limits.max_failures,
            started_at,
        }))
    });
    let err = service(mocks)
        .await
        .login("bob", "whatever", None)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        Error::Throttled {
            retry_after: limits.window - Duration::from_secs(60)
        }
    );
}

#[tokio::test]
async fn an_old_window_does_not_throttle() {
    let mut mocks = mocks();
    let limits = AuthConfig::default().throttle;
    let started_at = t0() - limits.window - chrono::Duration::seconds(1);
    mocks.throttle.expect_current().returning(move |_| {
        Ok(Some(FailureWindow {
            failures: limits.max_failures + 5,
            started_at,
        }))
    });
    mocks.users.expect_find().return_once(|_| Ok(None));
    mocks.hasher.expect_verify().return_once(|_, _| Ok(false));
    mocks
        .throttle
        .expect_record_failure()
        .returning(|_, now, _| {
            Ok(FailureWindow {
                failures: 1,
                started_at: now,
            })
        });
    let err = service(mocks)
        .await
        .login("bob", "whatever", None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthenticated(_)));
}

#[tokio::test]
async fn authenticate_resolves_live_tokens_only() {
    let who = principal(Role::User);
    let expected = who.clone();
    let mut mocks = mocks();
    mocks
        .sessions
        .expect_principal()
        .withf(|hash, now| *hash == hash_token("good") && *now == t0())
        .return_once(move |_, _| Ok(Some(who)));
    mocks.sessions.expect_principal().returning(|_, _| Ok(None));
    let svc = service(mocks).await;
    assert_eq!(svc.authenticate("good").await.unwrap(), expected);
    let err = svc.authenticate("stale").await.unwrap_err();
    assert!(matches!(err, Error::Unauthenticated(_)));
}

#[tokio::test]
async fn logout_revokes_by_hash_and_store_outages_pass_through() {
    let mut mocks = mocks();
    mocks
        .sessions
        .expect_revoke()
        .with(eq(hash_token("tok")))
        .return_once(|_| Ok(()));
    mocks
        .sessions
        .expect_principal()
        .returning(|_, _| Err(Error::Unavailable("db down".into())));
    let svc = service(mocks).await;
    svc.logout("tok").await.unwrap();
    let err = svc.authenticate("tok").await.unwrap_err();
    assert!(matches!(err, Error::Unavailable(_)));
}

#[tokio::test]
async fn a_legacy_hash_is_replaced_at_login_without_ending_sessions() {
    let legacy = User {
        password_hash: "$2b$10$legacy".into(),
        ..user("carol", Role::User)
    };
    let id = legacy.id;
    let found = legacy.clone();
    let mut mocks = mocks();
    not_throttled(&mut mocks);
    mocks
        .users
        .expect_find()
        .return_once(move |_| Ok(Some(found)));
    mocks.hasher.expect_verify().return_once(|_, _| Ok(true));
    mocks.throttle.expect_clear().return_once(|_| Ok(()));
    mocks
        .hasher
        .expect_needs_rehash()
        .with(eq("$2b$10$legacy"))
        .return_const(true);
    mocks
        .hasher
        .expect_hash()
        .withf(|pw| pw.expose() == "carol-pass")
        .return_once(|_| Ok("$argon2id$fresh".into()));
    mocks
        .users
        .expect_update()
        .withf(move |uid, patch, revoke, _| {
            *uid == id && patch.password_hash.as_deref() == Some("$argon2id$fresh") && !*revoke
        })
        .return_once(move |_, _, _, _| {
            Ok(User {
                password_hash: "$argon2id$fresh".into(),
                ..legacy
            })
        });
    mocks.sessions.expect_purge_expired().return_once(|_| Ok(0));
    mocks
        .sessions
        .expect_create()
        .return_once(|_, _, _, _| Ok(()));
    let outcome = service(mocks)
        .await
        .login("carol", "carol-pass", None)
        .await
        .unwrap();
    assert_eq!(outcome.user.password_hash, "$argon2id$fresh");
}
