use std::future::Future;

use clap::Parser;
use reqwest::{Client, RequestBuilder, Response, StatusCode};
pub use roster_db::Backend;
use roster_server::{Application, Config};
use roster_test_support::{TestDatabase, fresh};
use serde_json::{Value, json};

pub const ADMIN_PASSWORD: &str = "admin-pass-1";

/// A running server with its own empty database, whose first admin has [`ADMIN_PASSWORD`].
pub struct TestApp {
    pub address: String,
    pub client: Client,
    /// The database this server uses; [`spawn_app_on`] starts another server on it.
    pub db_url: String,
    _db: Option<TestDatabase>,
}

/// Starts a server on `backend` with cheap hashing, or `None` for an unconfigured server
/// backend. `extra` flags override the defaults.
pub async fn spawn_app(backend: Backend, extra: &[&str]) -> Option<TestApp> {
    let db = fresh(backend).await?;
    let mut app = spawn_app_on(&db.url, extra).await;
    app._db = Some(db);
    Some(app)
}

/// Starts a server on an existing database, as a second instance of a cluster would.
pub async fn spawn_app_on(db_url: &str, extra: &[&str]) -> TestApp {
    let mut args = vec![
        "roster",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        db_url,
        "--admin-password",
        ADMIN_PASSWORD,
        // Cheap hashing keeps the suite fast; the cost parameters are tested in roster-app.
        "--argon2-memory-kib",
        "1024",
        "--argon2-iterations",
        "1",
        "--hash-threads",
        "2",
    ];
    args.extend_from_slice(extra);
    let config = Config::try_parse_from(args).expect("test configuration parses");
    let app = Application::build(config)
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        address,
        client: Client::new(),
        db_url: db_url.to_owned(),
        _db: None,
    }
}

/// Runs `test` against a fresh server on `backend`, or reports the backend as skipped.
pub async fn run<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()>,
{
    match spawn_app(backend, &[]).await {
        Some(app) => test(app).await,
        None => eprintln!("skipped: {backend:?} is not configured"),
    }
}

/// A response's status and JSON body.
pub async fn parts(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body reads");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// `method path` with a bearer token when one is given.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
    ) -> RequestBuilder {
        let request = self.client.request(method, self.url(path));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn send(&self, request: RequestBuilder) -> (StatusCode, Value) {
        parts(request.send().await.expect("request sent")).await
    }

    pub async fn login(&self, username: &str, password: &str) -> (StatusCode, Value) {
        let body = json!({ "username": username, "password": password });
        self.send(self.client.post(self.url("/api/auth/login")).json(&body))
            .await
    }

    /// Logs in and returns the token.
    pub async fn token(&self, username: &str, password: &str) -> String {
        let (status, body) = self.login(username, password).await;
        assert_eq!(status, StatusCode::OK, "login of {username}: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn admin_token(&self) -> String {
        self.token("admin", ADMIN_PASSWORD).await
    }

    /// Creates a user through the MCPHub API as `admin_token` and returns a token for them.
    pub async fn user_with_role(&self, admin_token: &str, name: &str, role: &str) -> String {
        let body = json!({ "username": name, "password": "password-1", "role": role });
        let (status, body) = self
            .send(
                self.request(reqwest::Method::POST, "/api/users", Some(admin_token))
                    .json(&body),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        self.token(name, "password-1").await
    }

    pub async fn mcp(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.request(method, &format!("/api{path}"), token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }
}

/// Asserts an MCPHub failure envelope with `status` whose message contains `needle`.
pub fn assert_mcp_error(actual: &(StatusCode, Value), status: StatusCode, needle: &str) {
    let (got, body) = actual;
    assert_eq!(*got, status, "{body}");
    assert_eq!(body["success"], json!(false), "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.to_lowercase().contains(&needle.to_lowercase()),
        "message {message:?} should mention {needle:?}"
    );
}

impl TestApp {
    /// A request to the Umami dialect at `/umami/api{path}`.
    pub async fn umami(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.request(method, &format!("/umami/api{path}"), token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    /// Creates a user through the Umami API and returns their id and a token.
    pub async fn umami_user(&self, admin_token: &str, name: &str, role: &str) -> (String, String) {
        let body = json!({ "username": name, "password": "password-1", "role": role });
        let (status, body) = self
            .umami(
                reqwest::Method::POST,
                "/users",
                Some(admin_token),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let id = body["id"].as_str().expect("id").to_owned();
        (id, self.token(name, "password-1").await)
    }
}

/// Asserts an Umami error body with `status` and `code` whose message contains `needle`.
pub fn assert_umami_error(
    actual: &(StatusCode, Value),
    status: StatusCode,
    code: &str,
    needle: &str,
) {
    let (got, body) = actual;
    assert_eq!(*got, status, "{body}");
    assert_eq!(body["error"]["code"], json!(code), "{body}");
    assert_eq!(body["error"]["status"], json!(status.as_u16()), "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.to_lowercase().contains(&needle.to_lowercase()),
        "message {message:?} should mention {needle:?}"
    );
}
