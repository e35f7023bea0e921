use std::time::Duration;

use mockall::predicate::eq;
use roster_domain::ports::{FailureWindow, ThrottleKeys};
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

fn window(failures: u32) -> FailureWindow {
    FailureWindow {
        failures,
        started_at: t0(),
    }
}

fn throttle_keys(name: &str, client: Option<&str>) -> ThrottleKeys {
    GuessKeys::password(name, client).keys().clone()
}

fn user_key(name: &str) -> String {
    throttle_keys(name, None).guesser
}

/// Every attempt is counted first; here each key is at its first attempt.
fn counted_once(mocks: &mut Mocks) {
    mocks
        .throttle
        .expect_record_attempts()
        .returning(|keys, _, _| Ok(keys.all().map(|_| window(1)).collect()));
}

/// What a successful login does to the counters.
fn forgiven(mocks: &mut Mocks, name: &str, addr: &'static str) {
    let keys = ThrottleKeys {
        guesser: user_key(name),
        client: Some(addr.to_owned()),
    };
    mocks
        .throttle
        .expect_record_success()
        .withf(move |k| *k == keys)
        .times(1)
        .return_once(|_| Ok(()));
}

#[test]
fn the_name_key_is_a_digest_of_the_folded_name() {
    let keys = throttle_keys(" Alice ", Some("10.0.0.1"));
    assert_eq!(keys.guesser, user_key("alice"));
    assert_eq!(keys.guesser.len(), "user:".len() + 64);
    assert_eq!(keys.client.as_deref(), Some("addr:10.0.0.1"));
    assert_eq!(throttle_keys(&"x".repeat(5000), None).guesser.len(), 69);
}

#[tokio::test]
async fn login_opens_a_session_that_expires_after_the_ttl() {
    let alice = user("alice", Role::User);
    let id = alice.id;
    let mut mocks = mocks();
    counted_once(&mut mocks);
    mocks
        .users
        .expect_find_as_stored_now()
        .with(eq(UserKey::Name("Alice".into())))
        .return_once(move |_| Ok(Some(alice)));
    mocks
        .hasher
        .expect_verify()
        .withf(|pw, hash| pw == "pw-alice" && hash == "hash-of-alice")
        .return_once(|_, _| Ok(true));
    forgiven(&mut mocks, "alice", "addr:10.0.0.1");
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
        .withf(move |_, uid, verified, created, expires| {
            *uid == id && verified == "hash-of-alice" && *created == t0() && *expires == t0() + ttl
        })
        .return_once(move |hash, _, _, _, _| {
            tx.send(hash.clone()).unwrap();
            Ok(true)
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
async fn a_purge_that_fails_does_not_fail_the_login() {
    let dan = user("dan", Role::User);
    let mut mocks = mocks();
    password_verified(&mut mocks, &dan);
    mocks.hasher.expect_needs_rehash().return_const(false);
    mocks
        .sessions
        .expect_purge_expired()
        .return_once(|_| Err(Error::unavailable("the database did not answer in time")));
    mocks
        .sessions
        .expect_create()
        .return_once(|_, _, _, _, _| Ok(true));
    let outcome = service(mocks).await.login("dan", "pw", None).await;
    assert!(outcome.is_ok());
}

/// A clock the test moves forward.
struct SteppedClock(std::sync::Mutex<chrono::DateTime<chrono::Utc>>);

impl roster_domain::ports::Clock for SteppedClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        *self.0.lock().unwrap()
    }
}

#[tokio::test]
async fn expired_sessions_are_purged_by_at_most_one_login_a_minute() {
    let mut mocks = mocks();
    counted_once(&mut mocks);
    mocks
        .users
        .expect_find_as_stored_now()
        .returning(|_| Ok(Some(user("alice", Role::User))));
    mocks.hasher.expect_verify().returning(|_, _| Ok(true));
    mocks.hasher.expect_needs_rehash().return_const(false);
    mocks.throttle.expect_record_success().returning(|_| Ok(()));
    mocks
        .sessions
        .expect_create()
        .returning(|_, _, _, _, _| Ok(true));
    let purged = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = purged.clone();
    mocks.sessions.expect_purge_expired().returning(move |now| {
        seen.lock().unwrap().push(now);
        Ok(0)
    });
    let clock = Arc::new(SteppedClock(std::sync::Mutex::new(t0())));
    let mut ports = mocks.ports();
    ports.clock = clock.clone();
    let svc = AuthService::new(ports, AuthConfig::default())
        .await
        .unwrap();
    for after in [0, 1, 59, 60, 61, 130] {
        *clock.0.lock().unwrap() = t0() + chrono::Duration::seconds(after);
        svc.login("alice", "pw", Some("10.0.0.1")).await.unwrap();
    }
    let at = |s| t0() + chrono::Duration::seconds(s);
    assert_eq!(*purged.lock().unwrap(), vec![at(0), at(60), at(130)]);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_name_fail_alike_and_count_against_both_keys() {
    for known in [true, false] {
        let mut mocks = mocks();
        mocks
            .users
            .expect_find_as_stored_now()
            .return_once(move |_| Ok(known.then(|| user("bob", Role::User))));
        let expected_hash = if known { "hash-of-bob" } else { "decoy-hash" };
        mocks
            .hasher
            .expect_verify()
            .withf(move |_, hash| hash == expected_hash)
            .times(1)
            .return_once(|_, _| Ok(false));
        let keys = ThrottleKeys {
            guesser: user_key("bob"),
            client: Some("addr:10.0.0.9".to_owned()),
        };
        mocks
            .throttle
            .expect_record_attempts()
            .withf(move |k, now, _| *k == keys && *now == t0())
            .times(1)
            .returning(|_, _, _| Ok(vec![window(1), window(1)]));
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
async fn past_the_limit_attempts_are_refused_until_the_window_ends_without_hashing() {
    let mut mocks = mocks();
    let limits = AuthConfig::default().throttle;
    let started_at = t0() - chrono::Duration::seconds(60);
    mocks
        .throttle
        .expect_record_attempts()
        .returning(move |_, _, _| {
            Ok(vec![FailureWindow {
                failures: limits.max_failures + 1,
                started_at,
            }])
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
async fn the_last_attempt_within_the_limit_is_still_checked() {
    let mut mocks = mocks();
    let limits = AuthConfig::default().throttle;
    mocks
        .throttle
        .expect_record_attempts()
        .returning(move |_, _, _| Ok(vec![window(limits.max_failures)]));
    mocks
        .users
        .expect_find_as_stored_now()
        .return_once(|_| Ok(None));
    mocks.hasher.expect_verify().return_once(|_, _| Ok(false));
    let err = service(mocks)
        .await
        .login("bob", "whatever", None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unauthenticated(_)));
}

#[tokio::test]
async fn impossible_names_are_not_looked_up_but_cost_a_hash() {
    let mut mocks = mocks();
    counted_once(&mut mocks);
    mocks
        .hasher
        .expect_verify()
        .withf(|_, hash| hash == "decoy-hash")
        .times(1)
        .return_once(|_, _| Ok(false));
    let err = service(mocks)
        .await
        .login("nul\u{0}byte", "whatever", None)
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
        .returning(|_, _| Err(Error::unavailable("db down")));
    let svc = service(mocks).await;
    svc.logout("tok").await.unwrap();
    let err = svc.authenticate("tok").await.unwrap_err();
    assert!(matches!(err, Error::Unavailable { .. }));
}

#[tokio::test]
async fn a_legacy_hash_is_replaced_at_login_without_ending_sessions() {
    let legacy = User {
        password_hash: "$2b$10$legacy".into(),
        ..user("carol", Role::User)
    };
    let id = legacy.id;
    let mut mocks = mocks();
    counted_once(&mut mocks);
    mocks
        .users
        .expect_find_as_stored_now()
        .return_once(move |_| Ok(Some(legacy)));
    mocks.hasher.expect_verify().return_once(|_, _| Ok(true));
    mocks
        .throttle
        .expect_record_success()
        .return_once(|_| Ok(()));
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
        .expect_replace_hash()
        .withf(move |uid, verified, new, _| {
            *uid == id && verified == "$2b$10$legacy" && new == "$argon2id$fresh"
        })
        .return_once(|_, _, _, _| Ok(true));
    mocks.sessions.expect_purge_expired().return_once(|_| Ok(0));
    mocks
        .sessions
        .expect_create()
        .withf(|_, _, verified, _, _| verified == "$argon2id$fresh")
        .return_once(|_, _, _, _, _| Ok(true));
    let outcome = service(mocks)
        .await
        .login("carol", "carol-pass", None)
        .await
        .unwrap();
    assert_eq!(outcome.user.password_hash, "$argon2id$fresh");
}

/// A login whose password was verified just before a change of it must not end with a
/// session (or with the old password's hash written back).
#[tokio::test]
async fn a_password_changed_after_its_check_fails_the_login() {
    for legacy in [false, true] {
        let dan = user("dan", Role::User);
        let mut mocks = mocks();
        password_verified(&mut mocks, &dan);
        mocks.hasher.expect_needs_rehash().return_const(legacy);
        mocks.sessions.expect_purge_expired().returning(|_| Ok(0));
        if legacy {
            upgrade_lost_to(&mut mocks, &dan, "$argon2id$changed");
            mocks
                .hasher
                .expect_verify()
                .with(eq("pw"), eq("$argon2id$changed"))
                .return_once(|_, _| Ok(false));
            mocks.sessions.expect_create().never();
        } else {
            mocks
                .sessions
                .expect_create()
                .withf(|_, _, verified, _, _| verified == "hash-of-dan")
                .return_once(|_, _, _, _, _| Ok(false));
        }
        let err = service(mocks)
            .await
            .login("dan", "pw", None)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Unauthenticated(_)), "{err:?}");
    }
}

/// Dan's login is counted, his name found and his password `pw` verified against his hash.
fn password_verified(mocks: &mut Mocks, dan: &User) {
    counted_once(mocks);
    let found = dan.clone();
    mocks
        .users
        .expect_find_as_stored_now()
        .with(eq(UserKey::Name("dan".into())))
        .return_once(move |_| Ok(Some(found)));
    mocks
        .hasher
        .expect_verify()
        .with(eq("pw"), eq("hash-of-dan"))
        .return_once(|_, _| Ok(true));
    mocks
        .throttle
        .expect_record_success()
        .return_once(|_| Ok(()));
}

/// The stored hash is no longer the one verified when the upgrade is written; it is read
/// again as `now`.
fn upgrade_lost_to(mocks: &mut Mocks, dan: &User, now: &'static str) {
    mocks
        .hasher
        .expect_hash()
        .return_once(|_| Ok("$argon2id$fresh".into()));
    mocks
        .users
        .expect_replace_hash()
        .return_once(|_, _, _, _| Ok(false));
    let stored = User {
        password_hash: now.into(),
        ..dan.clone()
    };
    mocks
        .users
        .expect_find_as_stored_now()
        .with(eq(UserKey::Id(dan.id)))
        .return_once(move |_| Ok(Some(stored)));
}

/// Two logins of one password on a legacy hash: the one whose upgrade lost to the other's
/// still logs in, on the hash the other wrote.
#[tokio::test]
async fn a_login_whose_upgrade_lost_to_another_logins_still_succeeds() {
    let dan = user("dan", Role::User);
    let mut mocks = mocks();
    password_verified(&mut mocks, &dan);
    mocks
        .hasher
        .expect_needs_rehash()
        .with(eq("hash-of-dan"))
        .return_const(true);
    mocks.sessions.expect_purge_expired().returning(|_| Ok(0));
    upgrade_lost_to(&mut mocks, &dan, "$argon2id$by-the-other");
    mocks
        .hasher
        .expect_verify()
        .with(eq("pw"), eq("$argon2id$by-the-other"))
        .return_once(|_, _| Ok(true));
    mocks
        .sessions
        .expect_create()
        .withf(|_, _, verified, _, _| verified == "$argon2id$by-the-other")
        .return_once(|_, _, _, _, _| Ok(true));
    let outcome = service(mocks).await.login("dan", "pw", None).await.unwrap();
    assert_eq!(outcome.user.password_hash, "$argon2id$by-the-other");
}

#[tokio::test]
async fn a_random_source_that_fails_fails_the_login_without_opening_a_session() {
    let dan = user("dan", Role::User);
    let mut mocks = mocks();
    password_verified(&mut mocks, &dan);
    mocks.hasher.expect_needs_rehash().return_const(false);
    mocks.sessions.expect_purge_expired().return_once(|_| Ok(0));
    let mut random = roster_domain::ports::MockRandom::new();
    let mut draws = mockall::Sequence::new();
    random
        .expect_fill()
        .times(1)
        .in_sequence(&mut draws)
        .returning(|bytes| {
            bytes.fill(7);
            Ok(())
        });
    random
        .expect_fill()
        .times(1)
        .in_sequence(&mut draws)
        .returning(|_| Err(Error::internal("random source: exhausted")));
    let mut ports = mocks.ports();
    ports.random = Arc::new(random);
    let svc = AuthService::new(ports, AuthConfig::default())
        .await
        .unwrap();
    let outcome = svc.login("dan", "pw", None).await;
    assert!(
        matches!(outcome, Err(Error::Internal { detail: m, .. }) if m.contains("random source"))
    );
}

#[tokio::test]
async fn api_keys_are_resolved_by_the_key_store_and_never_logged_out() {
    let key = "umami_0123456789abcdefghijklmnopqrstuv";
    let who = principal(Role::User);
    let expected = who.clone();
    let mut mocks = mocks();
    mocks
        .api_keys
        .expect_principal()
        .withf(move |hash, now| *hash == hash_token(key) && *now == t0())
        .return_once(move |_, _| Ok(Some(who)));
    mocks.api_keys.expect_principal().returning(|_, _| Ok(None));
    let svc = service(mocks).await;
    assert_eq!(svc.authenticate(key).await.unwrap(), expected);
    let err = svc.authenticate("umami_revoked").await.unwrap_err();
    assert!(matches!(err, Error::Unauthenticated(_)));
    let err = svc.logout(key).await.unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
}
