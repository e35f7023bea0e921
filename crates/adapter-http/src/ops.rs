//! Liveness and readiness probes, and metrics.

use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{IntoResponse, Request, Response, Route, get, handler};
use serde_json::json;

use crate::AppState;

/// The probes, and `/metrics` unless it has a listener of its own.
pub(crate) fn routes(with_metrics: bool) -> Route {
    let route = Route::new()
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz));
    if with_metrics {
        route.at("/metrics", get(metrics))
    } else {
        route
    }
}

pub(crate) fn metrics_route() -> Route {
    Route::new().at("/metrics", get(metrics))
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
fn metrics(req: &Request, state: Data<&AppState>) -> Response {
    if let Some(expected) = &state.metrics_token {
        let given = req
            .header("authorization")
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !same_secret(given.as_bytes(), expected.as_bytes()) {
            return Response::builder()
                .status(StatusCode::UNAUTHORIZED)
                .header("www-authenticate", "Bearer")
                .body("the metrics token is required: send Authorization: Bearer <token>");
        }
    }
    Response::builder()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render((state.pool)()))
}

/// Whether `given` is `expected`, in a time that depends on neither's content: every byte of
/// `expected` is compared whatever `given` holds, so timing reveals no matching prefix.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    let mut differ = u8::from(given.len() != expected.len());
    for (i, byte) in expected.iter().enumerate() {
        differ |= byte ^ given.get(i).copied().unwrap_or(!byte);
    }
    std::hint::black_box(differ) == 0
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_match_only_when_equal() {
        assert!(same_secret(b"s3cret-token", b"s3cret-token"));
        for other in [&b""[..], b"s3cret-toke", b"s3cret-tokenX", b"S3cret-token"] {
            assert!(!same_secret(other, b"s3cret-token"), "{other:?}");
        }
    }
}
