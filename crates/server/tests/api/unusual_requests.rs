//! Requests no client should send — invented methods, paths that do not decode, oversized
//! heads, odd request ids — each answered in the dialect's error body, and none leaving a
//! trace in the metrics beyond a fixed set of labels.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{Backend, TestApp, assert_mcp_error, assert_umami_error, spawn_app};

async fn app() -> TestApp {
    spawn_app(Backend::Sqlite, &[]).await.unwrap()
}

async fn answer(app: &TestApp, method: Method, path: &str) -> (StatusCode, Value, String) {
    let response = app
        .client
        .request(method, app.url(path))
        .send()
        .await
        .unwrap();
    let allow = response
        .headers()
        .get("allow")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let (status, body) = crate::helpers::parts(response).await;
    (status, body, allow)
}

#[tokio::test]
async fn invented_methods_get_405_with_allow_and_one_metric_label() {
    let app = app().await;
    let invented = Method::from_bytes("X".repeat(60_000).as_bytes()).unwrap();
    for _ in 0..20 {
        let (status, body, allow) = answer(&app, invented.clone(), "/api/users").await;
        assert_mcp_error(
            &(status, body),
            StatusCode::METHOD_NOT_ALLOWED,
            "not allowed",
        );
        assert_eq!(allow, "GET, HEAD, POST");
    }
    let (status, body, allow) = answer(&app, invented.clone(), "/umami/api/users/x").await;
    let error = (status, body);
    assert_umami_error(
        &error,
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "not allowed",
    );
    assert_eq!(allow, "GET, HEAD, POST, DELETE");
    // A method HTTP knows, on a route that does not serve it.
    let (status, body, allow) = answer(&app, Method::PATCH, "/api/users/alice").await;
    assert_mcp_error(
        &(status, body),
        StatusCode::METHOD_NOT_ALLOWED,
        "not allowed",
    );
    assert_eq!(allow, "GET, HEAD, PUT, DELETE");

    let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
    let text = metrics.text().await.unwrap();
    assert!(
        text.len() < 64 * 1024,
        "/metrics grew to {} bytes",
        text.len()
    );
    assert!(!text.contains("XXXX"));
    assert!(
        text.contains(
            r#"roster_http_requests_total{method="other",route="unmatched",status="405"} 21"#
        ),
        "{text}"
    );
}

#[tokio::test]
async fn a_path_that_does_not_decode_is_a_400_in_the_dialects_body() {
    let app = app().await;
    let (status, body, _) = answer(&app, Method::GET, "/api/users/%FF").await;
    assert_mcp_error(&(status, body), StatusCode::BAD_REQUEST, "does not decode");
    let (status, body, _) = answer(&app, Method::GET, "/umami/api/users/%FF").await;
    assert_umami_error(
        &(status, body),
        StatusCode::BAD_REQUEST,
        "bad-request",
        "does not decode",
    );
}

#[tokio::test]
async fn oversized_request_heads_are_answered_in_the_dialects_body() {
    let app = app().await;
    let long = format!("/api/users/{}", "a".repeat(9 * 1024));
    let (status, body, _) = answer(&app, Method::GET, &long).await;
    assert_mcp_error(&(status, body), StatusCode::URI_TOO_LONG, "longer than");
    let long = format!("/umami/api/users/{}", "a".repeat(9 * 1024));
    let (status, body, _) = answer(&app, Method::GET, &long).await;
    assert_umami_error(
        &(status, body),
        StatusCode::URI_TOO_LONG,
        "uri-too-long",
        "longer than",
    );

    let big = "b".repeat(40 * 1024);
    let response = app
        .client
        .get(app.url("/api/users"))
        .header("x-big", &big)
        .send()
        .await;
    let (status, body) = crate::helpers::parts(response.unwrap()).await;
    assert_mcp_error(
        &(status, body),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers",
    );
    let mut many = app.client.get(app.url("/umami/api/me"));
    for i in 0..150 {
        many = many.header(format!("x-h{i}"), "v");
    }
    let (status, body) = crate::helpers::parts(many.send().await.unwrap()).await;
    let error = (status, body);
    assert_umami_error(
        &error,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "headers-too-large",
        "headers",
    );
}

#[tokio::test]
async fn request_ids_are_kept_only_when_short_and_plain() {
    let app = app().await;
    let id_for = |sent: String| {
        let request = app
            .client
            .get(app.url("/healthz"))
            .header("x-request-id", sent);
        async move {
            let response = request.send().await.unwrap();
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(id_for("trace.me_1-2".into()).await, "trace.me_1-2");
    for odd in [
        "a".repeat(65),
        "quote\"d".into(),
        "a=b;c".into(),
        "{\"json\":1}".into(),
    ] {
        let kept = id_for(odd.clone()).await;
        assert!(
            uuid::Uuid::try_parse(&kept).is_ok(),
            "{odd:?} came back as {kept:?}"
        );
    }
}
