//! Concurrent requests against one directory: exactly one winner, no lost writes, and
//! always an admin left.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::TestApp;

roster_test_support::on_every_backend!(
    crate::helpers::run;
    fifty_concurrent_creates_of_one_name_make_one_user,
    two_admins_demoting_each_other_leave_an_admin,
    concurrent_updates_of_different_fields_lose_nothing,
);

async fn fifty_concurrent_creates_of_one_name_make_one_user(app: TestApp) {
    let admin = app.admin_token().await;
    let app = std::sync::Arc::new(app);
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let (app, admin) = (app.clone(), admin.clone());
            tokio::spawn(async move {
                let name = if i % 2 == 0 { "Racer" } else { "racer" };
                let body = json!({ "username": name, "password": "password-1", "servers": [format!("s{i}")] });
                app.mcp(Method::POST, "/users", Some(&admin), Some(body)).await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert!(
            matches!(status, StatusCode::CREATED | StatusCode::CONFLICT),
            "{status} {body}"
        );
        statuses.push(status);
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1
    );
    let (_, stats) = app
        .mcp(Method::GET, "/users-stats", Some(&admin), None)
        .await;
    assert_eq!(stats["data"]["totalUsers"], json!(2));
    assert_eq!(
        stats["data"]["usersPerServer"].as_object().unwrap().len(),
        1,
        "only the winner's grant"
    );
}

async fn two_admins_demoting_each_other_leave_an_admin(app: TestApp) {
    for round in 0..5 {
        let root = app.admin_token().await;
        let (a, b) = (format!("a{round}"), format!("b{round}"));
        let a_token = app.user_with_role(&root, &a, "admin").await;
        let b_token = app.user_with_role(&root, &b, "admin").await;
        // The bootstrap admin steps down, so that a and b are the only admins.
        let (status, _) = app
            .mcp(
                Method::PUT,
                "/users/admin",
                Some(&root),
                Some(json!({ "role": "user" })),
            )
            .await;
        assert_eq!(status, StatusCode::OK);

        let demote = |token: String, target: String| {
            let app = &app;
            async move {
                app.mcp(
                    Method::PUT,
                    &format!("/users/{target}"),
                    Some(&token),
                    Some(json!({ "role": "user" })),
                )
                .await
            }
        };
        let (ra, rb) = tokio::join!(demote(a_token, b.clone()), demote(b_token, a.clone()));
        for (status, body) in [&ra, &rb] {
            assert!(!status.is_server_error(), "round {round}: {status} {body}");
        }

        let mut survivors = Vec::new();
        for name in [&a, &b] {
            let token = app.token(name, "password-1").await;
            let (status, stats) = app
                .mcp(Method::GET, "/users-stats", Some(&token), None)
                .await;
            if status == StatusCode::OK {
                assert_eq!(stats["data"]["adminUsers"], json!(1), "round {round}");
                survivors.push((name.clone(), token));
            }
        }
        assert_eq!(survivors.len(), 1, "round {round}: {ra:?} {rb:?}");
        // Hand the admin role back to the bootstrap admin for the next round.
        let (survivor, token) = &survivors[0];
        app.mcp(
            Method::PUT,
            "/users/admin",
            Some(token),
            Some(json!({ "role": "admin" })),
        )
        .await;
        let (status, _) = app
            .mcp(
                Method::PUT,
                &format!("/users/{survivor}"),
                Some(token),
                Some(json!({ "role": "user" })),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
}

async fn concurrent_updates_of_different_fields_lose_nothing(app: TestApp) {
    let admin = app.admin_token().await;
    for i in 0..10 {
        let name = format!("u{i}");
        app.user_with_role(&admin, &name, "user").await;
        let path = format!("/users/{name}");
        let servers = app.mcp(
            Method::PUT,
            &path,
            Some(&admin),
            Some(json!({ "servers": ["s1", "s2"] })),
        );
        let groups = app.mcp(
            Method::PUT,
            &path,
            Some(&admin),
            Some(json!({ "groups": ["g1"] })),
        );
        let role = app.mcp(
            Method::PUT,
            &path,
            Some(&admin),
            Some(json!({ "role": "view-only" })),
        );
        let (a, b, c) = tokio::join!(servers, groups, role);
        for (status, body) in [a, b, c] {
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let (_, user) = app.mcp(Method::GET, &path, Some(&admin), None).await;
        assert_eq!(
            user["data"],
            json!({ "username": name, "role": "view-only", "isAdmin": false, "servers": ["s1", "s2"], "groups": ["g1"] })
        );
    }
}
