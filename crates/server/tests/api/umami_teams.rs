//! Umami teams: creation, membership by code and by admins, and who may change what.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_umami_error};

roster_test_support::on_every_backend!(
    crate::helpers::run;
    a_new_team_is_owned_by_its_creator,
    members_see_a_team_and_outsiders_do_not,
    owners_and_managers_change_a_team_and_members_do_not,
    joining_by_access_code,
    admins_and_managers_manage_members,
    only_owners_and_admins_delete_a_team,
);

pub(crate) struct Team {
    pub(crate) id: String,
    pub(crate) code: String,
}

pub(crate) async fn create_team(app: &TestApp, token: &str, name: &str) -> Team {
    let (status, body) = app
        .umami(
            Method::POST,
            "/teams",
            Some(token),
            Some(json!({ "name": name })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Team {
        id: body[0]["id"].as_str().unwrap().to_owned(),
        code: body[0]["accessCode"].as_str().unwrap().to_owned(),
    }
}

async fn join(app: &TestApp, token: &str, code: &str) -> (StatusCode, Value) {
    app.umami(
        Method::POST,
        "/teams/join",
        Some(token),
        Some(json!({ "accessCode": code })),
    )
    .await
}

async fn a_new_team_is_owned_by_its_creator(app: TestApp) {
    let admin = app.admin_token().await;
    let (id, user) = app.umami_user(&admin, "founder", "user").await;
    let (status, body) = app
        .umami(
            Method::POST,
            "/teams",
            Some(&user),
            Some(json!({ "name": "  Blue " })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[0]["name"], json!("Blue"));
    assert!(body[0]["accessCode"].as_str().unwrap().starts_with("team_"));
    assert_eq!(
        (body[1]["userId"].clone(), body[1]["role"].clone()),
        (json!(id), json!("team-owner"))
    );
    assert_eq!(body[1]["teamId"], body[0]["id"]);
    let (viewer_id, viewer) = app.umami_user(&admin, "viewer", "view-only").await;
    let refused = app
        .umami(
            Method::POST,
            "/teams",
            Some(&viewer),
            Some(json!({ "name": "Nope" })),
        )
        .await;
    assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "view-only");
    let blank = app
        .umami(
            Method::POST,
            "/teams",
            Some(&user),
            Some(json!({ "name": " " })),
        )
        .await;
    assert_umami_error(
        &blank,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "name must be 1 to 100",
    );
    let (_, mine) = app.umami(Method::GET, "/teams", Some(&user), None).await;
    assert_eq!(mine["count"], json!(1));

    // An admin may make a team for another owner; nobody else may.
    let for_founder = json!({ "name": "Red", "ownerId": id });
    let (status, body) = app
        .umami(
            Method::POST,
            "/teams",
            Some(&admin),
            Some(for_founder.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[1]["userId"], json!(id));
    let (_, mine) = app.umami(Method::GET, "/teams", Some(&user), None).await;
    assert_eq!(mine["count"], json!(2));
    let (_, other_user) = app.umami_user(&admin, "other", "user").await;
    let refused = app
        .umami(Method::POST, "/teams", Some(&other_user), Some(for_founder))
        .await;
    assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "admin");
    let ghost = json!({ "name": "Ghost", "ownerId": "6f1c3e1e-8f5b-4b7a-9b1a-0c2d3e4f5a6b" });
    let missing = app
        .umami(Method::POST, "/teams", Some(&admin), Some(ghost))
        .await;
    assert_eq!(missing.0, StatusCode::NOT_FOUND, "{}", missing.1);
    let for_viewer = json!({ "name": "Glass", "ownerId": viewer_id });
    let refused = app
        .umami(Method::POST, "/teams", Some(&admin), Some(for_viewer))
        .await;
    assert_umami_error(
        &refused,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "view-only",
    );
}

async fn members_see_a_team_and_outsiders_do_not(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, owner) = app.umami_user(&admin, "owner", "user").await;
    let (_, outsider) = app.umami_user(&admin, "outsider", "user").await;
    let team = create_team(&app, &owner, "Blue").await;
    let path = format!("/teams/{}", team.id);
    let (status, body) = app.umami(Method::GET, &path, Some(&owner), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["teamUser"][0]["user"]["username"], json!("owner"));
    assert_eq!(
        body["_count"],
        json!({ "website": 0, "teamUser": 1, "websites": 0, "members": 1 })
    );
    assert_eq!(
        body["members"], body["teamUser"],
        "Umami 3's name for the same"
    );
    let refused = app.umami(Method::GET, &path, Some(&outsider), None).await;
    assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "members");
    for sub in ["/users", "/websites"] {
        let refused = app
            .umami(Method::GET, &format!("{path}{sub}"), Some(&outsider), None)
            .await;
        assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "members");
    }
    let (status, _) = app.umami(Method::GET, &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK);
    let missing = app
        .umami(
            Method::GET,
            "/teams/6f1c3e1e-8f5b-4b7a-9b1a-0c2d3e4f5a6b",
            Some(&admin),
            None,
        )
        .await;
    assert_umami_error(
        &missing,
        StatusCode::NOT_FOUND,
        "not-found",
        "team not found",
    );
    let malformed = app
        .umami(Method::GET, "/teams/blue", Some(&admin), None)
        .await;
    assert_umami_error(
        &malformed,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "an id in the path must be a UUID",
    );
}

async fn owners_and_managers_change_a_team_and_members_do_not(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, owner) = app.umami_user(&admin, "owner", "user").await;
    let (_, member) = app.umami_user(&admin, "member", "user").await;
    let team = create_team(&app, &owner, "Blue").await;
    join(&app, &member, &team.code).await;
    let path = format!("/teams/{}", team.id);
    let change = json!({ "teamId": team.id, "name": "Navy", "accessCode": "team_navy" });
    let (status, body) = app
        .umami(Method::POST, &path, Some(&owner), Some(change))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["name"].clone(), body["accessCode"].clone()),
        (json!("Navy"), json!("team_navy"))
    );
    let refused = app
        .umami(
            Method::POST,
            &path,
            Some(&member),
            Some(json!({ "name": "Mine" })),
        )
        .await;
    assert_umami_error(
        &refused,
        StatusCode::FORBIDDEN,
        "forbidden",
        "owners and managers",
    );
    let empty = app
        .umami(
            Method::POST,
            &path,
            Some(&owner),
            Some(json!({ "teamId": team.id })),
        )
        .await;
    assert_eq!(empty.0, StatusCode::OK, "{}", empty.1);
    assert_eq!(empty.1["name"], json!("Navy"));
    let (_, team_now) = app.umami(Method::GET, &path, Some(&member), None).await;
    assert_eq!(team_now["name"], json!("Navy"));
}

async fn joining_by_access_code(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, owner) = app.umami_user(&admin, "owner", "user").await;
    let (joiner_id, joiner) = app.umami_user(&admin, "joiner", "user").await;
    let (_, viewer) = app.umami_user(&admin, "viewer", "view-only").await;
    let team = create_team(&app, &owner, "Blue").await;
    let (status, body) = join(&app, &joiner, &format!(" {} ", team.code)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["userId"].clone(), body["role"].clone()),
        (json!(joiner_id), json!("team-member"))
    );
    assert_umami_error(
        &join(&app, &joiner, &team.code).await,
        StatusCode::CONFLICT,
        "conflict",
        "already a member",
    );
    assert_umami_error(
        &join(&app, &joiner, "team_nope").await,
        StatusCode::NOT_FOUND,
        "team-not-found",
        "access code",
    );
    // A view-only user joins, as a view-only member, and may leave again.
    let (status, body) = join(&app, &viewer, &team.code).await;
    assert_eq!(
        (status, &body["role"]),
        (StatusCode::OK, &json!("team-view-only")),
        "{body}"
    );
    let (_, members) = app
        .umami(
            Method::GET,
            &format!("/teams/{}/users?search=JOIN", team.id),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(members["count"], json!(1));
    assert_eq!(members["data"][0]["user"]["username"], json!("joiner"));
    // A member reads their own membership, not another's.
    let joiner_path = format!("/teams/{}/users/{joiner_id}", team.id);
    let viewer_path = format!(
        "/teams/{}/users/{}",
        team.id,
        body["userId"].as_str().unwrap()
    );
    let (status, own) = app
        .umami(Method::GET, &viewer_path, Some(&viewer), None)
        .await;
    assert_eq!(
        (status, &own["role"]),
        (StatusCode::OK, &json!("team-view-only"))
    );
    let refused = app
        .umami(Method::GET, &joiner_path, Some(&viewer), None)
        .await;
    assert_umami_error(
        &refused,
        StatusCode::FORBIDDEN,
        "forbidden",
        "owners and managers",
    );
    let (status, left) = app
        .umami(Method::DELETE, &viewer_path, Some(&viewer), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{left}");
}

async fn admins_and_managers_manage_members(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, owner) = app.umami_user(&admin, "owner", "user").await;
    let (member_id, member) = app.umami_user(&admin, "member", "user").await;
    let (extra_id, _) = app.umami_user(&admin, "extra", "user").await;
    let team = create_team(&app, &owner, "Blue").await;
    let users = format!("/teams/{}/users", team.id);
    let add = json!({ "teamId": team.id, "userId": member_id, "role": "team-member" });
    let (status, body) = app
        .umami(Method::POST, &users, Some(&admin), Some(add.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["role"], json!("team-member"));
    assert_umami_error(
        &app.umami(Method::POST, &users, Some(&owner), Some(add))
            .await,
        StatusCode::CONFLICT,
        "conflict",
        "already a member",
    );
    let by_member = json!({ "userId": extra_id, "role": "team-member" });
    let refused = app
        .umami(Method::POST, &users, Some(&member), Some(by_member))
        .await;
    assert_umami_error(
        &refused,
        StatusCode::FORBIDDEN,
        "forbidden",
        "owners and managers",
    );
    let bad_role = json!({ "userId": extra_id, "role": "captain" });
    let refused = app
        .umami(Method::POST, &users, Some(&owner), Some(bad_role))
        .await;
    assert_umami_error(
        &refused,
        StatusCode::BAD_REQUEST,
        "bad-request",
        "team role must be one of",
    );
    let ghost = json!({ "userId": "6f1c3e1e-8f5b-4b7a-9b1a-0c2d3e4f5a6b", "role": "team-member" });
    let refused = app
        .umami(Method::POST, &users, Some(&owner), Some(ghost))
        .await;
    assert_umami_error(
        &refused,
        StatusCode::NOT_FOUND,
        "not-found",
        "user not found",
    );

    let one = format!("{users}/{member_id}");
    let (status, body) = app
        .umami(
            Method::POST,
            &one,
            Some(&owner),
            Some(json!({ "role": "team-manager" })),
        )
        .await;
    assert_eq!(
        (status, body["role"].clone()),
        (StatusCode::OK, json!("team-manager"))
    );
    let (_, fetched) = app.umami(Method::GET, &one, Some(&member), None).await;
    assert_eq!(fetched["role"], json!("team-manager"));
    let extra = json!({ "userId": extra_id, "role": "team-view-only" });
    let (status, _) = app
        .umami(Method::POST, &users, Some(&member), Some(extra))
        .await;
    assert_eq!(status, StatusCode::OK, "a manager adds members now");
    let extra_path = format!("{users}/{extra_id}");
    let (status, body) = app
        .umami(Method::DELETE, &extra_path, Some(&member), None)
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "ok": true })));
    let again = app
        .umami(Method::DELETE, &extra_path, Some(&member), None)
        .await;
    assert_umami_error(&again, StatusCode::NOT_FOUND, "not-found", "not found");
    let (status, _) = app.umami(Method::DELETE, &one, Some(&member), None).await;
    assert_eq!(status, StatusCode::OK, "members may leave");
}

async fn only_owners_and_admins_delete_a_team(app: TestApp) {
    let admin = app.admin_token().await;
    let (_, owner) = app.umami_user(&admin, "owner", "user").await;
    let (manager_id, manager) = app.umami_user(&admin, "manager", "user").await;
    let team = create_team(&app, &owner, "Blue").await;
    let add = json!({ "userId": manager_id, "role": "team-manager" });
    app.umami(
        Method::POST,
        &format!("/teams/{}/users", team.id),
        Some(&owner),
        Some(add),
    )
    .await;
    let (_, site) = app
        .umami(
            Method::POST,
            "/websites",
            Some(&manager),
            Some(json!({ "name": "Team", "domain": "t.example", "teamId": team.id })),
        )
        .await;
    let path = format!("/teams/{}", team.id);
    let own_role = format!("/teams/{}/users/{manager_id}", team.id);
    let promote = json!({ "role": "team-owner" });
    let refused = app
        .umami(Method::POST, &own_role, Some(&manager), Some(promote))
        .await;
    assert_umami_error(
        &refused,
        StatusCode::FORBIDDEN,
        "forbidden",
        "only the team's owners",
    );
    let refused = app.umami(Method::DELETE, &path, Some(&manager), None).await;
    assert_umami_error(&refused, StatusCode::FORBIDDEN, "forbidden", "owner");
    let (status, body) = app.umami(Method::DELETE, &path, Some(&owner), None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "ok": true })));
    assert_umami_error(
        &app.umami(Method::GET, &path, Some(&admin), None).await,
        StatusCode::NOT_FOUND,
        "not-found",
        "team not found",
    );
    let gone = app
        .umami(
            Method::GET,
            &format!("/websites/{}", site["id"].as_str().unwrap()),
            Some(&admin),
            None,
        )
        .await;
    assert_umami_error(
        &gone,
        StatusCode::NOT_FOUND,
        "not-found",
        "website not found",
    );
}
