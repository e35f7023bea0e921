//! Login abuse and session lifetime: throttling by name and by address, windows that end,
//! equal time for unknown names, tokens that expire.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};

use crate::helpers::{ADMIN_PASSWORD, Backend, spawn_app};

#[tokio::test]
async fn unknown_users_and_wrong_passwords_take_the_same_time() {
    // Hashing must dominate the request for the comparison to mean anything.
    let args = [
        "--argon2-memory-kib",
        "16384",
        "--argon2-iterations",
        "2",
        "--login-max-failures",
        "1000000",
    ];
    let app = spawn_app(Backend::Sqlite, &args).await.unwrap();
    let mut timings = [Vec::new(), Vec::new()];
    for round in 0..50 {
        for (i, name) in ["admin", "nobody-at-all"].into_iter().enumerate() {
            let started = Instant::now();
            let (status, _) = app.login(name, "not-the-password").await;
            let elapsed = started.elapsed();
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            if round >= 5 {
                timings[i].push(elapsed);
            }
        }
    }
    let median = |samples: &mut Vec<Duration>| {
        samples.sort();
        samples[samples.len() / 2].as_secs_f64()
    };
    let (known, unknown) = (median(&mut timings[0]), median(&mut timings[1]));
    let ratio = known / unknown;
    assert!(
        (0.6..1.67).contains(&ratio),
        "wrong password {known:.4}s vs unknown user {unknown:.4}s"
    );
}

#[tokio::test]
async fn a_throttled_name_is_free_again_when_its_window_ends() {
    let args = ["--login-max-failures", "2", "--login-window-secs", "1"];
    let app = spawn_app(Backend::Sqlite, &args).await.unwrap();
    for _ in 0..2 {
        assert_eq!(
            app.login("admin", "wrong").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (status, _) = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "no lasting lockout: {body}");
}

#[tokio::test]
async fn successful_logins_are_not_counted() {
    let args = ["--login-max-failures", "3"];
    let app = spawn_app(Backend::Sqlite, &args).await.unwrap();
    for _ in 0..2 {
        assert_eq!(
            app.login("admin", "wrong").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    for _ in 0..5 {
        assert_eq!(app.login("admin", ADMIN_PASSWORD).await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn one_address_trying_many_names_is_throttled() {
    let args = ["--login-max-failures", "3"];
    let app = spawn_app(Backend::Sqlite, &args).await.unwrap();
    for name in ["guess-1", "guess-2", "guess-3"] {
        assert_eq!(app.login(name, "wrong").await.0, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = app.login("guess-4", "wrong").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let body = serde_json::json!({ "username": "guess-5", "password": "x" });
    let (status, body) = app
        .umami(Method::POST, "/auth/login", None, Some(body))
        .await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "both dialects share the counters"
    );
    assert_eq!(
        body["error"]["code"],
        serde_json::json!("too-many-requests")
    );
}

#[tokio::test]
async fn tokens_expire_in_both_dialects() {
    let app = spawn_app(Backend::Sqlite, &["--token-ttl-secs", "1"])
        .await
        .unwrap();
    let token = app.admin_token().await;
    assert_eq!(
        app.mcp(Method::GET, "/users", Some(&token), None).await.0,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(
        app.mcp(Method::GET, "/users", Some(&token), None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.umami(Method::GET, "/me", Some(&token), None).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parallel_burst_of_guesses_gets_no_more_tries_than_the_limit() {
    let app = std::sync::Arc::new(
        spawn_app(Backend::Sqlite, &["--login-max-failures", "5"])
            .await
            .unwrap(),
    );
    let guesses: Vec<_> = (0..30)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move { app.login("admin", &format!("guess-{i}")).await.0 })
        })
        .collect();
    let mut checked = 0;
    for guess in guesses {
        match guess.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(checked <= 5, "{checked} passwords were checked");
}
