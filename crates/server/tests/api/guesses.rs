//! Every check of a secret is throttled, not only logins: the current password of a
//! password change and a team's access code; and free text is bounded before it reaches a
//! database.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, TestApp, assert_umami_error, spawn_app};
use crate::umami_teams::create_team;

async fn strict_app() -> TestApp {
    let args = ["--login-max-failures", "3", "--login-window-secs", "60"];
    spawn_app(Backend::Sqlite, &args).await.unwrap()
}

/// Sends `request` and asserts a 429 with a Retry-After within the window.
async fn assert_throttled(request: reqwest::RequestBuilder) {
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["status"], json!(429), "{body}");
}

#[tokio::test]
async fn wrong_current_passwords_count_against_the_login_limits() {
    let app = strict_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.umami_user(&admin, "guesser", "user").await;
    let guess = |current: &str| {
        app.request(Method::POST, "/umami/api/me/password", Some(&token))
            .json(&json!({ "currentPassword": current, "newPassword": "password-2" }))
    };
    for _ in 0..3 {
        let (status, body) = app.send(guess("wrong-guess")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    // Past the limit even the right password is refused, here and at the login.
    assert_throttled(guess("password-1")).await;
    let (status, body) = app.login("guesser", "password-1").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

#[tokio::test]
async fn wrong_access_codes_are_throttled() {
    let app = strict_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.umami_user(&admin, "joiner", "user").await;
    let code = create_team(&app, &admin, "Blue").await.code;
    let join = |code: &str| {
        app.request(Method::POST, "/umami/api/teams/join", Some(&token))
            .json(&json!({ "accessCode": code }))
    };
    for i in 0..3 {
        let (status, body) = app.send(join(&format!("team_guess{i}"))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
    assert_throttled(join(&code)).await;
    // Codes are counted apart from passwords: the joiner still logs in.
    app.token("joiner", "password-1").await;
}

#[tokio::test]
async fn a_right_access_code_does_not_wipe_out_wrong_ones() {
    let app = strict_app().await;
    let admin = app.admin_token().await;
    let (_, token) = app.umami_user(&admin, "joiner", "user").await;
    let own = create_team(&app, &token, "Own").await.code;
    // Each attempt from an address of its own, so that only the joiner's count can stop them.
    let join = |code: &str, host: u8| {
        let client = reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 0, host]))
            .build()
            .unwrap();
        client
            .post(app.url("/umami/api/teams/join"))
            .bearer_auth(&token)
            .json(&json!({ "accessCode": code }))
    };
    for i in 0..3 {
        let (status, body) = app.send(join(&format!("team_guess{i}"), 10 + i)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        if i < 2 {
            // The joiner's own code is right, and must not buy them more guesses.
            let (status, body) = app.send(join(&own, 20 + i)).await;
            assert_eq!(status, StatusCode::CONFLICT, "{body}");
        }
    }
    assert_throttled(join("team_guess3", 30)).await;
}

#[tokio::test]
async fn client_chosen_codes_logos_and_domains_are_checked() {
    let app = strict_app().await;
    let admin = app.admin_token().await;
    let path = format!("/teams/{}", create_team(&app, &admin, "Blue").await.id);
    for (change, needle) in [
        (json!({ "accessCode": "1234567" }), "at least 8"),
        (json!({ "logoUrl": "javascript:alert(1)" }), "http"),
    ] {
        let answer = app
            .umami(Method::POST, &path, Some(&admin), Some(change))
            .await;
        assert_umami_error(&answer, StatusCode::BAD_REQUEST, "bad-request", needle);
    }
    let (status, body) = app
        .umami(
            Method::POST,
            &path,
            Some(&admin),
            Some(json!({ "accessCode": "12345678" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let site = json!({ "name": "Evil", "domain": "javascript:alert(1)" });
    let answer = app
        .umami(Method::POST, "/websites", Some(&admin), Some(site))
        .await;
    assert_umami_error(&answer, StatusCode::BAD_REQUEST, "bad-request", "host name");
}
