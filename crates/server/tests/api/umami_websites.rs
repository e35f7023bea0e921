//! Umami websites of users and teams.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_umami_error};

roster_test_support::on_every_backend!(
    crate::helpers::run;
    users_create_and_manage_their_own_websites,
    team_websites_follow_team_roles,
    website_lists_search_sort_and_include_teams,
    a_reset_stamps_reset_at_for_those_who_may_change_the_website,
    admins_page_and_search_every_website_and_team,
    websites_are_transferred_as_umami_allows,
    a_transfer_racing_the_deletion_of_its_team_leaves_no_live_orphan,
    a_rename_racing_a_reset_keeps_both,
);

async fn create(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    app.umami(Method::POST, "/websites", Some(token), Some(body))
        .await
}

async fn users_create_and_manage_their_own_websites(app: TestApp) {
    let admin = app.admin_token().await;
    let (id, user) = app.umami_user(&admin, "owner", "user").await;
    let (_, other) = app.umami_user(&admin, "other", "user").await;
    let (_, viewer) = app.umami_user(&admin, "viewer", "view-only").await;
    let (status, site) = create(
        &app,
        &user,
        json!({ "name": "Blog", "domain": "blog.example", "shareId": "blog-share" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{site}");
    assert_eq!(
        (
            site["userId"].clone(),
            site["teamId"].clone(),
            site["createdBy"].clone()
        ),
        (json!(id), json!(null), json!(id))
    );
    assert_eq!(site["user"], json!({ "id": id, "username": "owner" }));
    let path = format!("/websites/{}", site["id"].as_str().unwrap());

    let refused = create(&app, &viewer, json!({ "name": "V", "domain": "v.example" })).await;
    assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "view-only");
    let missing = create(&app, &user, json!({ "name": "No domain" })).await;
    assert_umami_error(
        &missing,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "missing field `domain`",
    );
    let taken = create(
        &app,
        &other,
        json!({ "name": "Copy", "domain": "c.example", "shareId": "blog-share" }),
    )
    .await;
    assert_umami_error(&taken, StatusCode::CONFLICT, "conflict", "shareId");

    let refused = app.umami(Method::GET, &path, Some(&other), None).await;
    assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "may not see");
    let refused = app
        .umami(
            Method::POST,
            &path,
            Some(&other),
            Some(json!({ "name": "Mine now" })),
        )
        .await;
    assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "not yours");
    let change = json!({ "websiteId": site["id"], "name": "Journal", "shareId": null });
    let (status, changed) = app
        .umami(Method::POST, &path, Some(&user), Some(change))
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(
        (
            changed["name"].clone(),
            changed["shareId"].clone(),
            changed["domain"].clone()
        ),
        (json!("Journal"), json!(null), json!("blog.example"))
    );
    let empty = app
        .umami(Method::POST, &path, Some(&user), Some(json!({})))
        .await;
    assert_eq!(empty.0, StatusCode::OK, "{}", empty.1);
    assert_eq!(empty.1["name"], json!("Journal"));
    let (status, _) = app.umami(Method::GET, &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);

    let before = app.umami(Method::GET, &path, Some(&user), None).await;
    // serde would read the fields by position from an array.
    let array = app
        .umami(
            Method::POST,
            &path,
            Some(&user),
            Some(json!(["renamed", null])),
        )
        .await;
    assert_umami_error(
        &array,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "a JSON object",
    );
    assert_eq!(
        app.umami(Method::GET, &path, Some(&user), None).await,
        before
    );

    let refused = app.umami(Method::DELETE, &path, Some(&other), None).await;
    assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "not yours");
    let (status, body) = app.umami(Method::DELETE, &path, Some(&user), None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "ok": true })));
    assert_umami_error(
        &app.umami(Method::GET, &path, Some(&user), None).await,
        StatusCode::NOT_FOUND,
        "not-found",
        "website not found",
    );
    let malformed = app
        .umami(Method::GET, "/websites/123", Some(&user), None)
        .await;
    assert_umami_error(
        &malformed,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "an id in the path must be a UUID",
    );
}

async fn team_websites_follow_team_roles(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, owner) = app.umami_user(&admin, "owner", "user").await;
    let (member_id, member) = app.umami_user(&admin, "member", "user").await;
    let (_, team) = app
        .umami(
            Method::POST,
            "/teams",
            Some(&owner),
            Some(json!({ "name": "Blue" })),
        )
        .await;
    let team_id = team[0]["id"].as_str().unwrap().to_owned();
    let (viewer_id, viewer) = app.umami_user(&admin, "viewer", "user").await;
    for (id, role) in [(member_id, "team-member"), (viewer_id, "team-view-only")] {
        let add = json!({ "userId": id, "role": role });
        app.umami(
            Method::POST,
            &format!("/teams/{team_id}/users"),
            Some(&owner),
            Some(add),
        )
        .await;
    }

    let (status, site) = create(
        &app,
        &owner,
        json!({ "name": "Shared", "domain": "s.example", "teamId": team_id }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{site}");
    assert_eq!(
        (site["teamId"].clone(), site["userId"].clone()),
        (json!(team_id), json!(null))
    );
    assert!(
        site.get("user").is_none(),
        "a team's website has no owning user: {site}"
    );
    // As in Umami, a team-member creates and changes the team's websites; a view-only
    // member only sees them.
    let (status, made) = create(
        &app,
        &member,
        json!({ "name": "M", "domain": "m.example", "teamId": team_id }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{made}");
    let refused = create(
        &app,
        &viewer,
        json!({ "name": "V", "domain": "v.example", "teamId": team_id }),
    )
    .await;
    assert_umami_error(
        &refused,
        StatusCode::FORBIDDEN,
        "forbidden",
        "not view-only",
    );
    let ghost = create(&app, &owner, json!({ "name": "G", "domain": "g.example", "teamId": "6f1c3e1e-8f5b-4b7a-9b1a-0c2d3e4f5a6b" })).await;
    assert_umami_error(&ghost, StatusCode::NOT_FOUND, "not-found", "team not found");

    let path = format!("/websites/{}", site["id"].as_str().unwrap());
    let (status, _) = app.umami(Method::GET, &path, Some(&viewer), None).await;
    assert_eq!(status, StatusCode::OK, "members see their team's websites");
    let (status, renamed) = app
        .umami(
            Method::POST,
            &path,
            Some(&member),
            Some(json!({ "name": "Renamed" })),
        )
        .await;
    assert_eq!(
        (status, &renamed["name"]),
        (StatusCode::OK, &json!("Renamed"))
    );
    let refused = app
        .umami(
            Method::POST,
            &path,
            Some(&viewer),
            Some(json!({ "name": "Hijack" })),
        )
        .await;
    assert_umami_error(
        &refused,
        StatusCode::FORBIDDEN,
        "forbidden",
        "not view-only",
    );
    app.umami(
        Method::DELETE,
        &format!("/websites/{}", made["id"].as_str().unwrap()),
        Some(&member),
        None,
    )
    .await;
    let (_, listed) = app
        .umami(
            Method::GET,
            &format!("/teams/{team_id}/websites"),
            Some(&member),
            None,
        )
        .await;
    assert_eq!(listed["count"], json!(1));
    assert_eq!(
        listed["data"][0]["createUser"]["username"],
        json!("owner"),
        "a team's website names who created it: {listed}"
    );
    let (_, team_now) = app
        .umami(
            Method::GET,
            &format!("/teams/{team_id}"),
            Some(&member),
            None,
        )
        .await;
    assert_eq!(team_now["_count"]["website"], json!(1));
}

async fn website_lists_search_sort_and_include_teams(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, user) = app.umami_user(&admin, "owner", "user").await;
    for (name, domain) in [
        ("Beta", "z.example"),
        ("Alpha", "y.example"),
        ("Gamma", "x.example"),
    ] {
        create(&app, &user, json!({ "name": name, "domain": domain })).await;
    }
    let (_, team) = app
        .umami(
            Method::POST,
            "/teams",
            Some(&user),
            Some(json!({ "name": "Blue" })),
        )
        .await;
    create(
        &app,
        &user,
        json!({ "name": "Team site", "domain": "team.example", "teamId": team[0]["id"] }),
    )
    .await;

    let names = |page: &Value| -> Vec<Value> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["name"].clone())
            .collect()
    };
    let (_, page) = app.umami(Method::GET, "/websites", Some(&user), None).await;
    assert_eq!(
        (page["count"].clone(), names(&page)),
        (
            json!(3),
            vec![json!("Alpha"), json!("Beta"), json!("Gamma")]
        )
    );
    let (_, page) = app
        .umami(Method::GET, "/websites?orderBy=domain", Some(&user), None)
        .await;
    assert_eq!(names(&page)[0], json!("Gamma"));
    let (_, page) = app
        .umami(
            Method::GET,
            "/websites?orderBy=name&sortDescending=true&page=2&pageSize=2",
            Some(&user),
            None,
        )
        .await;
    assert_eq!(
        (page["page"].clone(), names(&page)),
        (json!(2), vec![json!("Alpha")])
    );
    let (_, page) = app
        .umami(
            Method::GET,
            "/websites?includeTeams=true&search=TEAM",
            Some(&user),
            None,
        )
        .await;
    assert_eq!(
        (page["count"].clone(), page["search"].clone()),
        (json!(1), json!("TEAM"))
    );
    let (_, page) = app
        .umami(
            Method::GET,
            "/me/websites?includeTeams=1",
            Some(&user),
            None,
        )
        .await;
    assert_eq!(page["count"], json!(4));
    let bad = app
        .umami(
            Method::GET,
            "/websites?includeTeams=perhaps",
            Some(&user),
            None,
        )
        .await;
    assert_umami_error(&bad, StatusCode::BAD_REQUEST, "bad-request", "includeTeams");
    let bad = app
        .umami(Method::GET, "/websites?orderBy=owner", Some(&user), None)
        .await;
    assert_umami_error(
        &bad,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "orderBy must be one of name, domain, createdAt",
    );
}

async fn a_reset_stamps_reset_at_for_those_who_may_change_the_website(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, user) = app.umami_user(&admin, "rita", "user").await;
    let (_, other) = app.umami_user(&admin, "otto", "user").await;
    let (status, site) = create(&app, &user, json!({ "name": "R", "domain": "r.example" })).await;
    assert_eq!(status, StatusCode::OK, "{site}");
    assert_eq!(site["resetAt"], Value::Null);
    let path = format!("/websites/{}", site["id"].as_str().unwrap());
    let reset = format!("{path}/reset");
    let refused = app.umami(Method::POST, &reset, Some(&other), None).await;
    assert_eq!(refused.0, StatusCode::FORBIDDEN, "{}", refused.1);
    let (status, body) = app.umami(Method::POST, &reset, Some(&user), None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "ok": true })));
    let (_, after) = app.umami(Method::GET, &path, Some(&user), None).await;
    assert!(after["resetAt"].is_string(), "{after}");
    let unknown = "/websites/6f1c3e1e-8f5b-4b7a-9b1a-0c2d3e4f5a6b/reset";
    let missing = app.umami(Method::POST, unknown, Some(&admin), None).await;
    assert_eq!(missing.0, StatusCode::NOT_FOUND, "{}", missing.1);
}

async fn admins_page_and_search_every_website_and_team(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, ann) = app.umami_user(&admin, "ann", "user").await;
    let (_, bob) = app.umami_user(&admin, "bob", "user").await;
    for (token, name) in [(&ann, "Alpha"), (&bob, "Beta"), (&bob, "Gamma")] {
        let domain = format!("{}.example", name.to_lowercase());
        let (status, body) = create(&app, token, json!({ "name": name, "domain": domain })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let team = json!({ "name": format!("{name} team") });
        let (status, body) = app
            .umami(Method::POST, "/teams", Some(token), Some(team))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let (status, all) = app
        .umami(
            Method::GET,
            "/admin/websites?pageSize=2&orderBy=name",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(
        (all["count"].clone(), all["data"].as_array().unwrap().len()),
        (json!(3), 2)
    );
    assert_eq!(all["data"][0]["name"], json!("Alpha"));
    let (_, found) = app
        .umami(
            Method::GET,
            "/admin/websites?search=GAM",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(found["count"], json!(1));
    let (_, teams) = app
        .umami(Method::GET, "/admin/teams?query=beta", Some(&admin), None)
        .await;
    assert_eq!(teams["count"], json!(1));
    assert_eq!(teams["data"][0]["name"], json!("Beta team"));
    assert_eq!(
        teams["data"][0]["members"][0]["user"]["username"],
        json!("bob")
    );
    for path in ["/admin/websites", "/admin/teams"] {
        let refused = app.umami(Method::GET, path, Some(&ann), None).await;
        assert_eq!(refused.0, StatusCode::FORBIDDEN, "{path}: {}", refused.1);
    }
}

async fn websites_are_transferred_as_umami_allows(app: TestApp) {
    let admin = app.admin_token().await;
    let (owner_id, owner) = app.umami_user(&admin, "owner", "user").await;
    let (viewer_id, _) = app.umami_user(&admin, "viewer", "view-only").await;
    let (_, team) = app
        .umami(
            Method::POST,
            "/teams",
            Some(&owner),
            Some(json!({ "name": "Blue" })),
        )
        .await;
    let team_id = team[0]["id"].as_str().unwrap().to_owned();
    let (_, site) = create(&app, &owner, json!({ "name": "S", "domain": "s.example" })).await;
    let transfer = format!("/websites/{}/transfer", site["id"].as_str().unwrap());

    let (status, moved) = app
        .umami(
            Method::POST,
            &transfer,
            Some(&owner),
            Some(json!({ "teamId": team_id })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert_eq!(
        (&moved["teamId"], &moved["userId"]),
        (&json!(team_id), &Value::Null)
    );
    let (_, listed) = app
        .umami(
            Method::GET,
            &format!("/teams/{team_id}/websites"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(listed["count"], json!(1), "{listed}");

    let (status, back) = app
        .umami(
            Method::POST,
            &transfer,
            Some(&owner),
            Some(json!({ "userId": owner_id })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert_eq!(
        (&back["userId"], &back["teamId"]),
        (&json!(owner_id), &Value::Null)
    );
    assert_eq!(back["user"]["username"], json!("owner"));

    let nowhere = app
        .umami(Method::POST, &transfer, Some(&owner), Some(json!({})))
        .await;
    assert_umami_error(
        &nowhere,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "userId or teamId",
    );
    let to_viewer = app
        .umami(
            Method::POST,
            &transfer,
            Some(&admin),
            Some(json!({ "userId": viewer_id })),
        )
        .await;
    assert_umami_error(
        &to_viewer,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "view-only",
    );
    let ghost = json!({ "teamId": "6f1c3e1e-8f5b-4b7a-9b1a-0c2d3e4f5a6b" });
    let to_ghost = app
        .umami(Method::POST, &transfer, Some(&admin), Some(ghost))
        .await;
    assert_umami_error(
        &to_ghost,
        StatusCode::NOT_FOUND,
        "not-found",
        "team not found",
    );
    let not_a_uuid = app
        .umami(
            Method::POST,
            &transfer,
            Some(&admin),
            Some(json!({ "userId": "x" })),
        )
        .await;
    assert_eq!(not_a_uuid.0, StatusCode::BAD_REQUEST, "{}", not_a_uuid.1);
}

/// A website moved to a team while the team is being deleted ends deleted with it, or the
/// transfer is refused: never a live website of a team that is gone.
async fn a_transfer_racing_the_deletion_of_its_team_leaves_no_live_orphan(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, owner) = app.umami_user(&admin, "owner", "user").await;
    for round in 0..8 {
        let (_, team) = app
            .umami(
                Method::POST,
                "/teams",
                Some(&owner),
                Some(json!({ "name": "T" })),
            )
            .await;
        let team_id = team[0]["id"].as_str().unwrap().to_owned();
        let domain = format!("r{round}.example");
        let (_, site) = create(&app, &owner, json!({ "name": "S", "domain": domain })).await;
        let site_path = format!("/websites/{}", site["id"].as_str().unwrap());
        let (transfer_path, team_path) =
            (format!("{site_path}/transfer"), format!("/teams/{team_id}"));
        let transfer = app.umami(
            Method::POST,
            &transfer_path,
            Some(&owner),
            Some(json!({ "teamId": team_id })),
        );
        let delete = app.umami(Method::DELETE, &team_path, Some(&owner), None);
        let ((moved, body), (deleted, _)) = tokio::join!(transfer, delete);
        assert!(
            // Refused as not found, or as not the owner of a team that is gone.
            moved.is_success() || [StatusCode::NOT_FOUND, StatusCode::FORBIDDEN].contains(&moved),
            "{moved} {body}"
        );
        assert_eq!(deleted, StatusCode::OK);
        let (status, after) = app.umami(Method::GET, &site_path, Some(&admin), None).await;
        // Either way the website is not left live on the deleted team: it went with the
        // team, or stayed its owner's. (A transfer that moved it and then found it deleted
        // with the team answers 404.)
        if moved.is_success() || status == StatusCode::NOT_FOUND {
            assert_eq!(status, StatusCode::NOT_FOUND, "round {round}: {after}");
        } else {
            assert_eq!(after["userId"], site["userId"], "round {round}: {after}");
        }
    }
}

/// Changes to different fields of one website never undo each other.
async fn a_rename_racing_a_reset_keeps_both(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, owner) = app.umami_user(&admin, "owner", "user").await;
    for round in 0..8 {
        let (_, site) = create(&app, &owner, json!({ "name": "S", "domain": "s.example" })).await;
        let path = format!("/websites/{}", site["id"].as_str().unwrap());
        let name = format!("Renamed {round}");
        let rename = app.umami(
            Method::POST,
            &path,
            Some(&owner),
            Some(json!({ "name": name })),
        );
        let reset_path = format!("{path}/reset");
        let reset = app.umami(Method::POST, &reset_path, Some(&owner), None);
        let ((renamed, _), (was_reset, _)) = tokio::join!(rename, reset);
        assert_eq!((renamed, was_reset), (StatusCode::OK, StatusCode::OK));
        let (_, after) = app.umami(Method::GET, &path, Some(&owner), None).await;
        assert_eq!(after["name"], json!(name), "{after}");
        assert!(after["resetAt"].is_string(), "{after}");
    }
}
