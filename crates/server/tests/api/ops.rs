//! Probes and the API description.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, TestApp, parts, spawn_app};

roster_test_support::on_every_backend!(
    crate::helpers::run;probes_answer);

async fn probes_answer(app: TestApp) {
    let (status, body) = parts(app.client.get(app.url("/healthz")).send().await.unwrap()).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "status": "ok" })));
    let (status, body) = parts(app.client.get(app.url("/readyz")).send().await.unwrap()).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({ "status": "ready" }))
    );
}

#[tokio::test]
async fn openapi_json_documents_every_mcphub_operation() {
    let app = spawn_app(Backend::Sqlite, &[]).await.unwrap();
    let (status, spec) = parts(
        app.client
            .get(app.url("/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for (path, method) in [
        ("/api/users", "get"),
        ("/api/users", "post"),
        ("/api/users/{username}", "get"),
        ("/api/users/{username}", "put"),
        ("/api/users/{username}", "delete"),
        ("/api/users-stats", "get"),
        ("/api/auth/login", "post"),
    ] {
        assert!(
            spec["paths"][path][method].is_object(),
            "{method} {path} is missing"
        );
    }
    assert!(spec["components"]["securitySchemes"]["bearerAuth"].is_object());
    let docs = app.client.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    let html = docs.text().await.unwrap();
    assert!(html.contains("swagger") && html.contains("/api/users-stats"));
}

#[tokio::test]
async fn a_custom_mount_moves_the_dialect_and_an_empty_one_removes_it() {
    let app = spawn_app(Backend::Sqlite, &["--mcphub-prefix", "/mcp"])
        .await
        .unwrap();
    let body = json!({ "username": "admin", "password": crate::helpers::ADMIN_PASSWORD });
    let moved = app
        .client
        .post(app.url("/mcp/auth/login"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), StatusCode::OK);
    let old = app
        .client
        .post(app.url("/api/auth/login"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::NOT_FOUND);

    let off = spawn_app(Backend::Sqlite, &["--mcphub-prefix", ""])
        .await
        .unwrap();
    let gone = off
        .client
        .post(off.url("/api/auth/login"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let (_, spec) = parts(
        off.client
            .get(off.url("/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let paths = spec["paths"].as_object().unwrap();
    assert!(
        paths.keys().all(|p| p.starts_with("/umami/api/")),
        "{paths:?}"
    );
    assert!(paths.contains_key("/umami/api/users/{userId}"));
}

#[tokio::test]
async fn requests_carry_an_id_and_are_counted_in_metrics() {
    let app = spawn_app(Backend::Sqlite, &[]).await.unwrap();
    let echoed = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-me-1")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "trace-me-1");
    let made = app.client.get(app.url("/healthz")).send().await.unwrap();
    let id = made.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::try_parse(id).is_ok(), "{id}");

    app.login("admin", "wrong-password").await;
    let token = app.admin_token().await;
    app.mcp(reqwest::Method::GET, "/users/admin", Some(&token), None)
        .await;
    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    let text = metrics.text().await.unwrap();
    for line in [
        r#"roster_http_requests_total{method="GET",route="/api/users/:param0",status="200"} 1"#,
        r#"roster_http_requests_total{method="POST",route="/api/auth/login",status="401"} 1"#,
        r#"roster_logins_total{outcome="failure"} 1"#,
        r#"roster_logins_total{outcome="success"} 1"#,
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
    assert!(
        text.contains(
            "roster_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\""
        )
    );
    assert!(text.contains("roster_db_pool_connections{state=\"idle\"}"));
}
