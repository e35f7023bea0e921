//! API keys: made from a login session in either dialect, accepted as a bearer token in
//! both, acting with their owner's rights as they are now, and ended by revocation, by the
//! owner's demotion and by the owner's deletion.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_mcp_error, assert_umami_error};

roster_test_support::on_every_backend!(
    crate::helpers::run;
    keys_are_made_listed_used_and_revoked_in_the_umami_dialect,
    keys_are_made_and_revoked_in_the_mcphub_dialect,
    a_key_acts_with_its_owners_rights_as_they_are_now,
    a_demotion_or_a_deletion_ends_the_owners_keys,
    a_revoked_key_is_refused_by_every_instance_at_once,
);

async fn make_key(app: &TestApp, token: &str, name: &str) -> Value {
    let (status, made) = app
        .umami(
            Method::POST,
            "/me/api-keys",
            Some(token),
            Some(json!({ "name": name })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    made
}

async fn keys_are_made_listed_used_and_revoked_in_the_umami_dialect(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, dora) = app.umami_user(&admin, "dora", "user").await;
    let made = make_key(&app, &dora, " CI ").await;
    let key = made["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("umami_") && key.len() == 38, "{made}");
    assert_eq!(made["name"], json!("CI"));
    assert_eq!(made["keyPrefix"], json!(&key[..14]));

    let (status, listed) = app
        .umami(Method::GET, "/me/api-keys", Some(&dora), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], made["id"]);
    assert!(
        listed[0].get("key").is_none(),
        "a listing shows no secret: {listed}"
    );
    assert_eq!(listed[0]["lastUsedAt"], Value::Null, "unused so far");

    let (status, me) = app.umami(Method::GET, "/me", Some(&key), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["authType"], json!("api-key"));
    assert_eq!(me["apiKey"], json!({ "id": made["id"], "name": "CI" }));
    assert_eq!(me["user"]["username"], json!("dora"));
    let (status, current) = app.mcp(Method::GET, "/auth/user", Some(&key), None).await;
    assert_eq!(
        (status, &current["user"]["username"]),
        (StatusCode::OK, &json!("dora"))
    );
    let (_, listed) = app
        .umami(Method::GET, "/me/api-keys", Some(&dora), None)
        .await;
    assert!(
        listed[0]["lastUsedAt"].is_string(),
        "the use is noted: {listed}"
    );

    // A key makes, lists and revokes no keys, changes no password and is not logged out.
    let with_key = [
        (
            Method::POST,
            "/me/api-keys".to_owned(),
            Some(json!({ "name": "more" })),
        ),
        (Method::GET, "/me/api-keys".to_owned(), None),
        (
            Method::DELETE,
            format!("/me/api-keys/{}", made["id"].as_str().unwrap()),
            None,
        ),
        (
            Method::POST,
            "/me/password".to_owned(),
            Some(json!({ "currentPassword": "password-1", "newPassword": "password-2" })),
        ),
    ];
    for (method, path, body) in with_key {
        let refused = app.umami(method, &path, Some(&key), body).await;
        assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "API key");
    }
    let logout = app
        .umami(Method::POST, "/auth/logout", Some(&key), None)
        .await;
    assert_umami_error(&logout, StatusCode::BAD_REQUEST, "bad-request", "revoke");

    for name in ["", &"n".repeat(256)] {
        let bad = app
            .umami(
                Method::POST,
                "/me/api-keys",
                Some(&dora),
                Some(json!({ "name": name })),
            )
            .await;
        assert_umami_error(&bad, StatusCode::BAD_REQUEST, "bad-request", "name");
    }
    let anonymous = app
        .umami(
            Method::POST,
            "/me/api-keys",
            None,
            Some(json!({ "name": "x" })),
        )
        .await;
    assert_eq!(anonymous.0, StatusCode::UNAUTHORIZED, "{}", anonymous.1);

    // Another user's key is no business of the caller's.
    let (_, eve) = app.umami_user(&admin, "eve", "user").await;
    let path = format!("/me/api-keys/{}", made["id"].as_str().unwrap());
    let theirs = app.umami(Method::DELETE, &path, Some(&eve), None).await;
    assert_umami_error(&theirs, StatusCode::NOT_FOUND, "not-found", "API key");
    let (status, done) = app.umami(Method::DELETE, &path, Some(&dora), None).await;
    assert_eq!((status, done), (StatusCode::OK, json!({ "ok": true })));
    let gone = app.umami(Method::GET, "/me", Some(&key), None).await;
    assert_eq!(gone.0, StatusCode::UNAUTHORIZED, "{}", gone.1);
    let again = app.umami(Method::DELETE, &path, Some(&dora), None).await;
    assert_eq!(again.0, StatusCode::NOT_FOUND, "{}", again.1);
    let bad_id = app
        .umami(Method::DELETE, "/me/api-keys/not-a-uuid", Some(&dora), None)
        .await;
    assert_eq!(bad_id.0, StatusCode::BAD_REQUEST, "{}", bad_id.1);
}

async fn keys_are_made_and_revoked_in_the_mcphub_dialect(app: TestApp) {
    let admin = app.admin_token().await;
    let (status, made) = app
        .mcp(
            Method::POST,
            "/auth/keys",
            Some(&admin),
            Some(json!({ "name": "script", "accessType": "all" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let key = made["data"]["token"].as_str().unwrap().to_owned();
    assert_eq!(made["data"]["owner"], json!("admin"));
    assert_eq!(made["data"]["kind"], json!("user"));
    // The key reaches what its owner, an admin, reaches.
    let (status, users) = app.mcp(Method::GET, "/users", Some(&key), None).await;
    assert_eq!(status, StatusCode::OK, "{users}");
    let (_, listed) = app.mcp(Method::GET, "/auth/keys", Some(&admin), None).await;
    assert_eq!(listed["success"], json!(true));
    assert_eq!(listed["data"].as_array().unwrap().len(), 1, "{listed}");
    let shown = listed["data"][0]["token"].as_str().unwrap();
    assert!(shown.ends_with("...") && !shown.contains(&key), "{listed}");
    let refused = app
        .mcp(
            Method::POST,
            "/auth/keys",
            Some(&key),
            Some(json!({ "name": "more" })),
        )
        .await;
    assert_mcp_error(&refused, StatusCode::FORBIDDEN, "API key");
    let blank = app
        .mcp(
            Method::POST,
            "/auth/keys",
            Some(&admin),
            Some(json!({ "name": " " })),
        )
        .await;
    assert_mcp_error(&blank, StatusCode::BAD_REQUEST, "name");

    let path = format!("/auth/keys/{}", made["data"]["id"].as_str().unwrap());
    let (status, done) = app.mcp(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(
        (status, &done["success"]),
        (StatusCode::OK, &json!(true)),
        "{done}"
    );
    let gone = app.mcp(Method::GET, "/users", Some(&key), None).await;
    assert_mcp_error(&gone, StatusCode::UNAUTHORIZED, "token");
    let again = app.mcp(Method::DELETE, &path, Some(&admin), None).await;
    assert_mcp_error(&again, StatusCode::NOT_FOUND, "API key");
}

async fn a_key_acts_with_its_owners_rights_as_they_are_now(app: TestApp) {
    let admin = app.admin_token().await;
    let (id, uma) = app.umami_user(&admin, "uma", "user").await;
    let key = make_key(&app, &uma, "ci").await["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = app
        .umami(Method::GET, "/admin/users", Some(&key), None)
        .await;
    assert_eq!(refused.0, StatusCode::FORBIDDEN, "{}", refused.1);
    let promote = json!({ "role": "admin" });
    let (status, _) = app
        .umami(
            Method::POST,
            &format!("/users/{id}"),
            Some(&admin),
            Some(promote),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .umami(Method::GET, "/admin/users", Some(&key), None)
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a promotion reaches the key at once: {body}"
    );
    // Even an admin's key may not change its owner's password: a leaked key would own the
    // account.
    let own = app
        .umami(
            Method::POST,
            &format!("/users/{id}"),
            Some(&key),
            Some(json!({ "password": "password-9" })),
        )
        .await;
    assert_umami_error(&own, StatusCode::FORBIDDEN, "forbidden", "API key");
}

async fn a_demotion_or_a_deletion_ends_the_owners_keys(app: TestApp) {
    let admin = app.admin_token().await;
    let mut keys = Vec::new();
    for (name, role) in [("boss", "admin"), ("gone", "user"), ("kept", "user")] {
        let (id, token) = app.umami_user(&admin, name, role).await;
        let key = make_key(&app, &token, "ci").await["key"]
            .as_str()
            .unwrap()
            .to_owned();
        let (status, _) = app.umami(Method::GET, "/me", Some(&key), None).await;
        assert_eq!(status, StatusCode::OK);
        keys.push((id, key));
    }
    let [(boss, boss_key), (gone, gone_key), (kept, kept_key)] = keys.try_into().unwrap();
    let change = |id: &str, body: Value| {
        let path = format!("/users/{id}");
        let admin = admin.clone();
        let app = &app;
        async move {
            let (status, body) = app
                .umami(Method::POST, &path, Some(&admin), Some(body))
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    };
    change(&boss, json!({ "role": "user" })).await;
    let (status, _) = app
        .umami(
            Method::DELETE,
            &format!("/users/{gone}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Neither a rename nor a new password ends a key: only less right does.
    change(
        &kept,
        json!({ "username": "kept2", "password": "password-7" }),
    )
    .await;
    for (key, alive) in [(&boss_key, false), (&gone_key, false), (&kept_key, true)] {
        let (status, body) = app.umami(Method::GET, "/me", Some(key), None).await;
        let expected = if alive {
            StatusCode::OK
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(status, expected, "{body}");
    }
    // Promoted again, the demoted user's key does not come back.
    change(&boss, json!({ "role": "admin" })).await;
    let (status, _) = app.umami(Method::GET, "/me", Some(&boss_key), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn a_revoked_key_is_refused_by_every_instance_at_once(first: TestApp) {
    let second = crate::helpers::spawn_app_on(&first.db_url, &[]).await;
    let admin = first.admin_token().await;
    let (_, token) = first.umami_user(&admin, "dora", "user").await;
    let made = make_key(&first, &token, "ci").await;
    let key = made["key"].as_str().unwrap();
    for app in [&first, &second] {
        let (status, _) = app.umami(Method::GET, "/me", Some(key), None).await;
        assert_eq!(status, StatusCode::OK, "held in memory now");
    }
    let path = format!("/me/api-keys/{}", made["id"].as_str().unwrap());
    let (status, _) = second
        .umami(Method::DELETE, &path, Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    for app in [&first, &second] {
        let (status, _) = app.umami(Method::GET, "/me", Some(key), None).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "the revocation holds everywhere"
        );
    }
}
