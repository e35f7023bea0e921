//! Per-request observability: a request id (taken from `x-request-id` or made), a tracing
//! span that carries it, one log line per request, and the request metrics.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Instant;

use poem::PathPattern;
use poem::http::HeaderValue;
use poem::{Endpoint, Request, Response};
use tracing::Instrument;
use uuid::Uuid;

use crate::labels::{clip, method_label};
use crate::metrics::Metrics;

const REQUEST_ID: &str = "x-request-id";

/// The longest caller's request id kept.
const REQUEST_ID_MAX: usize = 64;

/// A caller's id is kept if it is short and of letters, digits, `.`, `_` and `-` — safe in
/// any log format and header; otherwise a new one is made.
fn request_id(req: &Request) -> String {
    req.header(REQUEST_ID)
        .filter(|id| {
            !id.is_empty()
                && id.len() <= REQUEST_ID_MAX
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
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
    let method = method_label(req.method());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = clip(req.method().as_str()),
        path = clip(req.uri().path()),
    );
    let started = Instant::now();
    let mut response = async {
        // `guard`, within, answers every error in the dialect's body: none reach here.
        let response = ep.get_response(req).await;
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
        method,
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
        assert_eq!(request_id(&with("trace.id_7-B")), "trace.id_7-B");
        let longest = "x".repeat(REQUEST_ID_MAX);
        assert_eq!(request_id(&with(&longest)), longest);
        for bad in [
            "has space",
            &"x".repeat(REQUEST_ID_MAX + 1),
            "quote\"d",
            "a=b",
            "{json}",
            "semi;colon",
        ] {
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

    /// Log output, kept for the test to read.
    #[derive(Clone, Default)]
    struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn log_lines_carry_a_bounded_slice_of_what_the_client_sent() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let huge = "X".repeat(60_000);
        let request = Request::builder()
            .method(poem::http::Method::from_bytes(huge.as_bytes()).unwrap())
            .uri_str(format!("/api/{huge}"))
            .header(REQUEST_ID, &huge)
            .header("user-agent", &huge)
            .finish();
        let endpoint = Arc::new(poem::endpoint::make_sync(|_| "ok"));
        let metrics = Arc::new(Metrics::new());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        tracing::subscriber::with_default(subscriber, || {
            runtime
                .block_on(observe(endpoint, metrics.clone(), request))
                .unwrap();
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("answered"), "{text}");
        for line in text.lines() {
            assert!(line.len() < 1024, "a log line of {} bytes", line.len());
        }
        let exposed = metrics.render(crate::PoolUsage::default());
        assert!(exposed.contains(r#"method="other""#) && !exposed.contains("XXXX"));
    }
}
