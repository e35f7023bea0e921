//! What is checked and answered around the routes: methods HTTP does not define, request
//! heads over the limits, and errors of the router itself (a path that does not decode) —
//! each answered in the error body of the dialect whose mount the path is under, with an
//! `Allow` header on every 405.

use std::sync::Arc;

use poem::error::ParsePathError;
use poem::http::header::ALLOW;
use poem::http::{HeaderValue, StatusCode};
use poem::{Endpoint, IntoResponse, PathPattern, Request, Response};

use crate::allow::Allow;
use crate::labels::is_known_method;
use crate::{Mounts, mcphub, umami};

/// The longest request target answered by the routes; longer ones get 414. hyper refuses a
/// whole request head over `HEAD_LIMIT` bytes itself, before any of this runs.
pub(crate) const URI_LIMIT: usize = 8 * 1024;
/// The most header fields, and header bytes, answered by the routes; more get 431.
pub const HEADER_COUNT_LIMIT: usize = 100;
pub(crate) const HEADER_BYTES_LIMIT: usize = 32 * 1024;
/// The largest request head hyper buffers (its `max_buf_size`); a larger one is answered by
/// hyper with an empty 431. Above the two limits above so that those answer in JSON.
pub const HEAD_LIMIT: usize = 64 * 1024;

pub(crate) struct Outer {
    mounts: Mounts,
    allow: Allow,
}

impl Outer {
    pub(crate) fn new(mounts: &Mounts) -> Self {
        Self {
            mounts: mounts.clone(),
            allow: Allow::new(mounts),
        }
    }

    fn check(req: &Request) -> poem::Result<()> {
        let refuse = |message: &str, status| Err(poem::Error::from_string(message, status));
        if !is_known_method(req.method()) {
            return refuse("method not allowed", StatusCode::METHOD_NOT_ALLOWED);
        }
        let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
        if target > URI_LIMIT {
            return refuse(
                &format!("the request target is longer than {URI_LIMIT} bytes"),
                StatusCode::URI_TOO_LONG,
            );
        }
        let headers = req.headers();
        let bytes: usize = headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        if headers.len() > HEADER_COUNT_LIMIT || bytes > HEADER_BYTES_LIMIT {
            return refuse(
                &format!(
                    "the request headers exceed {HEADER_COUNT_LIMIT} fields or {HEADER_BYTES_LIMIT} bytes"
                ),
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            );
        }
        Ok(())
    }

    /// `err` in the body of the dialect mounted over `path`; elsewhere in poem's.
    fn render(&self, path: &str, err: poem::Error) -> Response {
        let under = |prefix: &Option<String>| {
            prefix.as_deref().is_some_and(|prefix| {
                path.strip_prefix(prefix)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
            })
        };
        // The router's route template, for the metrics.
        let pattern = err.data::<PathPattern>().cloned();
        let err = if err.is::<ParsePathError>() {
            poem::Error::from_string(
                "the path does not decode: its %-escapes must spell UTF-8",
                StatusCode::BAD_REQUEST,
            )
        } else {
            err
        };
        let mut response = if err.is_from_response() {
            err.into_response()
        } else if under(&self.mounts.mcphub) {
            mcphub::render_error(err)
        } else if under(&self.mounts.umami) {
            umami::render_error(err)
        } else {
            err.into_response()
        };
        if let Some(pattern) = pattern {
            response.set_data(pattern);
        }
        response
    }
}

pub(crate) async fn guard<E: Endpoint>(
    ep: Arc<E>,
    outer: Arc<Outer>,
    req: Request,
) -> poem::Result<Response> {
    // The Uri shares its bytes, so keeping it costs no copy of the path.
    let uri = req.uri().clone();
    let mut response = match Outer::check(&req) {
        Err(err) => outer.render(uri.path(), err),
        Ok(()) => match ep.call(req).await {
            Ok(output) => output.into_response(),
            Err(err) => outer.render(uri.path(), err),
        },
    };
    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && !response.headers().contains_key(ALLOW)
    {
        let allow = HeaderValue::from_str(outer.allow.for_path(uri.path()))
            .expect("method names are header-safe");
        response.headers_mut().insert(ALLOW, allow);
    }
    Ok(response)
}
