//! Input that databases choke on: enormous page numbers, very long names, NUL bytes. Each
//! must be a clear 4xx on every backend, never a 5xx.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

roster_test_support::on_every_backend!(
    crate::helpers::run;
    hostile_input_is_refused_as_bad_input,
);

async fn hostile_input_is_refused_as_bad_input(app: TestApp) {
    let admin = app.admin_token().await;
    let huge = app
        .umami(
            Method::GET,
            "/me/teams?page=18446744073709551615",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(huge.0, StatusCode::BAD_REQUEST, "{}", huge.1);

    let long = json!({ "username": "a".repeat(700), "password": "x" });
    let (status, body) = app
        .umami(Method::POST, "/auth/login", None, Some(long))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, body) = app.login("nul\u{0}name", "x").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");

    let (status, body) = app
        .mcp(Method::GET, "/users/a%00", Some(&admin), None)
        .await;
    assert!(
        matches!(status, StatusCode::BAD_REQUEST | StatusCode::NOT_FOUND),
        "{status} {body}"
    );
    for (method, path, body) in [
        (
            Method::POST,
            "/umami/api/teams",
            json!({ "name": "a\u{0}" }),
        ),
        (
            Method::POST,
            "/umami/api/teams/join",
            json!({ "accessCode": "a\u{0}" }),
        ),
        (
            Method::POST,
            "/umami/api/websites",
            json!({ "name": "a", "domain": "b\u{0}" }),
        ),
        (
            Method::POST,
            "/api/users",
            json!({ "username": "x", "password": "password-1", "servers": ["a\u{0}"] }),
        ),
        (
            Method::POST,
            "/api/users",
            json!({ "username": "nul\u{0}", "password": "password-1" }),
        ),
    ] {
        let (status, answer) = app
            .send(app.request(method, path, Some(&admin)).json(&body))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body}: {answer}");
    }
    let (status, body) = app
        .umami(Method::GET, "/websites?query=%00", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // A search past its documented maximum is refused before any database sees it.
    let (_, me) = app.umami(Method::GET, "/me", Some(&admin), None).await;
    let id = me["user"]["id"].as_str().expect("my id").to_owned();
    let (_, team) = app
        .umami(
            Method::POST,
            "/teams",
            Some(&admin),
            Some(json!({ "name": "T" })),
        )
        .await;
    let team = team[0]["id"].as_str().expect("team id").to_owned();
    let (long, huge) = ("x".repeat(501), "x".repeat(50_001));
    for list in [
        "/admin/users".to_owned(),
        "/me/teams".to_owned(),
        "/me/websites".to_owned(),
        "/teams".to_owned(),
        "/websites".to_owned(),
        format!("/users/{id}/teams"),
        format!("/users/{id}/websites"),
        format!("/teams/{team}/users"),
        format!("/teams/{team}/websites"),
    ] {
        for param in ["search", "query"] {
            let path = format!("{list}?{param}={long}");
            let (status, body) = app.umami(Method::GET, &path, Some(&admin), None).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{list}: {body}");
            let message = body["error"]["message"].as_str().unwrap_or_default();
            assert!(message.contains("at most 500"), "{list}: {body}");
            // Longer than any request line the server reads: refused before parsing.
            let path = format!("{list}?{param}={huge}");
            let (status, body) = app.umami(Method::GET, &path, Some(&admin), None).await;
            assert!(status.is_client_error(), "{list}: {status} {body}");
        }
    }
}
