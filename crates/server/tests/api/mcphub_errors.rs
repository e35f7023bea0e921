//! The MCPHub users API: every documented refusal, each leaving the store unchanged.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_mcp_error};

roster_test_support::on_every_backend!(
    crate::helpers::run;
    user_endpoints_refuse_missing_and_bad_tokens,
    user_endpoints_are_forbidden_to_non_admins,
    create_refuses_invalid_input,
    create_refuses_a_taken_name_in_any_case,
    unknown_users_are_404,
    update_refuses_contradictory_bodies_and_takes_untouched_ones,
    the_last_admin_can_be_neither_demoted_nor_deleted,
    admins_cannot_delete_themselves,
    oversized_and_malformed_bodies_are_4xx_envelopes,
);

/// Every user endpoint, with a valid body where one is needed.
fn endpoints() -> Vec<(Method, &'static str, Option<Value>)> {
    vec![
        (Method::GET, "/users", None),
        (Method::GET, "/users/admin", None),
        (
            Method::POST,
            "/users",
            Some(json!({ "username": "x1", "password": "secret-1" })),
        ),
        (
            Method::PUT,
            "/users/admin",
            Some(json!({ "servers": ["s"] })),
        ),
        (Method::DELETE, "/users/admin", None),
        (Method::GET, "/users-stats", None),
    ]
}

async fn user_list(app: &TestApp) -> Value {
    let admin = app.admin_token().await;
    app.mcp(Method::GET, "/users", Some(&admin), None).await.1
}

async fn user_endpoints_refuse_missing_and_bad_tokens(app: TestApp) {
    let before = user_list(&app).await;
    for (method, path, body) in endpoints() {
        let none = app.mcp(method.clone(), path, None, body.clone()).await;
        assert_mcp_error(&none, StatusCode::UNAUTHORIZED, "authentication required");
        let bad = app
            .mcp(method.clone(), path, Some("not-a-token"), body.clone())
            .await;
        assert_mcp_error(&bad, StatusCode::UNAUTHORIZED, "invalid or expired token");
        let mut request = app
            .request(method.clone(), &format!("/api{path}"), None)
            .header("x-auth-token", "nope");
        if let Some(body) = &body {
            request = request.json(body);
        }
        let header = app.send(request).await;
        assert_mcp_error(
            &header,
            StatusCode::UNAUTHORIZED,
            "invalid or expired token",
        );
    }
    assert_eq!(user_list(&app).await, before);
}

async fn user_endpoints_are_forbidden_to_non_admins(app: TestApp) {
    let admin = app.admin_token().await;
    let user = app.user_with_role(&admin, "plain", "user").await;
    let viewer = app.user_with_role(&admin, "viewer", "view-only").await;
    let before = user_list(&app).await;
    for token in [&user, &viewer] {
        for (method, path, body) in endpoints() {
            let refused = app.mcp(method.clone(), path, Some(token), body).await;
            assert_mcp_error(&refused, StatusCode::FORBIDDEN, "admin");
        }
        // Even their own record is admin-only in this dialect.
        let own = app
            .mcp(Method::GET, "/users/plain", Some(token), None)
            .await;
        assert_mcp_error(&own, StatusCode::FORBIDDEN, "admin");
    }
    assert_eq!(user_list(&app).await, before);
}

async fn create_refuses_invalid_input(app: TestApp) {
    let admin = app.admin_token().await;
    let before = user_list(&app).await;
    let cases = [
        (
            json!({ "username": "short", "password": "12345" }),
            "at least 6",
        ),
        (
            json!({ "username": "r", "password": "secret-1", "role": "root" }),
            "role: unknown variant `root`",
        ),
        (
            json!({ "username": "r", "password": "secret-1", "role": "admin", "isAdmin": false }),
            "disagree",
        ),
        (
            json!({ "username": "   ", "password": "secret-1" }),
            "username",
        ),
        (
            json!({ "username": "6f1c3e1e-8f5b-4b7a-9b1a-0c2d3e4f5a6b", "password": "secret-1" }),
            "uuid",
        ),
        (
            json!({ "username": "x".repeat(256), "password": "secret-1" }),
            "255",
        ),
        (
            json!({ "username": "x", "password": "p".repeat(1025) }),
            "1024 bytes",
        ),
        (
            json!({ "password": "secret-1" }),
            "missing field `username`",
        ),
        (
            json!({ "username": 5, "password": "secret-1" }),
            "username: invalid type",
        ),
        (
            json!({ "username": "x", "password": "secret-1", "servers": [""] }),
            "servers",
        ),
        (
            json!({ "username": "x", "password": "secret-1", "groups": "g" }),
            "groups: invalid type",
        ),
    ];
    for (body, needle) in cases {
        let refused = app
            .mcp(Method::POST, "/users", Some(&admin), Some(body.clone()))
            .await;
        assert_mcp_error(&refused, StatusCode::BAD_REQUEST, needle);
    }
    assert_eq!(user_list(&app).await, before);
}

async fn create_refuses_a_taken_name_in_any_case(app: TestApp) {
    let admin = app.admin_token().await;
    app.user_with_role(&admin, "Frank", "user").await;
    let body = json!({ "username": "FRANK", "password": "secret-2", "role": "admin" });
    let refused = app
        .mcp(Method::POST, "/users", Some(&admin), Some(body))
        .await;
    assert_mcp_error(&refused, StatusCode::CONFLICT, "already exists");
    let (_, frank) = app
        .mcp(Method::GET, "/users/frank", Some(&admin), None)
        .await;
    assert_eq!(frank["data"]["role"], json!("user"));
}

async fn unknown_users_are_404(app: TestApp) {
    let admin = app.admin_token().await;
    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, Some(json!({ "role": "user" }))),
        (Method::DELETE, None),
    ] {
        let missing = app.mcp(method, "/users/ghost", Some(&admin), body).await;
        assert_mcp_error(&missing, StatusCode::NOT_FOUND, "not found");
    }
}

async fn update_refuses_contradictory_bodies_and_takes_untouched_ones(app: TestApp) {
    let admin = app.admin_token().await;
    app.user_with_role(&admin, "gina", "user").await;
    let before = user_list(&app).await;
    let cases = [
        (json!({ "password": "abc" }), "at least 6"),
        (
            json!({ "password": "secret-a", "newPassword": "secret-b" }),
            "disagree",
        ),
        (json!({ "role": "superuser" }), "role: unknown variant"),
        (json!({ "servers": "not-a-list" }), "servers: invalid type"),
        // serde would read the fields by position from an array.
        (json!(["secret-a", null]), "must be a JSON object"),
    ];
    for (body, needle) in cases {
        let refused = app
            .mcp(Method::PUT, "/users/gina", Some(&admin), Some(body))
            .await;
        assert_mcp_error(&refused, StatusCode::BAD_REQUEST, needle);
    }
    let no_body = app
        .request(Method::PUT, "/api/users/gina", Some(&admin))
        .header("content-type", "application/json");
    let no_body = app.send(no_body).await;
    assert_mcp_error(&no_body, StatusCode::BAD_REQUEST, "a JSON body is required");
    assert_eq!(user_list(&app).await, before);
    // What MCPHub's edit form sends when saved untouched: a change of nothing.
    for untouched in [json!({}), json!({ "isAdmin": false, "email": "" })] {
        let (status, body) = app
            .mcp(Method::PUT, "/users/gina", Some(&admin), Some(untouched))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["data"]["role"], json!("user"));
    }
    assert_eq!(user_list(&app).await, before);
}

async fn the_last_admin_can_be_neither_demoted_nor_deleted(app: TestApp) {
    let admin = app.admin_token().await;
    let demote = app
        .mcp(
            Method::PUT,
            "/users/admin",
            Some(&admin),
            Some(json!({ "role": "user" })),
        )
        .await;
    assert_mcp_error(&demote, StatusCode::CONFLICT, "at least one admin");
    let other = app.user_with_role(&admin, "other-admin", "admin").await;
    let demote_self = app
        .mcp(
            Method::PUT,
            "/users/admin",
            Some(&admin),
            Some(json!({ "isAdmin": false })),
        )
        .await;
    assert_eq!(demote_self.0, StatusCode::OK, "{}", demote_self.1);
    let delete_last = app
        .mcp(Method::DELETE, "/users/other-admin", Some(&other), None)
        .await;
    assert_mcp_error(&delete_last, StatusCode::BAD_REQUEST, "yourself");
    let (_, stats) = app
        .mcp(Method::GET, "/users-stats", Some(&other), None)
        .await;
    assert_eq!(stats["data"]["adminUsers"], json!(1));
}

async fn admins_cannot_delete_themselves(app: TestApp) {
    let admin = app.admin_token().await;
    app.user_with_role(&admin, "second", "admin").await;
    let refused = app
        .mcp(Method::DELETE, "/users/admin", Some(&admin), None)
        .await;
    assert_mcp_error(&refused, StatusCode::BAD_REQUEST, "yourself");
    let (status, _) = app
        .mcp(Method::GET, "/users/admin", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

async fn oversized_and_malformed_bodies_are_4xx_envelopes(app: TestApp) {
    let admin = app.admin_token().await;
    let before = user_list(&app).await;
    let huge =
        json!({ "username": "big", "password": "secret-1", "groups": ["g".repeat(70 * 1024)] });
    let too_large = app
        .mcp(Method::POST, "/users", Some(&admin), Some(huge))
        .await;
    assert_mcp_error(&too_large, StatusCode::PAYLOAD_TOO_LARGE, "too large");
    let request = app
        .request(Method::POST, "/api/users", Some(&admin))
        .header("content-type", "application/json")
        .body("{\"username\": ");
    let malformed = app.send(request).await;
    assert_mcp_error(&malformed, StatusCode::BAD_REQUEST, "EOF while parsing");
    let request = app
        .request(Method::POST, "/api/users", Some(&admin))
        .header("content-type", "text/plain")
        .body("username=x");
    let not_json = app.send(request).await;
    assert_mcp_error(&not_json, StatusCode::BAD_REQUEST, "the body must be JSON");
    let unknown_route = app.mcp(Method::GET, "/nope", Some(&admin), None).await;
    assert_mcp_error(&unknown_route, StatusCode::NOT_FOUND, "no such route");
    assert_eq!(user_list(&app).await, before);
}
