//! Liveness and readiness probes, and metrics.

use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{IntoResponse, Response, Route, get, handler};
use serde_json::json;

use crate::AppState;

pub(crate) fn routes() -> Route {
    Route::new()
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .at("/metrics", get(metrics))
}

/// The process is up.
#[handler]
fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can serve: its database answers.
#[handler]
async fn readyz(state: Data<&AppState>) -> Response {
    if (state.ready)().await {
        Json(json!({ "status": "ready" })).into_response()
    } else {
        Json(json!({ "status": "unavailable", "reason": "database unreachable" }))
            .with_status(StatusCode::SERVICE_UNAVAILABLE)
            .into_response()
    }
}

/// Prometheus text: requests, latencies, logins, database pool.
#[handler]
fn metrics(state: Data<&AppState>) -> Response {
    Response::builder()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render((state.pool)()))
}
