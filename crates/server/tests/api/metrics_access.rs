//! `/metrics` behind a bearer token, or on a listener of its own.

use clap::Parser;
use reqwest::StatusCode;
use roster_server::{Application, Config};

use crate::helpers::{Backend, spawn_app};

#[tokio::test]
async fn a_metrics_token_is_demanded_when_configured() {
    let app = spawn_app(
        Backend::Sqlite,
        &["--metrics-token", "m3trics-s3cret-t0ken"],
    )
    .await
    .unwrap();
    let metrics = || app.client.get(app.url("/metrics"));
    let status =
        |request: reqwest::RequestBuilder| async move { request.send().await.unwrap().status() };
    assert_eq!(status(metrics()).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        status(metrics().bearer_auth("wrong")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        status(metrics().bearer_auth("m3trics-s3cret-t0ken")).await,
        StatusCode::OK
    );
    // The probes stay open for the balancer.
    assert_eq!(
        status(app.client.get(app.url("/healthz"))).await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn metrics_can_have_a_listener_of_their_own() {
    let db = roster_test_support::fresh(Backend::Sqlite).await.unwrap();
    let config = Config::try_parse_from([
        "roster",
        "--listen",
        "127.0.0.1:0",
        "--metrics-listen",
        "127.0.0.1:0",
        "--database-url",
        &db.url,
        "--admin-password",
        crate::helpers::ADMIN_PASSWORD,
    ])
    .unwrap();
    let app = Application::build(config).await.unwrap();
    let main = format!("http://127.0.0.1:{}", app.port());
    let apart = format!("http://127.0.0.1:{}", app.metrics_port().unwrap());
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::new();
    let get = |url: String| {
        let request = client.get(url);
        async move { request.send().await.unwrap() }
    };
    assert_eq!(
        get(format!("{main}/metrics")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(format!("{main}/healthz")).await.status(),
        StatusCode::OK
    );
    let metrics = get(format!("{apart}/metrics")).await;
    assert_eq!(metrics.status(), StatusCode::OK);
    let text = metrics.text().await.unwrap();
    assert!(text.contains(r#"route="/healthz""#), "{text}");
    assert_eq!(
        get(format!("{apart}/api/users")).await.status(),
        StatusCode::NOT_FOUND
    );
}
