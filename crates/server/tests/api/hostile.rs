//! Input that databases choke on: enormous page numbers, very long names, NUL bytes. Each
//! must be a clear 4xx on every backend, never a 5xx.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

roster_db::on_every_backend!(
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
}
