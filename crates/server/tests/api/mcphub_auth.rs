//! Logging in through the MCPHub dialect, and what a token is good for.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{ADMIN_PASSWORD, Backend, TestApp, assert_mcp_error, spawn_app};

roster_test_support::on_every_backend!(
    crate::helpers::run;
    login_returns_a_token_and_the_user,
    the_token_works_as_bearer_and_as_x_auth_token,
    wrong_passwords_and_unknown_users_get_the_same_401,
    login_refuses_malformed_bodies,
    the_current_user_is_read_as_stored_now,
    a_password_change_keeps_its_session_and_ends_the_others,
);

async fn login_returns_a_token_and_the_user(app: TestApp) {
    let (status, body) = app.login("ADMIN", ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["success"], json!(true));
    assert_eq!(body["message"], json!("Login successful"));
    assert_eq!(body["token"].as_str().unwrap().len(), 64);
    assert_eq!(
        body["user"],
        json!({
            "username": "admin", "role": "admin", "isAdmin": true, "servers": [], "groups": [],
            "permissions": ["*", "x"]
        })
    );
}

async fn the_current_user_is_read_as_stored_now(app: TestApp) {
    let admin = app.admin_token().await;
    let gina = app.user_with_role(&admin, "gina", "user").await;
    let (status, body) = app.mcp(Method::GET, "/auth/user", Some(&gina), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"success": true, "user": {
            "username": "gina", "role": "user", "isAdmin": false, "servers": [], "groups": [],
            "permissions": [""]
        }})
    );
    let granted = json!({ "servers": ["s1"] });
    let (status, _) = app
        .mcp(Method::PUT, "/users/gina", Some(&admin), Some(granted))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, body) = app.mcp(Method::GET, "/auth/user", Some(&gina), None).await;
    assert_eq!(body["user"]["servers"], json!(["s1"]));
    let request = app
        .request(Method::GET, "/api/auth/user", None)
        .header("x-auth-token", &gina);
    assert_eq!(app.send(request).await.0, StatusCode::OK);
    let (status, _) = app
        .mcp(Method::DELETE, "/users/gina", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let gone = app.mcp(Method::GET, "/auth/user", Some(&gina), None).await;
    assert_eq!(gone.0, StatusCode::UNAUTHORIZED, "{}", gone.1);
    let anonymous = app.mcp(Method::GET, "/auth/user", None, None).await;
    assert_mcp_error(
        &anonymous,
        StatusCode::UNAUTHORIZED,
        "authentication required",
    );
}

async fn the_token_works_as_bearer_and_as_x_auth_token(app: TestApp) {
    let token = app.admin_token().await;
    let (status, _) = app.mcp(Method::GET, "/users", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    let request = app
        .request(Method::GET, "/api/users", None)
        .header("x-auth-token", &token);
    let (status, body) = app.send(request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn wrong_passwords_and_unknown_users_get_the_same_401(app: TestApp) {
    let wrong = app.login("admin", "not-the-password").await;
    let unknown = app.login("nobody", "not-the-password").await;
    assert_mcp_error(
        &wrong,
        StatusCode::UNAUTHORIZED,
        "invalid username or password",
    );
    assert_eq!(wrong, unknown);
}

async fn login_refuses_malformed_bodies(app: TestApp) {
    for body in [
        json!({ "username": "admin" }),
        json!({ "password": "x" }),
        json!([]),
    ] {
        let request = app.client.post(app.url("/api/auth/login")).json(&body);
        let refused = app.send(request).await;
        assert_mcp_error(&refused, StatusCode::BAD_REQUEST, "invalid request body");
    }
}

/// After the configured number of failures the username is refused with 429 and a
/// Retry-After, even with the right password; other names are unaffected.
#[tokio::test]
async fn repeated_failures_are_throttled_with_retry_after() {
    let args = ["--login-max-failures", "3", "--login-window-secs", "60"];
    let app = spawn_app(Backend::Sqlite, &args).await.unwrap();
    for _ in 0..3 {
        let (status, _) = app.login("admin", "wrong-password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .json(&json!({ "username": "admin", "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["success"], json!(false));
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("too many failed attempts")
    );
}

async fn a_password_change_keeps_its_session_and_ends_the_others(app: TestApp) {
    let admin = app.admin_token().await;
    let gina = app.user_with_role(&admin, "gina", "user").await;
    let elsewhere = app.token("gina", "password-1").await;
    let change =
        |current: &str, new: &str| json!({ "currentPassword": current, "newPassword": new });
    let wrong = app
        .mcp(
            Method::POST,
            "/auth/change-password",
            Some(&gina),
            Some(change("nope-nope", "fresh-pass-1")),
        )
        .await;
    // A 400, where MCPHub answers 401: its frontend drops the login on any 401.
    assert_mcp_error(&wrong, StatusCode::BAD_REQUEST, "current password is wrong");
    let short = app
        .mcp(
            Method::POST,
            "/auth/change-password",
            Some(&gina),
            Some(change("password-1", "123")),
        )
        .await;
    assert_mcp_error(&short, StatusCode::BAD_REQUEST, "at least 6");
    let (status, body) = app
        .mcp(
            Method::POST,
            "/auth/change-password",
            Some(&gina),
            Some(change("password-1", "fresh-pass-1")),
        )
        .await;
    assert_eq!(
        (status, body),
        (
            StatusCode::OK,
            json!({"success": true, "message": "Password updated successfully"})
        )
    );
    let (status, _) = app.mcp(Method::GET, "/auth/user", Some(&gina), None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the session it was changed in goes on"
    );
    let (status, _) = app
        .mcp(Method::GET, "/auth/user", Some(&elsewhere), None)
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "every other session ended"
    );
    assert_eq!(
        app.login("gina", "password-1").await.0,
        StatusCode::UNAUTHORIZED
    );
    app.token("gina", "fresh-pass-1").await;
    let anonymous = app
        .mcp(
            Method::POST,
            "/auth/change-password",
            None,
            Some(change("a", "b")),
        )
        .await;
    assert_eq!(anonymous.0, StatusCode::UNAUTHORIZED);
}
