//! Umami users by id: who may see, change and delete whom.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_umami_error};

roster_test_support::on_every_backend!(
    crate::helpers::run;
    admins_create_users_of_each_role,
    create_refuses_bad_input_duplicates_and_non_admins,
    a_client_may_choose_a_new_users_id,
    admin_users_is_an_array_or_a_page,
    users_see_themselves_and_only_admins_see_others,
    updates_follow_the_role_rules,
    deletes_follow_the_rules_and_clean_up,
    a_users_websites_and_teams_are_paged,
);

const GHOST: &str = "6f1c3e1e-8f5b-4b7a-9b1a-0c2d3e4f5a6b";

async fn admin_users(app: &TestApp, admin: &str) -> Value {
    app.umami(Method::GET, "/admin/users", Some(admin), None)
        .await
        .1
}

async fn admins_create_users_of_each_role(app: TestApp) {
    let admin = app.admin_token().await;
    for role in ["admin", "user", "view-only"] {
        let name = format!("u-{role}");
        let body = json!({ "username": name, "password": "password-1", "role": role });
        let (status, body) = app
            .umami(Method::POST, "/users", Some(&admin), Some(body))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            (body["username"].clone(), body["role"].clone()),
            (json!(name), json!(role))
        );
        assert_eq!(
            body.as_object().unwrap().len(),
            3,
            "{{id, username, role}}: {body}"
        );
    }
}

async fn create_refuses_bad_input_duplicates_and_non_admins(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, user) = app.umami_user(&admin, "plain", "user").await;
    let before = admin_users(&app, &admin).await;
    let cases = [
        (
            json!({ "username": "x", "password": "password-1", "role": "root" }),
            "role must be one of",
        ),
        (
            json!({ "username": "x", "password": "12345", "role": "user" }),
            "at least 6",
        ),
        (
            json!({ "password": "password-1" }),
            "missing field `username`",
        ),
    ];
    for (body, needle) in cases {
        let refused = app
            .umami(Method::POST, "/users", Some(&admin), Some(body))
            .await;
        assert_umami_error(&refused, StatusCode::BAD_REQUEST, "bad-request", needle);
    }
    let dup = json!({ "username": "PLAIN", "password": "password-1", "role": "user" });
    let refused = app
        .umami(Method::POST, "/users", Some(&admin), Some(dup.clone()))
        .await;
    assert_umami_error(&refused, StatusCode::CONFLICT, "conflict", "already exists");
    let refused = app
        .umami(Method::POST, "/users", Some(&user), Some(dup))
        .await;
    assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "admin");
    let nil = json!({ "id": "00000000-0000-0000-0000-000000000000", "username": "nil",
        "password": "password-1" });
    let refused = app
        .umami(Method::POST, "/users", Some(&admin), Some(nil))
        .await;
    assert_umami_error(&refused, StatusCode::BAD_REQUEST, "bad-request", "nil UUID");
    assert_eq!(admin_users(&app, &admin).await, before);
}

async fn a_client_may_choose_a_new_users_id(app: TestApp) {
    let admin = app.admin_token().await;
    let id = "5e1f6b0a-2c3d-4e5f-8a9b-0c1d2e3f4a5b";
    let body = json!({ "id": id, "username": "chosen", "password": "password-1" });
    let (status, created) = app
        .umami(Method::POST, "/users", Some(&admin), Some(body))
        .await;
    assert_eq!(
        (status, created["id"].clone()),
        (StatusCode::OK, json!(id)),
        "{created}"
    );
    let (status, _) = app
        .umami(Method::GET, &format!("/users/{id}"), Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let again = json!({ "id": id, "username": "another", "password": "password-1" });
    let refused = app
        .umami(Method::POST, "/users", Some(&admin), Some(again))
        .await;
    assert_umami_error(
        &refused,
        StatusCode::CONFLICT,
        "conflict",
        "that id is taken",
    );
    let site = json!({ "id": id, "name": "Chosen", "domain": "chosen.example" });
    let (status, body) = app
        .umami(Method::POST, "/websites", Some(&admin), Some(site.clone()))
        .await;
    assert_eq!(
        (status, body["id"].clone()),
        (StatusCode::OK, json!(id)),
        "{body}"
    );
    let refused = app
        .umami(Method::POST, "/websites", Some(&admin), Some(site))
        .await;
    assert_umami_error(
        &refused,
        StatusCode::CONFLICT,
        "conflict",
        "that id is taken",
    );
}

async fn admin_users_is_an_array_or_a_page(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, user) = app.umami_user(&admin, "zed", "user").await;
    let site = json!({ "name": "Zed's", "domain": "zed.example" });
    let (status, body) = app
        .umami(Method::POST, "/websites", Some(&user), Some(site))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let all = admin_users(&app, &admin).await;
    let counts: Vec<_> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["_count"]["websites"].clone())
        .collect();
    assert_eq!(counts, [json!(0), json!(1)], "rows carry _count.websites");
    let names: Vec<_> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].clone())
        .collect();
    assert_eq!(names, [json!("admin"), json!("zed")]);
    assert!(all[0]["createdAt"].is_string() && all[0]["id"].is_string());
    let (status, page) = app
        .umami(
            Method::GET,
            "/admin/users?page=1&pageSize=1&orderBy=username&sortDescending=true",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        (
            page["count"].clone(),
            page["pageSize"].clone(),
            page["orderBy"].clone()
        ),
        (json!(2), json!(1), json!("username"))
    );
    assert_eq!(page["data"][0]["username"], json!("zed"));
    assert_eq!(page["data"][0]["_count"], json!({ "websites": 1 }));
    let (_, found) = app
        .umami(Method::GET, "/admin/users?search=ZE", Some(&admin), None)
        .await;
    assert_eq!(found["count"], json!(1));
    let bad = app
        .umami(
            Method::GET,
            "/admin/users?orderBy=password",
            Some(&admin),
            None,
        )
        .await;
    assert_umami_error(
        &bad,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "orderBy must be one of username, createdAt",
    );
    let bad = app
        .umami(Method::GET, "/admin/users?page=zero", Some(&admin), None)
        .await;
    assert_umami_error(
        &bad,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "page must be a whole number",
    );
    let refused = app
        .umami(Method::GET, "/admin/users", Some(&user), None)
        .await;
    assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "admin");
}

async fn users_see_themselves_and_only_admins_see_others(app: TestApp) {
    let admin = app.admin_token().await;
    let (id, viewer) = app.umami_user(&admin, "viewer", "view-only").await;
    let (other, _) = app.umami_user(&admin, "other", "user").await;
    let (status, me) = app
        .umami(Method::GET, &format!("/users/{id}"), Some(&viewer), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["username"], json!("viewer"));
    assert!(me.get("password").is_none() && !me.to_string().contains("argon2"));
    let refused = app
        .umami(Method::GET, &format!("/users/{other}"), Some(&viewer), None)
        .await;
    assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "admin");
    let (status, _) = app
        .umami(Method::GET, &format!("/users/{other}"), Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let missing = app
        .umami(Method::GET, &format!("/users/{GHOST}"), Some(&admin), None)
        .await;
    assert_umami_error(
        &missing,
        StatusCode::NOT_FOUND,
        "not-found",
        "user not found",
    );
    let malformed = app
        .umami(Method::GET, "/users/not-a-uuid", Some(&admin), None)
        .await;
    assert_umami_error(
        &malformed,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "an id in the path must be a UUID",
    );
}

async fn updates_follow_the_role_rules(app: TestApp) {
    let admin = app.admin_token().await;
    let (id, user) = app.umami_user(&admin, "ursula", "user").await;
    let (vid, viewer) = app.umami_user(&admin, "vic", "view-only").await;
    let path = format!("/users/{id}");
    let (status, body) = app
        .umami(
            Method::POST,
            &path,
            Some(&admin),
            Some(json!({ "userId": id, "username": "Ursa", "role": "view-only" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["username"].clone(), body["role"].clone()),
        (json!("Ursa"), json!("view-only"))
    );
    let demoted = app.umami(Method::GET, "/me", Some(&user), None).await;
    assert_umami_error(
        &demoted,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "expired",
    );
    let user = app.token("ursa", "password-1").await;
    let resent = app
        .umami(
            Method::POST,
            &path,
            Some(&user),
            Some(json!({ "username": "Ursa", "role": "view-only" })),
        )
        .await;
    assert_eq!(
        resent.0,
        StatusCode::OK,
        "an unchanged name and role: {}",
        resent.1
    );
    let refused = app
        .umami(
            Method::POST,
            &path,
            Some(&user),
            Some(json!({ "role": "admin" })),
        )
        .await;
    assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "own password");
    let refused = app
        .umami(
            Method::POST,
            &format!("/users/{vid}"),
            Some(&user),
            Some(json!({ "password": "hijack-1" })),
        )
        .await;
    assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "admin");
    let own = app
        .umami(
            Method::POST,
            &format!("/users/{vid}"),
            Some(&viewer),
            Some(json!({ "password": "viewer-new-1" })),
        )
        .await;
    assert_eq!(
        own.0,
        StatusCode::OK,
        "view-only users may change their own password: {}",
        own.1
    );
    let ended = app.umami(Method::GET, "/me", Some(&viewer), None).await;
    assert_eq!(
        ended.0,
        StatusCode::UNAUTHORIZED,
        "a new password set through /users ends every session, the caller's too"
    );
    app.token("vic", "viewer-new-1").await;
    let empty = app
        .umami(Method::POST, &path, Some(&admin), Some(json!({})))
        .await;
    assert_eq!(empty.0, StatusCode::OK, "{}", empty.1);
    assert_eq!(empty.1["username"], json!("Ursa"));
    let (admin_id, _) = (
        app.umami(Method::GET, "/me", Some(&admin), None).await.1["user"]["id"].clone(),
        (),
    );
    let last = app
        .umami(
            Method::POST,
            &format!("/users/{}", admin_id.as_str().unwrap()),
            Some(&admin),
            Some(json!({ "role": "user" })),
        )
        .await;
    assert_umami_error(
        &last,
        StatusCode::CONFLICT,
        "conflict",
        "at least one admin",
    );
    let missing = app
        .umami(
            Method::POST,
            &format!("/users/{GHOST}"),
            Some(&admin),
            Some(json!({ "role": "user" })),
        )
        .await;
    assert_umami_error(&missing, StatusCode::NOT_FOUND, "not-found", "not found");
}

async fn deletes_follow_the_rules_and_clean_up(app: TestApp) {
    let admin = app.admin_token().await;
    let (id, user) = app.umami_user(&admin, "leaver", "user").await;
    let (_, other) = app.umami_user(&admin, "stayer", "user").await;
    let (_, team) = app
        .umami(
            Method::POST,
            "/teams",
            Some(&other),
            Some(json!({ "name": "Crew" })),
        )
        .await;
    let code = team[0]["accessCode"].as_str().unwrap();
    let team_id = team[0]["id"].as_str().unwrap().to_owned();
    app.umami(
        Method::POST,
        "/teams/join",
        Some(&user),
        Some(json!({ "accessCode": code })),
    )
    .await;
    let (_, site) = app
        .umami(
            Method::POST,
            "/websites",
            Some(&user),
            Some(json!({ "name": "Mine", "domain": "mine.example" })),
        )
        .await;
    let site_id = site["id"].as_str().unwrap().to_owned();

    let path = format!("/users/{id}");
    let refused = app.umami(Method::DELETE, &path, Some(&other), None).await;
    assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "admin");
    let me = app.umami(Method::GET, "/me", Some(&admin), None).await.1["user"]["id"].clone();
    let own = app
        .umami(
            Method::DELETE,
            &format!("/users/{}", me.as_str().unwrap()),
            Some(&admin),
            None,
        )
        .await;
    assert_umami_error(&own, StatusCode::BAD_REQUEST, "bad-request", "yourself");
    let (status, body) = app.umami(Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "ok": true })));
    let gone = app.umami(Method::DELETE, &path, Some(&admin), None).await;
    assert_umami_error(&gone, StatusCode::NOT_FOUND, "not-found", "not found");
    let (status, _) = app.umami(Method::GET, "/me", Some(&user), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, members) = app
        .umami(
            Method::GET,
            &format!("/teams/{team_id}/users"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(
        members["count"],
        json!(1),
        "the membership went with the user: {members}"
    );
    let site = app
        .umami(
            Method::GET,
            &format!("/websites/{site_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_umami_error(
        &site,
        StatusCode::NOT_FOUND,
        "not-found",
        "website not found",
    );
}

async fn a_users_websites_and_teams_are_paged(app: TestApp) {
    let admin = app.admin_token().await;
    let (id, user) = app.umami_user(&admin, "owner", "user").await;
    let (other_id, other) = app.umami_user(&admin, "other", "user").await;
    for (name, domain) in [
        ("Blog", "blog.example"),
        ("Shop", "shop.example"),
        ("Docs", "docs.example"),
    ] {
        let body = json!({ "name": name, "domain": domain });
        let (status, _) = app
            .umami(Method::POST, "/websites", Some(&user), Some(body))
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    app.umami(
        Method::POST,
        "/teams",
        Some(&user),
        Some(json!({ "name": "Crew" })),
    )
    .await;
    let (status, page) = app
        .umami(
            Method::GET,
            &format!("/users/{id}/websites?page=1&pageSize=2&orderBy=name"),
            Some(&user),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        (
            page["count"].clone(),
            page["page"].clone(),
            page["pageSize"].clone(),
            page["orderBy"].clone()
        ),
        (json!(3), json!(1), json!(2), json!("name"))
    );
    let names: Vec<_> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].clone())
        .collect();
    assert_eq!(names, [json!("Blog"), json!("Docs")]);
    assert_eq!(
        page["data"][0]["user"],
        json!({ "id": id, "username": "owner" })
    );
    let (_, found) = app
        .umami(
            Method::GET,
            &format!("/users/{id}/websites?query=SHOP"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(found["count"], json!(1));
    let (_, teams) = app
        .umami(
            Method::GET,
            &format!("/users/{id}/teams"),
            Some(&user),
            None,
        )
        .await;
    assert_eq!(teams["count"], json!(1));
    let team = &teams["data"][0];
    assert_eq!(
        team["_count"],
        json!({ "website": 0, "teamUser": 1, "websites": 0, "members": 1 })
    );
    assert_eq!(team["teamUser"][0]["role"], json!("team-owner"));
    assert_eq!(
        team["teamUser"][0]["user"],
        json!({ "id": id, "username": "owner" })
    );
    for path in [
        format!("/users/{id}/websites"),
        format!("/users/{id}/teams"),
    ] {
        let refused = app.umami(Method::GET, &path, Some(&other), None).await;
        assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "admin");
    }
    let (_, capped) = app
        .umami(
            Method::GET,
            &format!("/users/{other_id}/websites?pageSize=5000"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(capped["pageSize"], json!(100));
    let zero = app
        .umami(
            Method::GET,
            &format!("/users/{id}/teams?pageSize=0"),
            Some(&user),
            None,
        )
        .await;
    assert_umami_error(&zero, StatusCode::BAD_REQUEST, "bad-request", "start at 1");
    let bad = app
        .umami(
            Method::GET,
            &format!("/users/{id}/teams?orderBy=domain"),
            Some(&user),
            None,
        )
        .await;
    assert_umami_error(
        &bad,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "orderBy must be one of name, createdAt",
    );
}
