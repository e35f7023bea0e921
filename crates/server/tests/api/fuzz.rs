//! Arbitrary bodies against every endpoint that reads one: never a 5xx, always the
//! dialect's error body.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::helpers::{Backend, TestApp, spawn_app};

const FIELDS: [&str; 14] = [
    "username",
    "password",
    "role",
    "servers",
    "groups",
    "isAdmin",
    "newPassword",
    "name",
    "domain",
    "teamId",
    "shareId",
    "accessCode",
    "userId",
    "logoUrl",
];

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        (-1e12f64..1e12).prop_map(|f| json!(f)),
        "\\PC{0,24}".prop_map(Value::String),
        Just(json!("6f1c3e1e-8f5b-4b7a-9b1a-0c2d3e4f5a6b")),
        Just(json!("admin")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        prop::sample::select(FIELDS.to_vec()).prop_map(str::to_owned),
                        "\\PC{0,8}"
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Endpoints that read a body, with the dialect each answers in.
fn endpoints(target: &str) -> Vec<(Method, String)> {
    vec![
        (Method::POST, "/api/users".into()),
        (Method::PUT, "/api/users/target".into()),
        (Method::POST, "/api/auth/login".into()),
        (Method::POST, "/umami/api/users".into()),
        (Method::POST, format!("/umami/api/users/{target}")),
        (Method::POST, "/umami/api/auth/login".into()),
        (Method::POST, "/umami/api/teams".into()),
        (Method::POST, "/umami/api/teams/join".into()),
        (Method::POST, "/umami/api/websites".into()),
    ]
}

fn check(path: &str, status: reqwest::StatusCode, body: &Value) -> Result<(), TestCaseError> {
    prop_assert!(!status.is_server_error(), "{path}: {status} {body}");
    if status.is_client_error() {
        if path.starts_with("/umami/") {
            prop_assert!(body["error"]["code"].is_string(), "{path}: {body}");
        } else {
            prop_assert_eq!(&body["success"], &json!(false), "{}: {}", path, body);
        }
    }
    Ok(())
}

#[test]
fn arbitrary_json_and_bytes_never_cause_a_5xx() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (app, admin, target): (TestApp, String, String) = rt.block_on(async {
        let app = spawn_app(Backend::Sqlite, &["--login-max-failures", "1000000"])
            .await
            .unwrap();
        let admin = app.admin_token().await;
        app.user_with_role(&admin, "target", "user").await;
        let (_, me) = app
            .mcp(Method::GET, "/users/target", Some(&admin), None)
            .await;
        assert_eq!(me["data"]["username"], json!("target"));
        let (_, list) = app
            .umami(Method::GET, "/admin/users", Some(&admin), None)
            .await;
        let target = list
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == json!("target"))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        (app, admin, target)
    });
    let endpoints = endpoints(&target);
    let mut runner = TestRunner::new(Config {
        cases: 48,
        ..Config::default()
    });
    runner
        .run(
            &(json_value(), prop::collection::vec(any::<u8>(), 0..64)),
            |(value, bytes)| {
                rt.block_on(async {
                    for (method, path) in &endpoints {
                        let as_json = app.request(method.clone(), path, Some(&admin)).json(&value);
                        let (status, body) = app.send(as_json).await;
                        check(path, status, &body)?;
                        let raw = app
                            .request(method.clone(), path, Some(&admin))
                            .header("content-type", "application/json")
                            .body(bytes.clone());
                        let (status, body) = app.send(raw).await;
                        check(path, status, &body)?;
                    }
                    Ok(())
                })
            },
        )
        .unwrap();
}
