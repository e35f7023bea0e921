//! The database going away and coming back: 503s in the dialects' bodies, a failing
//! /readyz, and recovery without a restart and without losing committed data.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::helpers::{Backend, spawn_app_on};

/// A TCP proxy to the database that can be cut, and mended, at will.
struct Proxy {
    port: u16,
    down: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = Arc::new(AtomicBool::new(false));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (flag, all) = (down.clone(), links.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if flag.load(Ordering::SeqCst) {
                    continue; // refused: the connection is dropped at once
                }
                let upstream = upstream.clone();
                all.lock().await.push(tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                }));
            }
        });
        Self { port, down, links }
    }

    async fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for link in self.links.lock().await.drain(..) {
            link.abort();
        }
    }

    fn mend(&self) {
        self.down.store(false, Ordering::SeqCst);
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

async fn outage_is_503_and_recovery_needs_no_restart(backend: Backend) {
    let Some(db) = roster_db::testing::fresh(backend).await else {
        eprintln!("skipped: {backend:?} is not configured");
        return;
    };
    let (host, _) = through(&db.url, 0);
    let proxy = Proxy::start(host).await;
    let (_, url) = through(&db.url, proxy.port);
    let app = spawn_app_on(&url, &[]).await;
    let admin = app.admin_token().await;
    let body = json!({ "username": "kept", "password": "password-1" });
    assert_eq!(
        app.mcp(Method::POST, "/users", Some(&admin), Some(body))
            .await
            .0,
        StatusCode::CREATED
    );

    proxy.cut().await;
    let (status, body) = app.mcp(Method::GET, "/users", Some(&admin), None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["success"], json!(false));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage() {
    outage_is_503_and_recovery_needs_no_restart(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_outage() {
    outage_is_503_and_recovery_needs_no_restart(Backend::MySql).await;
}
