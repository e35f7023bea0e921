//! The full user lists, longer than one batch of the store: streamed, every user once, in
//! name order, on every backend.

use std::collections::BTreeSet;

use chrono::Utc;
use reqwest::{Method, StatusCode, header};
use roster_app::UserListing;
use roster_domain::{Role, User, UserId, Username};
use serde_json::{Value, json};

use crate::helpers::TestApp;

roster_test_support::on_every_backend!(
    crate::helpers::run;
    full_lists_stream_every_user_once_in_name_order,
);

/// More than two batches, and not a multiple of one.
const SEEDED: u64 = 2 * UserListing::BATCH + 345;

async fn seed(app: &TestApp) {
    let now = Utc::now();
    let users: Vec<User> = (0..SEEDED)
        .map(|i| User {
            id: UserId::new(),
            // Mixed case, so that the order is the case-folded one.
            username: Username::parse(&format!("{}{i:05}", if i % 2 == 0 { "u" } else { "U" }))
                .unwrap(),
            password_hash: "not-a-hash".into(),
            role: Role::User,
            email: None,
            servers: BTreeSet::from([format!("s{}", i % 3)]),
            groups: BTreeSet::new(),
            created_at: now,
            updated_at: now,
        })
        .collect();
    let store = roster_db::Store::connect(&app.db_url).await.unwrap();
    store.insert_users(&users).await.unwrap();
    store.close().await.unwrap();
}

/// The body of `path` as the admin reads it, after checking that it came streamed.
async fn streamed(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app
        .request(Method::GET, path, Some(token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers().get(header::CONTENT_LENGTH).is_none(),
        "{path} is streamed, so its length is not known up front"
    );
    response.json().await.unwrap()
}

fn names(rows: &Value) -> Vec<String> {
    let rows = rows.as_array().unwrap();
    rows.iter()
        .map(|row| row["username"].as_str().unwrap().to_owned())
        .collect()
}

async fn full_lists_stream_every_user_once_in_name_order(app: TestApp) {
    seed(&app).await;
    let admin = app.admin_token().await;
    let owner = app.user_with_role(&admin, "zz-owner", "user").await;
    let site = json!({ "name": "Mine", "domain": "mine.example" });
    let (status, _) = app
        .umami(Method::POST, "/websites", Some(&owner), Some(site))
        .await;
    assert_eq!(status, StatusCode::OK);

    let mut expected: Vec<String> = (0..SEEDED)
        .map(|i| format!("{}{i:05}", if i % 2 == 0 { "u" } else { "U" }))
        .chain(["admin".to_owned(), "zz-owner".to_owned()])
        .collect();
    expected.sort_by_key(|name| name.to_lowercase());

    let mcphub = streamed(&app, "/api/users", &admin).await;
    assert_eq!(mcphub["success"], json!(true));
    assert_eq!(names(&mcphub["data"]), expected);
    let u1500 = &mcphub["data"][1 + 1500];
    assert_eq!(u1500["username"], json!("u01500"));
    assert_eq!(
        u1500["servers"],
        json!(["s0"]),
        "grants come with each batch"
    );

    let umami = streamed(&app, "/umami/api/admin/users", &admin).await;
    assert_eq!(names(&umami), expected);
    let counts: Vec<(&str, &Value)> = umami
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["_count"]["websites"] != json!(0))
        .map(|row| {
            (
                row["username"].as_str().unwrap(),
                &row["_count"]["websites"],
            )
        })
        .collect();
    assert_eq!(
        counts,
        [("zz-owner", &json!(1))],
        "counted in its own batch"
    );
}
