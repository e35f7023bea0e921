//! The request body limit.

use std::sync::Arc;

use poem::error::ReadBodyError;
use poem::http::StatusCode;
use poem::{Body, Endpoint, Request};
use tokio::io::AsyncReadExt;

/// The largest request body accepted.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

/// A declared body up to this size is read and thrown away before the 413 is sent: closing
/// the connection on a client still sending would lose the answer to a connection reset.
const DRAIN_LIMIT: u64 = 1024 * 1024;

/// Refuses bodies over [`BODY_LIMIT`] with 413, whether or not they declare a length
/// (poem's own `SizeLimit` demands a `Content-Length` even on a GET).
pub(crate) async fn limit_body<E: Endpoint>(
    ep: Arc<E>,
    mut req: Request,
) -> poem::Result<E::Output> {
    let too_large =
        || poem::Error::from_string("request body too large", StatusCode::PAYLOAD_TOO_LARGE);
    let declared = req
        .header("content-length")
        .and_then(|len| len.parse::<usize>().ok());
    if let Some(len) = declared.filter(|len| *len > BODY_LIMIT) {
        if u64::try_from(len).is_ok_and(|len| len <= DRAIN_LIMIT) {
            let mut rest = req.take_body().into_async_read().take(DRAIN_LIMIT);
            let _ = tokio::io::copy(&mut rest, &mut tokio::io::sink()).await;
        }
        return Err(too_large());
    }
    let bytes = req
        .take_body()
        .into_bytes_limit(BODY_LIMIT)
        .await
        .map_err(|e| match e {
            ReadBodyError::PayloadTooLarge => too_large(),
            other => poem::Error::from_string(other.to_string(), StatusCode::BAD_REQUEST),
        })?;
    req.set_body(Body::from_bytes(bytes));
    ep.call(req).await
}
