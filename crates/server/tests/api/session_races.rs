//! Logins, password changes and deletions racing each other: no session outlives the
//! password or the user it was opened for, and no race answers 5xx.

use std::future::Future;
use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};

roster_test_support::on_every_backend!(
    crate::session_races::run_unthrottled;
    logins_racing_a_password_change_never_outlive_it,
    logins_and_team_creations_racing_a_deletion_answer_4xx_and_leave_no_orphans,
);

/// These tests fail logins on purpose, hundreds of times from one address.
async fn run_unthrottled<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    match spawn_app(backend, &["--login-max-failures", "100000"]).await {
        Some(app) => test(app).await,
        None => eprintln!("skipped: {backend:?} is not configured"),
    }
}

/// A login in one dialect or the other; the token if it succeeded.
async fn login(app: &TestApp, umami: bool, name: &str, password: &str) -> Option<String> {
    let body = json!({ "username": name, "password": password });
    let path = if umami {
        "/umami/api/auth/login"
    } else {
        "/api/auth/login"
    };
    let (status, body) = app.send(app.client.post(app.url(path)).json(&body)).await;
    assert!(
        matches!(status, StatusCode::OK | StatusCode::UNAUTHORIZED),
        "{status} {body}"
    );
    (status == StatusCode::OK).then(|| body["token"].as_str().expect("token").to_owned())
}

/// Asserts that neither dialect accepts `token` any more.
async fn assert_refused(app: &TestApp, token: &str, name: &str) {
    let (status, body) = app
        .mcp(Method::GET, &format!("/users/{name}"), Some(token), None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "MCPHub: {body}");
    let (status, body) = app.umami(Method::GET, "/me", Some(token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "Umami: {body}");
}

async fn logins_racing_a_password_change_never_outlive_it(app: TestApp) {
    let admin = app.admin_token().await;
    let (id, _) = app.umami_user(&admin, "racer", "user").await;
    let app = Arc::new(app);
    let mut old = "password-1".to_owned();
    for round in 0..50 {
        let new = format!("password-{}", round + 2);
        let own_token = login(&app, false, "racer", &old).await.expect("login");
        let logins: Vec<_> = (0..8)
            .map(|i| {
                let (app, old) = (app.clone(), old.clone());
                tokio::spawn(async move { login(&app, i % 2 == 0, "racer", &old).await })
            })
            .collect();
        // Each way of changing a password in turn.
        let (status, body) = match round % 3 {
            0 => {
                let body = json!({ "currentPassword": old, "newPassword": new });
                app.umami(Method::POST, "/me/password", Some(&own_token), Some(body))
                    .await
            }
            1 => {
                let body = json!({ "password": new });
                app.mcp(Method::PUT, "/users/racer", Some(&admin), Some(body))
                    .await
            }
            _ => {
                let body = json!({ "password": new });
                app.umami(
                    Method::POST,
                    &format!("/users/{id}"),
                    Some(&admin),
                    Some(body),
                )
                .await
            }
        };
        assert_eq!(status, StatusCode::OK, "round {round}: {body}");
        // A change of one's own password keeps the session it was made in.
        let mut tokens = if round % 3 == 0 {
            let (status, _) = app.umami(Method::GET, "/me", Some(&own_token), None).await;
            assert_eq!(status, StatusCode::OK, "round {round}");
            Vec::new()
        } else {
            vec![own_token]
        };
        for task in logins {
            tokens.extend(task.await.unwrap());
        }
        for token in &tokens {
            assert_refused(&app, token, "racer").await;
        }
        assert!(login(&app, true, "racer", &new).await.is_some());
        old = new;
    }
}

async fn logins_and_team_creations_racing_a_deletion_answer_4xx_and_leave_no_orphans(app: TestApp) {
    let admin = app.admin_token().await;
    let app = Arc::new(app);
    for round in 0..20 {
        let name = format!("doomed{round}");
        let (id, token) = app.umami_user(&admin, &name, "user").await;
        let mut tasks = Vec::new();
        for i in 0..4 {
            let (app, name, token) = (app.clone(), name.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                if i % 2 == 0 {
                    login(&app, i == 0, &name, "password-1")
                        .await
                        .map(Value::from)
                } else {
                    let body = json!({ "name": format!("team {i}") });
                    let (status, body) = app
                        .umami(Method::POST, "/teams", Some(&token), Some(body))
                        .await;
                    assert!(
                        matches!(
                            status,
                            StatusCode::OK | StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND
                        ),
                        "team creation: {status} {body}"
                    );
                    (status == StatusCode::OK).then(|| json!({ "team": body[0]["id"] }))
                }
            }));
        }
        let (status, body) = app
            .umami(Method::DELETE, &format!("/users/{id}"), Some(&admin), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        for task in tasks {
            match task.await.unwrap() {
                Some(Value::String(token)) => assert_refused(&app, &token, &name).await,
                // A team that was created went with its only owner.
                Some(created) => {
                    let team = created["team"].as_str().expect("the team's id");
                    let (status, body) = app
                        .umami(Method::GET, &format!("/teams/{team}"), Some(&admin), None)
                        .await;
                    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
                }
                None => {}
            }
        }
    }
}
