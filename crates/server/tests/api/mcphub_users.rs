//! The MCPHub users API: success paths.

use reqwest::Method;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, assert_mcp_error};

roster_test_support::on_every_backend!(
    crate::helpers::run;
    create_returns_201_with_the_user_view,
    is_admin_is_an_alias_of_role_on_create,
    get_and_list_return_user_views,
    update_changes_role_servers_and_groups,
    new_password_is_an_alias_that_changes_the_login,
    delete_removes_the_user_and_ends_their_sessions,
    users_stats_count_roles_servers_and_groups,
    emails_are_optional_checked_changed_and_cleared,
);

async fn create_returns_201_with_the_user_view(app: TestApp) {
    let admin = app.admin_token().await;
    let body = json!({
        "username": "  Alice ",
        "password": "secret-1",
        "servers": ["fs", "web", "fs"],
        "groups": ["team-a"]
    });
    let (status, body) = app
        .mcp(Method::POST, "/users", Some(&admin), Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        body,
        json!({
            "success": true,
            "data": {
                "username": "Alice",
                "role": "user",
                "isAdmin": false,
                "servers": ["fs", "web"],
                "groups": ["team-a"]
            }
        })
    );
    assert!(!body.to_string().contains("secret-1"));
    app.token("alice", "secret-1").await;
}

async fn is_admin_is_an_alias_of_role_on_create(app: TestApp) {
    let admin = app.admin_token().await;
    let body = json!({ "username": "boss", "password": "secret-1", "isAdmin": true });
    let (status, body) = app
        .mcp(Method::POST, "/users", Some(&admin), Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        (
            body["data"]["role"].clone(),
            body["data"]["isAdmin"].clone()
        ),
        (json!("admin"), json!(true))
    );
    let body = json!({ "username": "viewer", "password": "secret-1", "role": "view-only" });
    let (_, body) = app
        .mcp(Method::POST, "/users", Some(&admin), Some(body))
        .await;
    assert_eq!(body["data"]["role"], json!("view-only"));
}

async fn get_and_list_return_user_views(app: TestApp) {
    let admin = app.admin_token().await;
    app.user_with_role(&admin, "bob", "user").await;
    let (status, body) = app.mcp(Method::GET, "/users/BOB", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["success"], json!(true));
    assert_eq!(body["data"]["username"], json!("bob"));

    let (status, body) = app.mcp(Method::GET, "/users", Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<_> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["admin", "bob"]);
    assert_eq!(body["data"][0]["isAdmin"], json!(true));
    assert!(
        !body.to_string().contains("argon2"),
        "no hash may leak: {body}"
    );
}

async fn update_changes_role_servers_and_groups(app: TestApp) {
    let admin = app.admin_token().await;
    app.user_with_role(&admin, "carol", "view-only").await;
    let change = json!({ "role": "user", "servers": ["s1", "s2"], "groups": ["g"] });
    let (status, body) = app
        .mcp(Method::PUT, "/users/carol", Some(&admin), Some(change))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["data"],
        json!({"username": "carol", "role": "user", "isAdmin": false, "servers": ["s1", "s2"], "groups": ["g"]})
    );
    let (_, body) = app
        .mcp(
            Method::PUT,
            "/users/carol",
            Some(&admin),
            Some(json!({ "isAdmin": true, "servers": [] })),
        )
        .await;
    assert_eq!(body["data"]["role"], json!("admin"));
    assert_eq!(body["data"]["servers"], json!([]));
    assert_eq!(
        body["data"]["groups"],
        json!(["g"]),
        "groups were not sent, so they stay"
    );
}

async fn new_password_is_an_alias_that_changes_the_login(app: TestApp) {
    let admin = app.admin_token().await;
    let old_token = app.user_with_role(&admin, "dave", "user").await;
    let (status, body) = app
        .mcp(
            Method::PUT,
            "/users/dave",
            Some(&admin),
            Some(json!({ "newPassword": "fresh-pass" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app.login("dave", "password-1").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.token("dave", "fresh-pass").await;
    // A password change ends the sessions opened with the old one.
    let (status, _) = app.mcp(Method::GET, "/users", Some(&old_token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn delete_removes_the_user_and_ends_their_sessions(app: TestApp) {
    let admin = app.admin_token().await;
    let erin = app.user_with_role(&admin, "erin", "admin").await;
    let (status, body) = app
        .mcp(Method::DELETE, "/users/erin", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({ "success": true, "message": "User deleted successfully" })
    );
    let gone = app
        .mcp(Method::GET, "/users/erin", Some(&admin), None)
        .await;
    assert_mcp_error(&gone, StatusCode::NOT_FOUND, "not found");
    let (status, _) = app.mcp(Method::GET, "/users", Some(&erin), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn users_stats_count_roles_servers_and_groups(app: TestApp) {
    let admin = app.admin_token().await;
    for (name, role, servers, groups) in [
        ("u1", "user", json!(["a", "b"]), json!(["g1"])),
        ("u2", "view-only", json!(["a"]), json!([])),
        ("u3", "admin", json!([]), json!(["g1", "g2"])),
    ] {
        let body = json!({ "username": name, "password": "secret-1", "role": role, "servers": servers, "groups": groups });
        let (status, _) = app
            .mcp(Method::POST, "/users", Some(&admin), Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, body) = app
        .mcp(Method::GET, "/users-stats", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({
            "success": true,
            "data": {
                "totalUsers": 4,
                "adminUsers": 2,
                "regularUsers": 2,
                "usersPerServer": { "a": 2, "b": 1 },
                "usersPerGroup": { "g1": 2, "g2": 1 }
            }
        })
    );
}

async fn emails_are_optional_checked_changed_and_cleared(app: TestApp) {
    let admin = app.admin_token().await;
    let body = json!({ "username": "ed", "password": "secret-1", "email": " ed@example.com " });
    let (status, created) = app
        .mcp(Method::POST, "/users", Some(&admin), Some(body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["data"]["email"], json!("ed@example.com"));
    let (_, got) = app.mcp(Method::GET, "/users/ed", Some(&admin), None).await;
    assert_eq!(got["data"]["email"], json!("ed@example.com"));

    let bad = json!({ "username": "fay", "password": "secret-1", "email": "fay at example" });
    let refused = app
        .mcp(Method::POST, "/users", Some(&admin), Some(bad))
        .await;
    assert_mcp_error(&refused, StatusCode::BAD_REQUEST, "not an email address");
    let refused = app
        .mcp(
            Method::PUT,
            "/users/ed",
            Some(&admin),
            Some(json!({ "email": "@" })),
        )
        .await;
    assert_mcp_error(&refused, StatusCode::BAD_REQUEST, "not an email address");

    let changed = json!({ "email": "ed@example.org" });
    let (status, body) = app
        .mcp(Method::PUT, "/users/ed", Some(&admin), Some(changed))
        .await;
    assert_eq!(
        (status, body["data"]["email"].clone()),
        (StatusCode::OK, json!("ed@example.org"))
    );
    // MCPHub's edit form sends an empty email for none; a user without one shows none.
    let cleared = json!({ "isAdmin": false, "email": "" });
    let (status, body) = app
        .mcp(Method::PUT, "/users/ed", Some(&admin), Some(cleared))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["data"].get("email").is_none(), "{body}");
    let (_, plain) = app
        .mcp(Method::GET, "/users/admin", Some(&admin), None)
        .await;
    assert!(plain["data"].get("email").is_none(), "{plain}");
}
