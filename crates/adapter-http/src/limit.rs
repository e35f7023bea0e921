//! The request body limit.

use std::sync::Arc;

use poem::error::ReadBodyError;
use poem::http::StatusCode;
use poem::{Body, Endpoint, Request};

/// The largest request body accepted.
pub(crate) const BODY_LIMIT: usize = 64 * 1024;

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
    if declared.is_some_and(|len| len > BODY_LIMIT) {
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
