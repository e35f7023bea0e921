//! The `roster` binary's admin subcommands, run as an operator would.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use roster_db::Backend;
use roster_test_support::fresh;

fn roster(url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["--database-url", url, "--admin-password", "admin-pass-1"])
        .args(["--argon2-memory-kib", "1024", "--argon2-iterations", "1"])
        .args(args)
        .env_remove("ROSTER_NEW_PASSWORD")
        .env_remove("ROSTER_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("roster runs");
    let mut input = child.stdin.take().unwrap();
    input
        .write_all(stdin.unwrap_or_default().as_bytes())
        .unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn user_subcommands_manage_the_directory_and_keep_its_rules() {
    let db = fresh(Backend::Sqlite).await.unwrap();
    let ok = |args: &[&str], stdin: Option<&str>| {
        let out = roster(&db.url, args, stdin);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let created = ok(
        &[
            "user",
            "create",
            "bob",
            "--role",
            "view-only",
            "--server",
            "fs",
            "--password",
            "bob-pass-1",
        ],
        None,
    );
    assert!(created.starts_with("created bob (view-only, "), "{created}");
    ok(&["user", "create", "carol"], Some("carol-pass-1\n"));
    let list = ok(&["user", "list"], None);
    let lines: Vec<_> = list.lines().collect();
    assert_eq!(lines.len(), 3, "{list}");
    assert!(lines[1].starts_with("bob\tview-only\t") && lines[1].ends_with("servers=fs\tgroups="));
    assert!(ok(&["user", "set-role", "carol", "admin"], None).contains("carol is now admin"));
    ok(&["user", "passwd", "carol"], Some("carol-pass-2\n"));
    ok(&["user", "delete", "bob"], None);
    ok(&["user", "set-role", "admin", "user"], None);

    let refused = roster(&db.url, &["user", "set-role", "carol", "user"], None);
    assert!(!refused.status.success());
    assert_eq!(
        text(&refused.stderr).trim(),
        "error: at least one admin must remain"
    );
    let refused = roster(
        &db.url,
        &["user", "passwd", "carol", "--password", "123"],
        None,
    );
    assert!(text(&refused.stderr).contains("at least 6 characters"));
    let refused = roster(&db.url, &["user", "create", "dave"], Some(""));
    assert!(
        text(&refused.stderr).contains("no password"),
        "{}",
        text(&refused.stderr)
    );
    let refused = roster(&db.url, &["user", "delete", "ghost"], None);
    assert!(text(&refused.stderr).contains("user not found"));
}

#[tokio::test]
async fn mcphub_users_are_imported_with_their_passwords_and_upgraded_at_login() {
    use roster_domain::UserKey;
    use roster_domain::ports::UserRepository;

    let db = fresh(Backend::Sqlite).await.unwrap();
    let settings = std::env::temp_dir().join(format!("mcp_settings-{}.json", uuid::Uuid::new_v4()));
    let users = serde_json::json!({
        "mcpServers": {},
        "users": [
            { "username": "alice", "password": bcrypt::hash("alice-pass", 4).unwrap(), "isAdmin": true },
            { "username": "bob", "password": bcrypt::hash("bob-pass", 4).unwrap(), "email": "bob@example.com" },
            { "username": "carol", "password": bcrypt::hash("carol-pass", 4).unwrap(), "email": "not an address" }
        ]
    });
    std::fs::write(&settings, users.to_string()).unwrap();
    let path = settings.to_str().unwrap();

    let out = roster(&db.url, &["import", "mcphub", path], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("imported 3 users"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("carol: dropped the email"),
        "{}",
        text(&out.stderr)
    );
    let again = roster(&db.url, &["import", "mcphub", path], None);
    assert!(text(&again.stdout).contains("skipped, the name is taken: alice, bob, carol"));

    let app = crate::helpers::spawn_app_on(&db.url, &[]).await;
    let (status, body) = app.login("alice", "alice-pass").await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    assert_eq!(body["user"]["role"], serde_json::json!("admin"));
    let admin = body["token"].as_str().unwrap().to_owned();
    let (_, bob) = app
        .mcp(reqwest::Method::GET, "/users/bob", Some(&admin), None)
        .await;
    assert_eq!(bob["data"]["email"], serde_json::json!("bob@example.com"));
    let (_, carol) = app
        .mcp(reqwest::Method::GET, "/users/carol", Some(&admin), None)
        .await;
    assert_eq!(carol["data"]["email"], serde_json::Value::Null, "{carol}");
    let (status, _) = app.login("bob", "wrong").await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);

    let store = roster_db::Store::connect(&db.url).await.unwrap();
    let alice = store
        .find(&UserKey::Name("alice".into()))
        .await
        .unwrap()
        .unwrap();
    assert!(
        alice.password_hash.starts_with("$argon2id$"),
        "upgraded at login"
    );
    let bob = store
        .find(&UserKey::Name("bob".into()))
        .await
        .unwrap()
        .unwrap();
    assert!(
        bob.password_hash.starts_with("$2b$"),
        "kept until bob logs in"
    );
    let (status, _) = app.login("alice", "alice-pass").await;
    assert_eq!(status, reqwest::StatusCode::OK, "the new hash verifies");
    // Logins that all find the old hash race to replace it; the ones that lose still log in.
    let mut logins = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let login = app
            .client
            .post(app.url("/api/auth/login"))
            .json(&serde_json::json!({ "username": "bob", "password": "bob-pass" }));
        logins.spawn(async move { login.send().await.unwrap().status() });
    }
    while let Some(status) = logins.join_next().await {
        assert_eq!(status.unwrap(), reqwest::StatusCode::OK);
    }
    std::fs::remove_file(settings).unwrap();
}

#[tokio::test]
async fn an_import_that_would_leave_no_admin_is_refused() {
    let db = fresh(Backend::Sqlite).await.unwrap();
    let settings = std::env::temp_dir().join(format!("mcp_settings-{}.json", uuid::Uuid::new_v4()));
    let users = serde_json::json!({ "users": [{ "username": "bob", "password": "$2b$04$abcdefghijklmnopqrstuu" }] });
    std::fs::write(&settings, users.to_string()).unwrap();
    let out = roster(
        &db.url,
        &["import", "mcphub", settings.to_str().unwrap()],
        None,
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("has no admin"),
        "{}",
        text(&out.stderr)
    );
    let out = roster(&db.url, &["import", "mcphub", "/nonexistent.json"], None);
    assert!(text(&out.stderr).contains("reading /nonexistent.json"));
    std::fs::remove_file(settings).unwrap();
}

/// SIGTERM stops the server only after the request in flight has been answered.
#[tokio::test]
async fn sigterm_lets_the_request_in_flight_finish() {
    let db = fresh(Backend::Sqlite).await.unwrap();
    // A costly hash makes the login slow enough to be in flight when the signal comes.
    let (server, base) = serve(
        &db.url,
        &["--argon2-memory-kib", "262144", "--argon2-iterations", "6"],
    )
    .await;
    let client = reqwest::Client::new();
    let request = client
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({ "username": "admin", "password": "admin-pass-1" }))
        .send();
    let login = tokio::spawn(async move {
        let response = request.await;
        (response, std::time::Instant::now())
    });
    // Long enough for the request to be read, well short of its hash (over a second).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    sigterm(&server);
    let signalled = std::time::Instant::now();
    let (answered, answered_at) = login.await.unwrap();
    let answered = answered.expect("the request in flight is answered");
    assert!(
        answered_at > signalled,
        "the login was still in flight at the signal"
    );
    assert_eq!(answered.status(), reqwest::StatusCode::OK);
    let status = exit_of(server).await;
    assert!(status.success(), "{status:?}");
    assert!(
        client.get(format!("{base}/healthz")).send().await.is_err(),
        "no longer listening"
    );
}

/// `kill -9` in the middle of a burst of writes loses nothing that was acknowledged and
/// leaves a sound SQLite file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_kill_9_with_every_acknowledged_write() {
    use roster_domain::UserKey;
    use roster_domain::ports::UserRepository;

    let db = fresh(Backend::Sqlite).await.unwrap();
    let (mut server, base) = serve(
        &db.url,
        &["--argon2-memory-kib", "1024", "--argon2-iterations", "1"],
    )
    .await;
    let client = reqwest::Client::new();
    let login = client
        .post(format!("{base}/api/auth/login"))
        .json(&serde_json::json!({ "username": "admin", "password": "admin-pass-1" }))
        .send()
        .await
        .unwrap();
    let token: serde_json::Value = login.json().await.unwrap();
    let token = token["token"].as_str().unwrap().to_owned();

    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (client, base, token, acked) = (client.clone(), base.clone(), token.clone(), acknowledged.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    let name = format!("w{w}-{i}");
                    let body = serde_json::json!({ "username": name, "password": "password-1", "servers": ["s"] });
                    let sent = client.post(format!("{base}/api/users")).bearer_auth(&token).json(&body).send().await;
                    match sent {
                        Ok(response) if response.status() == reqwest::StatusCode::CREATED => acked.lock().unwrap().push(name),
                        _ => return,
                    }
                }
            })
        })
        .collect();
    while acknowledged.lock().unwrap().len() < 60 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    server.kill().unwrap(); // SIGKILL: no shutdown, no checkpoint
    server.wait().unwrap();
    for writer in writers {
        writer.await.unwrap();
    }

    assert_eq!(roster_test_support::sqlite_integrity(&db.url).await, "ok");
    let store = roster_db::Store::connect(&db.url).await.unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();
    for name in &acknowledged {
        let user = store.find(&UserKey::Name(name.clone())).await.unwrap();
        assert!(
            user.is_some_and(|u| u.servers.contains("s")),
            "{name} was acknowledged but is missing"
        );
    }
    store.close().await.unwrap();
}

/// Sends SIGTERM to `server`.
pub(crate) fn sigterm(server: &std::process::Child) {
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
}

/// How `server` exits, waited for off the runtime's threads.
pub(crate) async fn exit_of(mut server: std::process::Child) -> std::process::ExitStatus {
    tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap()
}

/// Starts the real binary on a free port with `extra` flags, waits until it answers, and
/// returns it with its base URL.
pub(crate) async fn serve(db_url: &str, extra: &[&str]) -> (std::process::Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Command::new(env!("CARGO_BIN_EXE_roster"))
        .args(["--database-url", db_url, "--admin-password", "admin-pass-1"])
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--hash-threads",
            "1",
        ])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    (server, base)
}

/// Instances started at once on an empty database all come up: they migrate in turns, and
/// those that waited find the work done.
async fn instances_migrating_at_once_all_succeed(backend: Backend) {
    for round in 0..5 {
        let Some(db) = fresh(backend).await else {
            eprintln!("skipped: {backend:?} is not configured");
            break;
        };
        let starts: Vec<_> = (0..3)
            .map(|_| {
                Command::new(env!("CARGO_BIN_EXE_roster"))
                    .args(["--database-url", &db.url, "migrate"])
                    .env_remove("ROSTER_CONFIG")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("roster runs")
            })
            .collect();
        for start in starts {
            let out = start.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{backend:?}, round {round}: {}",
                text(&out.stderr)
            );
        }
    }
}

/// A change made by SQL behind Roster's back is served only once an operator runs
/// `roster cache flush`, which every instance then heeds.
async fn cache_flush_makes_every_instance_see_a_change_made_by_sql(backend: Backend) {
    let Some(app) = crate::helpers::spawn_app(backend, &[]).await else {
        eprintln!("skipped: {backend:?} is not configured");
        return;
    };
    let admin = app.admin_token().await;
    let body = serde_json::json!({ "username": "dora", "password": "password-1" });
    let created = app
        .mcp(reqwest::Method::POST, "/users", Some(&admin), Some(body))
        .await;
    assert_eq!(created.0, reqwest::StatusCode::CREATED, "{}", created.1);
    let role = |app: &crate::helpers::TestApp| {
        let admin = admin.clone();
        let app_url = app.url("/api/users/dora");
        let client = app.client.clone();
        async move {
            let got = client.get(app_url).bearer_auth(admin).send().await.unwrap();
            let body: serde_json::Value = got.json().await.unwrap();
            body["data"]["role"].as_str().unwrap_or_default().to_owned()
        }
    };
    assert_eq!(role(&app).await, "user");

    let store = roster_db::Store::connect(&app.db_url).await.unwrap();
    let sql = "UPDATE users SET role = 'view-only' WHERE username = 'dora'";
    roster_db::test_hooks::execute_unstamped(&store, sql).await;
    tokio::time::sleep(roster_db::CACHE_WINDOW * 5).await;
    assert_eq!(role(&app).await, "user", "{backend:?}: served from memory");

    let out = roster(&app.db_url, &["cache", "flush"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    tokio::time::sleep(roster_db::CACHE_WINDOW * 5).await;
    assert_eq!(role(&app).await, "view-only", "{backend:?}");
    store.close().await.unwrap();
}

roster_test_support::on_every_backend!(
    roster_test_support::with_backend;
    instances_migrating_at_once_all_succeed,
    cache_flush_makes_every_instance_see_a_change_made_by_sql,
);
