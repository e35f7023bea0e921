//! The request body limit.

use std::sync::Arc;
use std::time::Duration;

use poem::error::ReadBodyError;
use poem::http::StatusCode;
use poem::{Body, Endpoint, Request};
use tokio::io::AsyncReadExt;

use crate::AppState;

/// The largest request body accepted.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// The body timeout when no state names one (never in the server, which always does).
const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// A declared body up to this size is read and thrown away before the 413 is sent: closing
/// the connection on a client still sending would lose the answer to a connection reset.
const DRAIN_LIMIT: u64 = 1024 * 1024;

/// Refuses bodies over [`BODY_LIMIT`] with 413, whether or not they declare a length
/// (poem's own `SizeLimit` demands a `Content-Length` even on a GET), and bodies slower
/// than the state's `body_timeout` with 408, so a trickled body holds no connection.
pub(crate) async fn limit_body<E: Endpoint>(
    ep: Arc<E>,
    mut req: Request,
) -> poem::Result<E::Output> {
    let timeout = req
        .data::<AppState>()
        .map_or(DEFAULT_BODY_TIMEOUT, |state| state.body_timeout);
    let body = req.take_body();
    let declared = req
        .header("content-length")
        .and_then(|len| len.parse::<usize>().ok());
    let body = tokio::time::timeout(timeout, read_body(body, declared))
        .await
        .map_err(|_| {
            poem::Error::from_string(
                "the request body did not arrive in time",
                StatusCode::REQUEST_TIMEOUT,
            )
        })??;
    req.set_body(body);
    ep.call(req).await
}

/// The body, or 413 once it is known to be over [`BODY_LIMIT`].
async fn read_body(body: Body, declared: Option<usize>) -> poem::Result<Body> {
    let too_large =
        || poem::Error::from_string("request body too large", StatusCode::PAYLOAD_TOO_LARGE);
    if let Some(len) = declared.filter(|len| *len > BODY_LIMIT) {
        if u64::try_from(len).is_ok_and(|len| len <= DRAIN_LIMIT) {
            let mut rest = body.into_async_read().take(DRAIN_LIMIT);
            let _ = tokio::io::copy(&mut rest, &mut tokio::io::sink()).await;
        }
        return Err(too_large());
    }
    body.into_bytes_limit(BODY_LIMIT)
        .await
        .map(Body::from_bytes)
        .map_err(|e| match e {
            ReadBodyError::PayloadTooLarge => too_large(),
            other => poem::Error::from_string(other.to_string(), StatusCode::BAD_REQUEST),
        })
}
