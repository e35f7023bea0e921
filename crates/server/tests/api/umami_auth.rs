//! Umami login, sessions and the caller's own resources.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{ADMIN_PASSWORD, TestApp, assert_umami_error};

roster_test_support::on_every_backend!(
    crate::helpers::run;
    login_returns_the_token_and_the_user_with_teams,
    tokens_work_across_dialects,
    logout_revokes_the_token,
    verify_and_me_describe_the_caller,
    failures_use_umamis_error_body,
    own_password_changes_need_the_current_one_and_end_other_sessions,
);

async fn login(app: &TestApp, username: &str, password: &str) -> (StatusCode, serde_json::Value) {
    let body = json!({ "username": username, "password": password });
    app.umami(Method::POST, "/auth/login", None, Some(body))
        .await
}

async fn login_returns_the_token_and_the_user_with_teams(app: TestApp) {
    let (status, body) = login(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap();
    assert_eq!(token.len(), 64);
    let user = &body["user"];
    assert_eq!(
        (user["username"].clone(), user["role"].clone()),
        (json!("admin"), json!("admin"))
    );
    assert_eq!(user["isAdmin"], json!(true));
    assert_eq!(user["teams"], json!([]));
    assert!(user["id"].as_str().unwrap().len() == 36 && user["createdAt"].is_string());
    app.umami(
        Method::POST,
        "/teams",
        Some(token),
        Some(json!({ "name": "Blue" })),
    )
    .await;
    let (_, body) = login(&app, "admin", ADMIN_PASSWORD).await;
    assert_eq!(body["user"]["teams"][0]["name"], json!("Blue"));
}

async fn tokens_work_across_dialects(app: TestApp) {
    let mcp_token = app.admin_token().await;
    let (status, me) = app.umami(Method::GET, "/me", Some(&mcp_token), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let (_, body) = login(&app, "admin", ADMIN_PASSWORD).await;
    let umami_token = body["token"].as_str().unwrap();
    let (status, _) = app
        .mcp(Method::GET, "/users", Some(umami_token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn logout_revokes_the_token(app: TestApp) {
    let token = app.admin_token().await;
    let (status, body) = app
        .umami(Method::POST, "/auth/logout", Some(&token), None)
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "ok": true })));
    let after = app.umami(Method::GET, "/me", Some(&token), None).await;
    assert_umami_error(
        &after,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "invalid or expired",
    );
    let (status, _) = app.mcp(Method::GET, "/users", Some(&token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "revoked in both dialects");
}

async fn verify_and_me_describe_the_caller(app: TestApp) {
    let admin = app.admin_token().await;
    let (id, viewer) = app.umami_user(&admin, "viewer", "view-only").await;
    let (status, body) = app
        .umami(Method::POST, "/auth/verify", Some(&viewer), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["id"].clone(), body["role"].clone()),
        (json!(id), json!("view-only"))
    );
    assert_eq!(body["isAdmin"], json!(false));
    let (_, me) = app.umami(Method::GET, "/me", Some(&viewer), None).await;
    assert_eq!(me["authType"], json!("session"));
    assert_eq!(me["user"]["username"], json!("viewer"));
    let (status, page) = app
        .umami(Method::GET, "/me/teams", Some(&viewer), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            page["count"].clone(),
            page["page"].clone(),
            page["pageSize"].clone()
        ),
        (json!(0), json!(1), json!(20))
    );
    let (status, page) = app
        .umami(
            Method::GET,
            "/me/websites?includeTeams=true",
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!((status, page["data"].clone()), (StatusCode::OK, json!([])));
}

async fn failures_use_umamis_error_body(app: TestApp) {
    let wrong = login(&app, "admin", "wrong-password").await;
    assert_umami_error(
        &wrong,
        StatusCode::UNAUTHORIZED,
        "incorrect-username-password",
        "invalid username or password",
    );
    assert_eq!(wrong, login(&app, "nobody", "wrong-password").await);
    let missing = app.umami(Method::GET, "/me", None, None).await;
    assert_umami_error(
        &missing,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "authentication required",
    );
    let bad_json = app
        .send(
            app.request(Method::POST, "/umami/api/auth/login", None)
                .header("content-type", "application/json")
                .body("{"),
        )
        .await;
    assert_umami_error(
        &bad_json,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "invalid request body",
    );
    let form = app
        .send(
            app.request(Method::POST, "/umami/api/auth/login", None)
                .header("content-type", "text/plain")
                .body("admin"),
        )
        .await;
    assert_umami_error(
        &form,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "the body must be JSON",
    );
    let no_route = app.umami(Method::GET, "/nowhere", None, None).await;
    assert_umami_error(
        &no_route,
        StatusCode::NOT_FOUND,
        "not-found",
        "no such route",
    );
}

async fn own_password_changes_need_the_current_one_and_end_other_sessions(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, user) = app.umami_user(&admin, "pat", "user").await;
    let elsewhere = app.token("pat", "password-1").await;
    let wrong = json!({ "currentPassword": "nope-nope", "newPassword": "brand-new-1" });
    let refused = app
        .umami(Method::POST, "/me/password", Some(&user), Some(wrong))
        .await;
    // A 400, not a 401: the client must not take it for a lost session.
    assert_umami_error(
        &refused,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "current password",
    );
    let short = json!({ "currentPassword": "password-1", "newPassword": "123" });
    let refused = app
        .umami(Method::POST, "/me/password", Some(&user), Some(short))
        .await;
    assert_umami_error(
        &refused,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "at least 6",
    );
    let good = json!({ "currentPassword": "password-1", "newPassword": "brand-new-1" });
    let (status, body) = app
        .umami(Method::POST, "/me/password", Some(&user), Some(good))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app.umami(Method::GET, "/me", Some(&user), None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the session it was changed in goes on"
    );
    let (status, _) = app.umami(Method::GET, "/me", Some(&elsewhere), None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "every other session ended"
    );
    app.token("pat", "brand-new-1").await;
}
