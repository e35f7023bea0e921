//! Every endpoint of both dialects × every kind of caller, from one table. A refused call
//! must leave the directory exactly as it was, and an endpoint of the OpenAPI document
//! without a row fails the test.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use roster_app::hash_token;
use roster_db::Backend;
use roster_domain::ports::{SessionStore, UserRepository};
use roster_domain::{UserId, UserKey};
use serde_json::{Value, json};

use crate::helpers::{TestApp, parts, spawn_app};

/// The callers, in the order each row is tried: refusals first, so that a row's allowed
/// calls run last.
const CALLERS: [&str; 6] = [
    "anonymous",
    "expired",
    "revoked",
    "view-only",
    "user",
    "admin",
];

/// `(method, path, body, [status per caller])`. In paths and bodies, `{self}` is the caller
/// (the `user` for token-less callers), `{other}` another user, `{spare}` a user in no team,
/// `{team}` the user's team (the view-only user is a member), `{other_team}` another's
/// (with `{other_member}` in it),
/// `{site}` the user's website, `{team_site}` the team's, `{other_site}` another's,
/// `{code}` the user's team's access code, `{uma_key}` the user's API key.
type Row = (&'static str, &'static str, Option<Value>, [u16; 6]);

const DENY: [u16; 3] = [401, 401, 401];

fn row(method: &'static str, path: &'static str, body: Option<Value>, tail: [u16; 3]) -> Row {
    (
        method,
        path,
        body,
        [DENY[0], DENY[1], DENY[2], tail[0], tail[1], tail[2]],
    )
}

fn table() -> Vec<Row> {
    let pw = || Some(json!({ "password": "password-2" }));
    let site = || Some(json!({ "name": "New", "domain": "new.example" }));
    vec![
        // MCPHub: admins only.
        row("GET", "/api/users", None, [403, 403, 200]),
        row("GET", "/api/users/{other_name}", None, [403, 403, 200]),
        row(
            "POST",
            "/api/users",
            Some(json!({ "username": "newbie", "password": "password-1" })),
            [403, 403, 201],
        ),
        row(
            "PUT",
            "/api/users/{other_name}",
            Some(json!({ "servers": ["s"] })),
            [403, 403, 200],
        ),
        row("DELETE", "/api/users/{other_name}", None, [403, 403, 200]),
        row("GET", "/api/users-stats", None, [403, 403, 200]),
        row("GET", "/api/auth/user", None, [200, 200, 200]),
        row(
            "POST",
            "/api/auth/change-password",
            Some(json!({ "currentPassword": "password-1", "newPassword": "password-2" })),
            [200, 200, 200],
        ),
        (
            "POST",
            "/api/auth/login",
            Some(json!({ "username": "uma", "password": "password-1" })),
            [200; 6],
        ),
        // Umami: the caller.
        (
            "POST",
            "/umami/api/auth/login",
            Some(json!({ "username": "uma", "password": "password-1" })),
            [200; 6],
        ),
        row("POST", "/umami/api/auth/logout", None, [200, 200, 200]),
        row("POST", "/umami/api/auth/verify", None, [200, 200, 200]),
        row("GET", "/umami/api/admin/websites", None, [403, 403, 200]),
        row("GET", "/umami/api/admin/teams", None, [403, 403, 200]),
        row("GET", "/umami/api/me", None, [200, 200, 200]),
        row("GET", "/umami/api/me/teams", None, [200, 200, 200]),
        row("GET", "/umami/api/me/websites", None, [200, 200, 200]),
        row(
            "POST",
            "/umami/api/me/password",
            Some(json!({ "currentPassword": "password-1", "newPassword": "password-2" })),
            [200, 200, 200],
        ),
        // Umami: users.
        row(
            "POST",
            "/umami/api/users",
            Some(json!({ "username": "newbie", "password": "password-1", "role": "user" })),
            [403, 403, 200],
        ),
        row("GET", "/umami/api/admin/users", None, [403, 403, 200]),
        row("GET", "/umami/api/users/{self}", None, [200, 200, 200]),
        row("GET", "/umami/api/users/{other}", None, [403, 403, 200]),
        row("POST", "/umami/api/users/{self}", pw(), [200, 200, 200]),
        row(
            "POST",
            "/umami/api/users/{self}",
            Some(json!({ "role": "admin" })),
            [403, 403, 200],
        ),
        row("POST", "/umami/api/users/{other}", pw(), [403, 403, 200]),
        row("DELETE", "/umami/api/users/{self}", None, [403, 403, 400]),
        row("DELETE", "/umami/api/users/{other}", None, [403, 403, 200]),
        row(
            "GET",
            "/umami/api/users/{self}/websites",
            None,
            [200, 200, 200],
        ),
        row(
            "GET",
            "/umami/api/users/{other}/websites",
            None,
            [403, 403, 200],
        ),
        row(
            "GET",
            "/umami/api/users/{self}/teams",
            None,
            [200, 200, 200],
        ),
        row(
            "GET",
            "/umami/api/users/{other}/teams",
            None,
            [403, 403, 200],
        ),
        // Umami: teams.
        row(
            "POST",
            "/umami/api/teams",
            Some(json!({ "name": "New" })),
            [403, 200, 200],
        ),
        row("GET", "/umami/api/teams", None, [200, 200, 200]),
        row(
            "POST",
            "/umami/api/teams/join",
            Some(json!({ "accessCode": "{code}" })),
            [409, 409, 200],
        ),
        row("GET", "/umami/api/teams/{team}", None, [200, 200, 200]),
        row(
            "GET",
            "/umami/api/teams/{other_team}",
            None,
            [403, 403, 200],
        ),
        row(
            "POST",
            "/umami/api/teams/{team}",
            Some(json!({ "name": "Renamed" })),
            [403, 200, 200],
        ),
        row(
            "POST",
            "/umami/api/teams/{other_team}",
            Some(json!({ "name": "Renamed" })),
            [403, 403, 200],
        ),
        row("DELETE", "/umami/api/teams/{team}", None, [403, 200, 200]),
        row(
            "DELETE",
            "/umami/api/teams/{other_team}",
            None,
            [403, 403, 200],
        ),
        row(
            "GET",
            "/umami/api/teams/{team}/users",
            None,
            [200, 200, 200],
        ),
        row(
            "GET",
            "/umami/api/teams/{other_team}/users",
            None,
            [403, 403, 200],
        ),
        row(
            "POST",
            "/umami/api/teams/{team}/users",
            Some(json!({ "userId": "{spare}", "role": "team-member" })),
            [403, 200, 200],
        ),
        row(
            "POST",
            "/umami/api/teams/{other_team}/users",
            Some(json!({ "userId": "{spare}", "role": "team-member" })),
            [403, 403, 200],
        ),
        row(
            "GET",
            "/umami/api/teams/{team}/users/{viewer}",
            None,
            [200, 200, 200],
        ),
        row(
            "GET",
            "/umami/api/teams/{other_team}/users/{other_member}",
            None,
            [403, 403, 200],
        ),
        row(
            "POST",
            "/umami/api/teams/{team}/users/{viewer}",
            Some(json!({ "role": "team-member" })),
            [403, 200, 200],
        ),
        row(
            "POST",
            "/umami/api/teams/{other_team}/users/{other_member}",
            Some(json!({ "role": "team-member" })),
            [403, 403, 200],
        ),
        row(
            "DELETE",
            "/umami/api/teams/{team}/users/{viewer}",
            None,
            [200, 200, 200],
        ),
        row(
            "DELETE",
            "/umami/api/teams/{other_team}/users/{other_member}",
            None,
            [403, 403, 200],
        ),
        row(
            "GET",
            "/umami/api/teams/{team}/websites",
            None,
            [200, 200, 200],
        ),
        row(
            "GET",
            "/umami/api/teams/{other_team}/websites",
            None,
            [403, 403, 200],
        ),
        // Umami: websites.
        row("POST", "/umami/api/websites", site(), [403, 200, 200]),
        row(
            "POST",
            "/umami/api/websites",
            Some(json!({ "name": "T", "domain": "t.example", "teamId": "{team}" })),
            [403, 200, 200],
        ),
        row(
            "POST",
            "/umami/api/websites",
            Some(json!({ "name": "T", "domain": "t.example", "teamId": "{other_team}" })),
            [403, 403, 200],
        ),
        row("GET", "/umami/api/websites", None, [200, 200, 200]),
        row("GET", "/umami/api/websites/{site}", None, [403, 200, 200]),
        row(
            "GET",
            "/umami/api/websites/{team_site}",
            None,
            [200, 200, 200],
        ),
        row(
            "GET",
            "/umami/api/websites/{other_site}",
            None,
            [403, 403, 200],
        ),
        row(
            "POST",
            "/umami/api/websites/{site}",
            Some(json!({ "name": "Renamed" })),
            [403, 200, 200],
        ),
        row(
            "POST",
            "/umami/api/websites/{team_site}",
            Some(json!({ "name": "Renamed" })),
            [403, 200, 200],
        ),
        row(
            "POST",
            "/umami/api/websites/{other_site}",
            Some(json!({ "name": "Renamed" })),
            [403, 403, 200],
        ),
        row(
            "DELETE",
            "/umami/api/websites/{site}",
            None,
            [403, 200, 200],
        ),
        row(
            "DELETE",
            "/umami/api/websites/{team_site}",
            None,
            [403, 200, 200],
        ),
        row(
            "DELETE",
            "/umami/api/websites/{other_site}",
            None,
            [403, 403, 200],
        ),
        row(
            "POST",
            "/umami/api/websites/{site}/reset",
            None,
            [403, 200, 200],
        ),
        row(
            "POST",
            "/umami/api/websites/{other_site}/reset",
            None,
            [403, 403, 200],
        ),
        row(
            "POST",
            "/umami/api/websites/{team_site}/transfer",
            Some(json!({ "userId": "{self}" })),
            [403, 200, 200],
        ),
        row(
            "POST",
            "/umami/api/websites/{site}/transfer",
            Some(json!({ "teamId": "{team}" })),
            [403, 200, 200],
        ),
        row(
            "POST",
            "/umami/api/websites/{other_site}/transfer",
            Some(json!({ "teamId": "{team}" })),
            [403, 403, 200],
        ),
        row(
            "POST",
            "/umami/api/websites/{site}/transfer",
            Some(json!({ "userId": "{other}" })),
            [403, 403, 200],
        ),
        // API keys: each caller's own.
        row("GET", "/umami/api/me/api-keys", None, [200, 200, 200]),
        row(
            "POST",
            "/umami/api/me/api-keys",
            Some(json!({ "name": "k" })),
            [200, 200, 200],
        ),
        row(
            "DELETE",
            "/umami/api/me/api-keys/{uma_key}",
            None,
            [404, 200, 404],
        ),
        row("GET", "/api/auth/keys", None, [200, 200, 200]),
        row(
            "POST",
            "/api/auth/keys",
            Some(json!({ "name": "k" })),
            [201, 201, 201],
        ),
        row("DELETE", "/api/auth/keys/{uma_key}", None, [404, 200, 404]),
    ]
}

/// The people and things a row's placeholders name, and each caller's token.
struct World {
    app: TestApp,
    auditor: String,
    ids: Vec<(&'static str, String)>,
    tokens: [Option<String>; 6],
    selves: [String; 6],
}

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let (status, body) = app.umami(Method::POST, path, Some(token), Some(body)).await;
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

async fn world() -> World {
    let app = spawn_app(Backend::Sqlite, &[]).await.unwrap();
    let auditor = app.admin_token().await;
    let mut ids = Vec::new();
    let mut user_ids = std::collections::HashMap::new();
    for (name, role) in [
        ("ada", "admin"),
        ("uma", "user"),
        ("vic", "view-only"),
        ("otto", "user"),
        ("sam", "user"),
        ("olga", "user"),
    ] {
        let body = json!({ "username": name, "password": "password-1", "role": role });
        user_ids.insert(
            name,
            post(&app, "/users", &auditor, body).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let uma = app.token("uma", "password-1").await;
    let otto = app.token("otto", "password-1").await;
    let team = post(&app, "/teams", &uma, json!({ "name": "Uma's" })).await;
    let other_team = post(&app, "/teams", &otto, json!({ "name": "Otto's" })).await;
    let (team_id, code) = (
        team[0]["id"].as_str().unwrap().to_owned(),
        team[0]["accessCode"].as_str().unwrap().to_owned(),
    );
    let other_team_id = other_team[0]["id"].as_str().unwrap().to_owned();
    let add_olga = json!({ "userId": user_ids["olga"], "role": "team-member" });
    post(
        &app,
        &format!("/teams/{other_team_id}/users"),
        &otto,
        add_olga,
    )
    .await;
    let add_vic = json!({ "userId": user_ids["vic"], "role": "team-view-only" });
    post(&app, &format!("/teams/{team_id}/users"), &uma, add_vic).await;
    let site = post(
        &app,
        "/websites",
        &uma,
        json!({ "name": "Uma's", "domain": "uma.example" }),
    )
    .await;
    let team_site = post(
        &app,
        "/websites",
        &uma,
        json!({ "name": "Team", "domain": "team.example", "teamId": team_id }),
    )
    .await;
    let other_site = post(
        &app,
        "/websites",
        &otto,
        json!({ "name": "Otto's", "domain": "otto.example" }),
    )
    .await;

    let uma_key = post(&app, "/me/api-keys", &uma, json!({ "name": "uma's" })).await;
    let revoked = app.token("uma", "password-1").await;
    post(&app, "/auth/logout", &revoked, json!(null)).await;
    let store = roster_db::Store::connect(&app.db_url).await.unwrap();
    let past = Utc::now() - Duration::hours(2);
    let uma_id = UserId(user_ids["uma"].parse().unwrap());
    let uma_row = store
        .find_as_stored_now(&UserKey::Id(uma_id))
        .await
        .unwrap();
    let opened = store
        .create(
            &hash_token("expired-token"),
            uma_id,
            &uma_row.unwrap().password_hash,
            past,
            past + Duration::hours(1),
        )
        .await
        .unwrap();
    assert!(opened);

    ids.extend([
        ("{other}", user_ids["otto"].clone()),
        ("{other_name}", "otto".to_owned()),
        ("{spare}", user_ids["sam"].clone()),
        ("{viewer}", user_ids["vic"].clone()),
        ("{other_member}", user_ids["olga"].clone()),
        ("{team}", team_id),
        ("{other_team}", other_team_id),
        ("{code}", code),
        ("{uma_key}", uma_key["id"].as_str().unwrap().to_owned()),
        ("{site}", site["id"].as_str().unwrap().to_owned()),
        ("{team_site}", team_site["id"].as_str().unwrap().to_owned()),
        (
            "{other_site}",
            other_site["id"].as_str().unwrap().to_owned(),
        ),
    ]);
    let tokens = [
        None,
        Some("expired-token".to_owned()),
        Some(revoked),
        Some(app.token("vic", "password-1").await),
        Some(uma),
        Some(app.token("ada", "password-1").await),
    ];
    let selves = [
        &user_ids["uma"],
        &user_ids["uma"],
        &user_ids["uma"],
        &user_ids["vic"],
        &user_ids["uma"],
        &user_ids["ada"],
    ]
    .map(|id| id.clone());
    World {
        app,
        auditor,
        ids,
        tokens,
        selves,
    }
}

impl World {
    fn fill(&self, text: &str, caller: usize) -> String {
        let mut text = text.replace("{self}", &self.selves[caller]);
        for (key, value) in &self.ids {
            text = text.replace(key, value);
        }
        text
    }

    /// Everything a call could change, as the auditor (an admin outside the table) sees it.
    async fn snapshot(&self) -> Value {
        let (_, users) = self
            .app
            .mcp(Method::GET, "/users", Some(&self.auditor), None)
            .await;
        let (_, list) = self
            .app
            .umami(Method::GET, "/admin/users", Some(&self.auditor), None)
            .await;
        let mut state = vec![users, list.clone()];
        for user in list.as_array().unwrap() {
            let id = user["id"].as_str().unwrap();
            for what in ["teams", "websites?includeTeams=true"] {
                let path = format!(
                    "/users/{id}/{what}{}pageSize=100",
                    if what.contains('?') { "&" } else { "?" }
                );
                state.push(
                    self.app
                        .umami(Method::GET, &path, Some(&self.auditor), None)
                        .await
                        .1,
                );
            }
        }
        Value::Array(state)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_answers_every_caller_as_the_table_says() {
    for (method, path, body, expected) in table() {
        let mut world = world().await;
        let mut before = world.snapshot().await;
        for (caller, name) in CALLERS.iter().enumerate() {
            let url = world.app.url(&world.fill(path, caller));
            let mut request = world.app.client.request(method.parse().unwrap(), url);
            if let Some(token) = &world.tokens[caller] {
                request = request.bearer_auth(token);
            }
            if let Some(body) = &body {
                let body: Value =
                    serde_json::from_str(&world.fill(&body.to_string(), caller)).unwrap();
                request = request.json(&body);
            }
            let (status, answer) = parts(request.send().await.unwrap()).await;
            assert_eq!(
                status.as_u16(),
                expected[caller],
                "{method} {path} as {name}: {answer}"
            );
            let after = world.snapshot().await;
            if !status.is_success() {
                assert_eq!(
                    after, before,
                    "{method} {path} as {name} was refused but changed something"
                );
            } else if method != "GET" {
                // The next caller gets the world as it was, not as this one left it.
                world = self::world().await;
                before = world.snapshot().await;
            }
        }
    }
}

/// A new endpoint must come with a row.
#[tokio::test]
async fn the_table_covers_every_operation_of_the_openapi_document() {
    let app = spawn_app(Backend::Sqlite, &[]).await.unwrap();
    let (status, spec) = parts(
        app.client
            .get(app.url("/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let normalise = |path: &str| -> String {
        path.split('/')
            .map(|part| if part.starts_with('{') { "{}" } else { part })
            .collect::<Vec<_>>()
            .join("/")
    };
    let covered: BTreeSet<(String, String)> = table()
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), normalise(p)))
        .collect();
    let mut missing = Vec::new();
    for (path, operations) in spec["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            let key = (method.to_uppercase(), normalise(path));
            if !covered.contains(&key) {
                missing.push(format!("{} {path}", key.0));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "operations without a row in the authorization table: {missing:?}"
    );
}
