//! Mapping domain errors and poem's own errors to statuses and dialect bodies.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::types::Type;
use roster_domain::Error;
use serde::Serialize;

use crate::reply::JsonReply;

/// How a dialect shapes an error body.
pub(crate) trait ErrorBody: Type + Serialize + Send + Sync + Sized + 'static {
    fn new(status: StatusCode, message: String) -> Self;
}

pub(crate) fn status_of(err: &Error) -> StatusCode {
    match err {
        Error::Invalid(_) => StatusCode::BAD_REQUEST,
        Error::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        Error::Forbidden(_) => StatusCode::FORBIDDEN,
        Error::NotFound(_) => StatusCode::NOT_FOUND,
        Error::Conflict(_) => StatusCode::CONFLICT,
        Error::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        Error::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// What the caller is told; an internal error's details stay in the log.
pub(crate) fn public_message(err: &Error) -> String {
    match err {
        Error::Internal { detail, .. } => {
            tracing::error!(%detail, causes = %causes(err), "internal error");
            "internal server error".into()
        }
        other => other.to_string(),
    }
}

/// The chain of errors beneath `err`, outermost first, for the log.
fn causes(err: &dyn std::error::Error) -> String {
    let mut chain = Vec::new();
    let mut next = err.source();
    while let Some(cause) = next {
        chain.push(cause.to_string());
        next = cause.source();
    }
    chain.join(": ")
}

/// Renders an error that poem or poem-openapi raised before or around a handler (bad JSON,
/// missing credentials, unknown route, oversized body) in the dialect's body. Errors that
/// already carry a dialect response pass through.
pub(crate) fn render<B: ErrorBody>(err: poem::Error) -> Response {
    if err.is_from_response() {
        return err.into_response();
    }
    if let Some(domain) = err.downcast_ref::<Error>() {
        let status = status_of(domain);
        let mut response = JsonReply(B::new(status, public_message(domain)))
            .with_status(status)
            .into_response();
        if let Error::Throttled { retry_after } = domain {
            let seconds = retry_after.as_secs().max(1);
            response
                .headers_mut()
                .insert(poem::http::header::RETRY_AFTER, seconds.into());
        }
        return response;
    }
    // A body that is not JSON is bad input like any other, whatever its content type says.
    let status = match err.status() {
        StatusCode::UNSUPPORTED_MEDIA_TYPE => StatusCode::BAD_REQUEST,
        status => status,
    };
    let message = match err.status() {
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            "the body must be JSON, sent with content-type: application/json".to_owned()
        }
        StatusCode::UNAUTHORIZED => {
            "authentication required: send Authorization: Bearer <token>".to_owned()
        }
        StatusCode::NOT_FOUND => "no such route".to_owned(),
        StatusCode::METHOD_NOT_ALLOWED => "method not allowed on this route".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => "request body too large".to_owned(),
        s if s.is_server_error() => {
            tracing::error!(error = %err, "unhandled error");
            "internal server error".to_owned()
        }
        _ => parse_message(&err),
    };
    JsonReply(B::new(status, message))
        .with_status(status)
        .into_response()
}

/// What a request that failed to parse is told. poem-openapi names path parameters
/// `param0`, `param1`…, so a bad path id is described by what it should have been.
pub(crate) fn parse_message(err: &poem::Error) -> String {
    match err.downcast_ref::<poem_openapi::error::ParsePathError>() {
        Some(param) if param.name.starts_with("param") => {
            format!("an id in the path must be a UUID ({})", param.reason)
        }
        _ => err.to_string(),
    }
}

/// Declares a dialect's error response: one variant per status a handler can return,
/// documented in the OpenAPI document, built from a domain error.
macro_rules! dialect_error {
    ($name:ident, $body:ty) => {
        #[derive(poem_openapi::ApiResponse, Debug)]
        #[oai(bad_request_handler = "bad_request")]
        pub(crate) enum $name {
            /// The input is malformed or breaks a rule.
            #[oai(status = 400)]
            BadRequest($crate::reply::JsonReply<$body>),
            /// No valid token, or wrong credentials.
            #[oai(status = 401)]
            Unauthorized($crate::reply::JsonReply<$body>),
            /// The caller's role does not allow this.
            #[oai(status = 403)]
            Forbidden($crate::reply::JsonReply<$body>),
            /// No such user, team, website, membership or key.
            #[oai(status = 404)]
            NotFound($crate::reply::JsonReply<$body>),
            /// A name, id, code or membership is taken, or the change would leave no admin
            /// or a team no owner.
            #[oai(status = 409)]
            Conflict($crate::reply::JsonReply<$body>),
            /// Too many wrong passwords or access codes; retry after the given seconds.
            #[oai(status = 429)]
            TooManyRequests(
                $crate::reply::JsonReply<$body>,
                #[oai(header = "Retry-After")] u64,
            ),
            /// An internal fault.
            #[oai(status = 500)]
            Internal($crate::reply::JsonReply<$body>),
            /// The database cannot be reached; retry later.
            #[oai(status = 503)]
            Unavailable($crate::reply::JsonReply<$body>),
        }

        fn bad_request(err: poem::Error) -> $name {
            let body = <$body as $crate::error::ErrorBody>::new(
                poem::http::StatusCode::BAD_REQUEST,
                $crate::error::parse_message(&err),
            );
            $name::BadRequest($crate::reply::JsonReply(body))
        }

        impl From<roster_domain::Error> for $name {
            fn from(err: roster_domain::Error) -> Self {
                use roster_domain::Error as E;
                let status = $crate::error::status_of(&err);
                let body = $crate::reply::JsonReply(<$body as $crate::error::ErrorBody>::new(
                    status,
                    $crate::error::public_message(&err),
                ));
                match err {
                    E::Invalid(_) => Self::BadRequest(body),
                    E::Unauthenticated(_) => Self::Unauthorized(body),
                    E::Forbidden(_) => Self::Forbidden(body),
                    E::NotFound(_) => Self::NotFound(body),
                    E::Conflict(_) => Self::Conflict(body),
                    E::Throttled { retry_after } => {
                        Self::TooManyRequests(body, retry_after.as_secs().max(1))
                    }
                    E::Unavailable { .. } => Self::Unavailable(body),
                    E::Internal { .. } => Self::Internal(body),
                }
            }
        }
    };
}

pub(crate) use dialect_error;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Statement(std::io::Error);

    impl std::fmt::Display for Statement {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("statement failed")
        }
    }

    impl std::error::Error for Statement {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[tokio::test]
    async fn a_domain_error_an_extractor_raised_is_worded_by_each_dialect() {
        let throttled = || {
            let err = Error::Throttled {
                retry_after: std::time::Duration::from_secs(7),
            };
            poem::Error::new(err, StatusCode::TOO_MANY_REQUESTS)
        };
        let umami = crate::umami::render_error(throttled());
        assert_eq!(umami.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(umami.headers()["retry-after"], "7");
        let body: serde_json::Value =
            serde_json::from_str(&umami.into_body().into_string().await.unwrap()).unwrap();
        assert_eq!(body["error"]["status"], 429);
        let mcphub = crate::mcphub::render_error(throttled());
        let body: serde_json::Value =
            serde_json::from_str(&mcphub.into_body().into_string().await.unwrap()).unwrap();
        assert_eq!(body["success"], false);
        assert!(body["message"].as_str().unwrap().contains("try again in 7"));
    }

    #[test]
    fn an_internal_error_logs_every_cause_and_tells_none() {
        let reset = std::io::Error::other("connection reset");
        let err = Error::internal("database error").caused_by(Statement(reset));
        assert_eq!(causes(&err), "statement failed: connection reset");
        assert_eq!(public_message(&err), "internal server error");
    }
}
