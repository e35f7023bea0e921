//! Bodies every resource shares: errors, `{ok: true}`, a user named in passing, pages.

use poem::http::StatusCode;
use poem_openapi::Object;
use poem_openapi::types::{ParseFromJSON, ToJSON};
use roster_domain::{Page, UserId, Username};
use serde::Serialize;
use uuid::Uuid;

use crate::error::ErrorBody;
use crate::umami::params::Listing;

/// `{"error": {"code", "message", "status"}}`.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiError")]
pub(crate) struct ErrorEnvelope {
    pub error: ErrorDetail,
}

#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiErrorDetail")]
pub(crate) struct ErrorDetail {
    /// `bad-request`, `unauthorized`, `forbidden`, `not-found`, `method-not-allowed`,
    /// `request-timeout`, `conflict`, `uri-too-long`, `too-many-requests`,
    /// `headers-too-large`, `service-unavailable` or `internal-error`; a failed login is
    /// `incorrect-username-password` and an unknown access code `team-not-found`, the codes
    /// Umami's UI translates.
    pub code: String,
    pub message: String,
    pub status: u16,
}

impl ErrorBody for ErrorEnvelope {
    fn new(status: StatusCode, message: String) -> Self {
        let code = match status {
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND => "not-found",
            StatusCode::CONFLICT => "conflict",
            StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
            StatusCode::REQUEST_TIMEOUT => "request-timeout",
            StatusCode::URI_TOO_LONG => "uri-too-long",
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers-too-large",
            StatusCode::TOO_MANY_REQUESTS => "too-many-requests",
            StatusCode::SERVICE_UNAVAILABLE => "service-unavailable",
            s if s.is_server_error() => "internal-error",
            _ => "bad-request",
        };
        Self {
            error: ErrorDetail {
                code: code.into(),
                message,
                status: status.as_u16(),
            },
        }
    }
}

/// `{"ok": true}`, Umami's answer to a deletion or logout.
#[derive(Object, Debug, Serialize)]
#[oai(rename = "UmamiOk")]
pub(crate) struct Done {
    pub ok: bool,
}

impl Done {
    pub fn new() -> Self {
        Self { ok: true }
    }
}

/// A user named inside another object.
#[derive(Object, Clone, Debug, Serialize)]
#[oai(rename = "UmamiUserRef")]
pub(crate) struct UserRef {
    pub id: Uuid,
    pub username: String,
}

impl UserRef {
    pub fn new(id: UserId, username: &Username) -> Self {
        Self {
            id: id.0,
            username: username.to_string(),
        }
    }
}

/// One page of a list.
#[derive(Object, Debug, Serialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub(crate) struct Paged<T: ParseFromJSON + ToJSON> {
    pub data: Vec<T>,
    /// Items in the whole list.
    pub count: u64,
    pub page: u64,
    pub page_size: u64,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_by: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
}

impl<T: ParseFromJSON + ToJSON> Paged<T> {
    /// `page`, answering `listing`: its `orderBy` and `search` are echoed.
    pub fn new<D: Into<T>, O>(page: Page<D>, listing: Listing<O>) -> Self {
        Self {
            data: page.items.into_iter().map(Into::into).collect(),
            count: page.count,
            page: page.page,
            page_size: page.page_size,
            order_by: Some(listing.order_by),
            search: listing.request.search,
        }
    }
}
