//! The database going away and coming back: 503s in the dialects' bodies, a failing
//! /readyz, and recovery without a restart and without losing committed data.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use roster_test_support::TestDatabase;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::helpers::{ADMIN_PASSWORD, Backend, TestApp, spawn_app_on};

/// A TCP proxy to the database that can be cut (every link reset, new ones refused),
/// frozen (every byte swallowed, nothing reset, as when the database moved away) and
/// mended.
struct Proxy {
    port: u16,
    down: Arc<AtomicBool>,
    frozen: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let frozen = Arc::new(AtomicBool::new(false));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (flag, ice, all) = (down.clone(), frozen.clone(), links.clone());
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if flag.load(Ordering::SeqCst) {
                    continue; // refused: the connection is dropped at once
                }
                let (upstream, ice) = (upstream.clone(), ice.clone());
                all.lock().await.push(tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        let (from_client, to_client) = client.into_split();
                        let (from_server, to_server) = server.into_split();
                        tokio::join!(
                            pump(from_client, to_server, &ice),
                            pump(from_server, to_client, &ice)
                        );
                    }
                }));
            }
        });
        Self {
            port,
            down,
            frozen,
            links,
        }
    }

    async fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for link in self.links.lock().await.drain(..) {
            link.abort();
        }
    }

    fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
    }

    fn mend(&self) {
        self.down.store(false, Ordering::SeqCst);
        self.frozen.store(false, Ordering::SeqCst);
    }
}

/// Copies one direction of a link, dropping what arrives while the proxy is frozen.
async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, frozen: &AtomicBool) {
    let mut buffer = vec![0; 16 * 1024];
    loop {
        let n = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if !frozen.load(Ordering::SeqCst) && to.write_all(&buffer[..n]).await.is_err() {
            return;
        }
    }
}

/// `scheme://user@host:port/db` with its host and port replaced by the proxy's.
fn through(url: &str, port: u16) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (auth, path) = rest.split_once('/').unwrap();
    let (user, host) = auth.rsplit_once('@').map_or(("", auth), |(u, h)| (u, h));
    let at = if user.is_empty() {
        String::new()
    } else {
        format!("{user}@")
    };
    (
        host.to_owned(),
        format!("{scheme}://{at}127.0.0.1:{port}/{path}"),
    )
}

/// A fresh database of `backend` behind a [`Proxy`], and the URL that reaches it through
/// the proxy; `None` for an unconfigured backend.
async fn behind_a_proxy(backend: Backend) -> Option<(TestDatabase, Proxy, String)> {
    let Some(db) = roster_test_support::fresh(backend).await else {
        eprintln!("skipped: {backend:?} is not configured");
        return None;
    };
    let (host, _) = through(&db.url, 0);
    let proxy = Proxy::start(host).await;
    let (_, url) = through(&db.url, proxy.port);
    Some((db, proxy, url))
}

/// A server on `url` where the admin has created the user `kept`, and the admin's token.
async fn serving_a_user(url: &str) -> (TestApp, String) {
    let app = spawn_app_on(url, &[]).await;
    let admin = app.admin_token().await;
    let body = json!({ "username": "kept", "password": "password-1" });
    let created = app
        .mcp(Method::POST, "/users", Some(&admin), Some(body))
        .await;
    assert_eq!(created.0, StatusCode::CREATED, "{}", created.1);
    (app, admin)
}

async fn outage_is_503_and_recovery_needs_no_restart(backend: Backend) {
    let Some((_db, proxy, url)) = behind_a_proxy(backend).await else {
        return;
    };
    let (app, admin) = serving_a_user(&url).await;

    proxy.cut().await;
    let (status, body) = app.mcp(Method::GET, "/users", Some(&admin), None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["success"], json!(false));
    let said = body["message"].as_str().unwrap();
    assert!(said.contains("database unreachable"), "{said}");
    let (status, body) = app.umami(Method::GET, "/me", Some(&admin), None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], json!("service-unavailable"));
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);

    proxy.mend();
    let mut recovered = false;
    for _ in 0..50 {
        if app
            .client
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            == StatusCode::OK
        {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(recovered, "/readyz recovers without a restart");
    let (status, users) = app
        .mcp(Method::GET, "/users/kept", Some(&admin), None)
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the session and the committed user survived: {users}"
    );
}

/// How soon a request must be answered 503 while the database swallows packets, with the
/// default database timeout (1.5 s).
const PROMPT_503: Duration = Duration::from_millis(2000);

/// A request during a frozen outage, and how long its answer took. The answer says that the
/// database does not answer, that no connection to it can be had, or (while the calls that
/// froze still hold every connection) that none is free.
async fn timed(app: &TestApp, method: Method, path: &str, token: &str) -> (StatusCode, Duration) {
    let started = Instant::now();
    let (status, body) = app.mcp(method, path, Some(token), None).await;
    let said = body["message"].as_str().unwrap_or_default();
    assert!(
        [
            "did not answer in time",
            "database unreachable",
            "pool exhausted"
        ]
        .iter()
        .any(|reason| said.contains(reason)),
        "{said}"
    );
    (status, started.elapsed())
}

/// A database that swallows every packet (nothing reset) must not wedge the instance:
/// every request is answered 503 promptly, and once the database answers again service
/// resumes without a restart.
async fn a_frozen_database_gets_prompt_503s_and_service_resumes(backend: Backend) {
    let Some((_db, proxy, url)) = behind_a_proxy(backend).await else {
        return;
    };
    let (app, admin) = serving_a_user(&url).await;

    // Under load, so that the freeze catches connections mid-query and mid-return to the
    // pool, not only idle ones.
    let busy = Arc::new(AtomicBool::new(true));
    let load: Vec<_> = (0..16)
        .map(|_| {
            let (client, url, admin, busy) = (
                app.client.clone(),
                app.url("/api/users"),
                admin.clone(),
                busy.clone(),
            );
            tokio::spawn(async move {
                while busy.load(Ordering::SeqCst) {
                    let _ = client.get(&url).bearer_auth(&admin).send().await;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.freeze();
    // More rounds than the pool has connections, so that connections given up on must be
    // given back for later requests to be answered as promptly.
    for round in 0..6 {
        let answers = [
            timed(&app, Method::GET, "/users/kept", &admin).await,
            timed(&app, Method::GET, "/users", &admin).await,
            timed(&app, Method::DELETE, "/users/nobody", &admin).await,
        ];
        for (status, took) in answers {
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "round {round}");
            assert!(took < PROMPT_503, "round {round}: answered after {took:?}");
        }
        let started = Instant::now();
        let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
        assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            started.elapsed() < PROMPT_503,
            "/readyz took {:?}",
            started.elapsed()
        );
    }

    busy.store(false, Ordering::SeqCst);
    for task in load {
        task.await.unwrap();
    }
    proxy.mend();
    let mended = Instant::now();
    loop {
        let (status, body) = app
            .mcp(Method::GET, "/users/kept", Some(&admin), None)
            .await;
        if status == StatusCode::OK {
            break;
        }
        assert!(
            mended.elapsed() < Duration::from_secs(5),
            "still {status} after the database came back: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let (status, _) = app.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
}

/// SIGTERM while the database swallows packets and requests wait on it: the server still
/// stops within its grace period.
async fn sigterm_during_a_frozen_outage_stops_the_server(backend: Backend) {
    let Some((_db, proxy, url)) = behind_a_proxy(backend).await else {
        return;
    };
    let (server, base) = crate::cli::serve(
        &url,
        &["--argon2-memory-kib", "1024", "--argon2-iterations", "1"],
    )
    .await;
    let client = reqwest::Client::new();
    let login = client
        .post(format!("{base}/api/auth/login"))
        .json(&json!({ "username": "admin", "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let body: serde_json::Value = login.json().await.unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    proxy.freeze();
    let waiting = tokio::spawn(
        client
            .get(format!("{base}/api/users"))
            .bearer_auth(token)
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    crate::cli::sigterm(&server);
    let signalled = Instant::now();
    let exited = crate::cli::exit_of(server).await;
    assert!(exited.success(), "{backend:?}: {exited:?}");
    assert!(
        signalled.elapsed() < Duration::from_secs(15),
        "{backend:?}: stopped {:?} after the signal",
        signalled.elapsed()
    );
    let _ = waiting.await;
    proxy.mend();
}

roster_test_support::on_server_backends!(
    roster_test_support::with_backend;
    outage_is_503_and_recovery_needs_no_restart,
    a_frozen_database_gets_prompt_503s_and_service_resumes,
    sigterm_during_a_frozen_outage_stops_the_server,
);
