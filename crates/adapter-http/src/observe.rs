//! Per-request observability: a request id (taken from `x-request-id` or made), a tracing
//! span that carries it, one log line per request, and the request metrics.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Instant;

use poem::PathPattern;
use poem::http::HeaderValue;
use poem::{Endpoint, IntoResponse, Request, Response};
use tracing::Instrument;
use uuid::Uuid;

use crate::metrics::Metrics;

const REQUEST_ID: &str = "x-request-id";

/// A caller's id is kept if it is short printable ASCII; otherwise a new one is made.
fn request_id(req: &Request) -> String {
    req.header(REQUEST_ID)
        .filter(|id| !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(new_request_id, str::to_owned)
}

/// A UUID of a prefix drawn at random once and a count: unique, and made without the
/// system call for randomness that `Uuid::new_v4` makes each time.
fn new_request_id() -> String {
    static PREFIX: LazyLock<u64> = LazyLock::new(|| Uuid::new_v4().as_u64_pair().0);
    static MADE: AtomicU64 = AtomicU64::new(0);
    Uuid::from_u64_pair(*PREFIX, MADE.fetch_add(1, Ordering::Relaxed)).to_string()
}

pub(crate) async fn observe<E: Endpoint>(
    ep: Arc<E>,
    metrics: Arc<Metrics>,
    req: Request,
) -> poem::Result<Response> {
    let id = request_id(&req);
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let started = Instant::now();
    let mut response = async {
        let response = match ep.call(req).await {
            Ok(output) => output.into_response(),
            Err(err) => {
                // Errors outside the dialects (unknown top-level routes) keep poem's body.
                let pattern = err.data::<PathPattern>().cloned();
                let mut response = err.into_response();
                if let Some(pattern) = pattern {
                    response.set_data(pattern);
                }
                response
            }
        };
        let status = response.status().as_u16();
        tracing::info!(
            status,
            elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
            "answered"
        );
        response
    }
    .instrument(span)
    .await;
    let route = response
        .data::<PathPattern>()
        .map(|pattern| pattern.0.to_string())
        .filter(|pattern| !pattern.is_empty())
        .unwrap_or_else(|| "unmatched".into());
    metrics.request(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_sane_ids_and_replaces_others() {
        let with = |value: &str| Request::builder().header(REQUEST_ID, value).finish();
        assert_eq!(request_id(&with("abc-123")), "abc-123");
        for bad in ["has space", &"x".repeat(129)] {
            let made = request_id(&with(bad));
            assert!(Uuid::try_parse(&made).is_ok(), "{bad:?} -> {made}");
        }
        let (a, b) = (
            request_id(&Request::default()),
            request_id(&Request::default()),
        );
        assert!(Uuid::try_parse(&a).is_ok() && Uuid::try_parse(&b).is_ok());
        assert_ne!(a, b);
    }
}
