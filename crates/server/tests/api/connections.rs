//! Connections that dawdle: half-sent heads, idle keep-alives, trickled bodies. None may
//! hold the server, and each is closed once its timeout passes.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use roster_db::Backend;
use roster_test_support::fresh;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{TestApp, spawn_app};

/// Opens `count` connections that each send part of a request head and nothing more.
async fn half_open(address: &str, count: usize) -> Vec<TcpStream> {
    let mut held = Vec::with_capacity(count);
    for _ in 0..count {
        let Ok(mut stream) = TcpStream::connect(address).await else {
            continue;
        };
        let _ = stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: roster\r\nX-Slow: ")
            .await;
        held.push(stream);
    }
    held
}

/// An ordinary GET answers within a second.
async fn answers_promptly(base: &str) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let answer = client.get(format!("{base}/healthz")).send().await;
    let status = answer.map(|a| a.status()).map_err(|e| e.to_string());
    assert_eq!(status, Ok(StatusCode::OK));
}

/// How long until the server closes `stream`, reading whatever it sends; `None` if it is
/// still open after `within`.
async fn closed_after(stream: &mut TcpStream, within: Duration) -> Option<(Duration, String)> {
    let started = Instant::now();
    let mut received = Vec::new();
    let read = tokio::time::timeout(within, stream.read_to_end(&mut received)).await;
    read.ok().map(|_| {
        (
            started.elapsed(),
            String::from_utf8_lossy(&received).into_owned(),
        )
    })
}

fn host(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

/// The outside test's slowloris, against the real binary where descriptors are scarce
/// (macOS' default of 256): before, accepting failed once they ran out, and all service
/// stopped. The connection limit now stays under the open-file limit, and a new connection
/// takes the place of the one that has waited longest for its head.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_hundred_half_open_connections_do_not_stop_service() {
    let db = fresh(Backend::Sqlite).await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let command = format!(
        "ulimit -n 256 && exec \"$0\" --listen 127.0.0.1:{port} --database-url \"$1\" \
         --admin-password admin-pass-1 --argon2-memory-kib 1024 --argon2-iterations 1"
    );
    let mut server = Command::new("sh")
        .args(["-c", &command, env!("CARGO_BIN_EXE_roster"), &db.url])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..600 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let held = half_open(&format!("127.0.0.1:{port}"), 300).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    answers_promptly(&base).await;
    drop(held);
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_connection_limit_a_new_client_displaces_a_dawdler() {
    let app = spawn_app(Backend::Sqlite, &["--max-connections", "50"])
        .await
        .unwrap();
    let held = half_open(&host(&app), 150).await;
    answers_promptly(&app.address).await;
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_connection_limit_a_new_client_displaces_a_trickled_body() {
    let app = spawn_app(Backend::Sqlite, &["--max-connections", "50"])
        .await
        .unwrap();
    let mut held = Vec::new();
    for _ in 0..150 {
        let mut stream = TcpStream::connect(host(&app)).await.unwrap();
        let head = "POST /api/auth/login HTTP/1.1\r\nHost: roster\r\n\
                    content-type: application/json\r\ncontent-length: 100\r\n\r\n{";
        let _ = stream.write_all(head.as_bytes()).await;
        held.push(stream);
    }
    answers_promptly(&app.address).await;
    drop(held);
}

/// Connections busy serving are not evicted: a new one is told to come back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_every_connection_is_busy_a_new_one_is_refused_with_503() {
    // Hashing slow enough that two logins are still being served when the third comes.
    let flags = [
        "--max-connections",
        "2",
        "--argon2-memory-kib",
        "65536",
        "--argon2-iterations",
        "40",
    ];
    let app = spawn_app(Backend::Sqlite, &flags).await.unwrap();
    let logins: Vec<_> = (0..2)
        .map(|_| {
            let login = app
                .client
                .post(app.url("/api/auth/login"))
                .json(&serde_json::json!({ "username": "nobody", "password": "wrong-pass" }));
            tokio::spawn(async move { login.send().await.unwrap().status() })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut third = TcpStream::connect(host(&app)).await.unwrap();
    let (_, answer) = closed_after(&mut third, Duration::from_secs(1))
        .await
        .expect("refused at once");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("retry-after: 1"), "{answer}");
    for login in logins {
        assert_eq!(login.await.unwrap(), StatusCode::UNAUTHORIZED);
    }
    answers_promptly(&app.address).await;
}

#[tokio::test]
async fn a_half_sent_head_is_closed_after_the_header_timeout() {
    let app = spawn_app(Backend::Sqlite, &["--header-timeout-secs", "1"])
        .await
        .unwrap();
    let mut held = half_open(&host(&app), 1).await.pop().unwrap();
    let (after, _) = closed_after(&mut held, Duration::from_secs(5))
        .await
        .expect("closed within 5 s");
    assert!(
        after >= Duration::from_millis(800),
        "closed after {after:?}"
    );
    // Bytes that keep coming do not keep the head from timing out.
    let mut trickling = half_open(&host(&app), 1).await.pop().unwrap();
    let started = Instant::now();
    let mut closed = false;
    while started.elapsed() < Duration::from_secs(5) {
        if trickling.write_all(b"x").await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(closed, "a trickled head kept its connection for 5 s");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let app = spawn_app(
        Backend::Sqlite,
        &["--idle-timeout-secs", "1", "--header-timeout-secs", "5"],
    )
    .await
    .unwrap();
    let mut stream = TcpStream::connect(host(&app)).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: roster\r\n\r\n")
        .await
        .unwrap();
    let (after, answer) = closed_after(&mut stream, Duration::from_secs(4))
        .await
        .expect("closed within 4 s");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        after >= Duration::from_millis(800),
        "closed after {after:?}"
    );
}

#[tokio::test]
async fn a_trickled_body_is_answered_408_in_the_dialects_body() {
    let app = spawn_app(Backend::Sqlite, &["--body-timeout-secs", "1"])
        .await
        .unwrap();
    for (path, dialect) in [
        ("/api/auth/login", "mcphub"),
        ("/umami/api/auth/login", "umami"),
    ] {
        let mut stream = TcpStream::connect(host(&app)).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: roster\r\ncontent-type: application/json\r\n\
             content-length: 100\r\n\r\n{{\"username\":"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        let (after, answer) = closed_after(&mut stream, Duration::from_secs(5))
            .await
            .expect("answered and closed within 5 s");
        assert!(
            after >= Duration::from_millis(800),
            "answered after {after:?}"
        );
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        match dialect {
            "mcphub" => assert_eq!(body["success"], false, "{body}"),
            _ => assert_eq!(body["error"]["status"], 408, "{body}"),
        }
    }
}
