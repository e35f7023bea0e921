//! Several instances on one database behave as one service.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app_on};

roster_test_support::on_every_backend!(
    crate::helpers::run;
    two_instances_share_users_sessions_and_logouts,
);

async fn two_instances_share_users_sessions_and_logouts(first: TestApp) {
    let second = spawn_app_on(&first.db_url, &[]).await;
    let admin = first.admin_token().await;
    let body = json!({ "username": "shared", "password": "password-1" });
    let (status, _) = first
        .mcp(Method::POST, "/users", Some(&admin), Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, seen) = second
        .mcp(Method::GET, "/users/shared", Some(&admin), None)
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a token from one instance works on the other: {seen}"
    );

    let token = second.token("shared", "password-1").await;
    let (status, _) = first.umami(Method::GET, "/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = first
        .umami(Method::POST, "/auth/logout", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    for app in [&first, &second] {
        let (status, _) = app.umami(Method::GET, "/me", Some(&token), None).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "the logout holds on every instance"
        );
    }
}
