//! JSON response bodies written by serde straight into bytes. poem-openapi's own `Json`
//! first builds a `serde_json::Value` tree of the whole body, an allocation for every field:
//! on a read served from memory that tree cost a tenth of the server's CPU. The OpenAPI
//! document still shows the poem-openapi schema of the same type, so each body type derives
//! both `poem_openapi::Object` and `serde::Serialize` with the same field names; the tests
//! of each dialect's types check that both write the same JSON.

use chrono::{DateTime, Utc};
use poem::http::{StatusCode, header};
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::{Serialize, Serializer};

/// A JSON body of `T`.
#[derive(Debug)]
pub(crate) struct JsonReply<T>(pub T);

/// The content type of every JSON body.
pub(crate) const JSON: &str = "application/json; charset=utf-8";

impl<T: Type> Payload for JsonReply<T> {
    const CONTENT_TYPE: &'static str = JSON;

    fn check_content_type(content_type: &str) -> bool {
        crate::body::is_json(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + Serialize> IntoResponse for JsonReply<T> {
    fn into_response(self) -> Response {
        json_response(&self.0)
    }
}

/// A 200 response of `value` in JSON.
pub(crate) fn json_response(value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => Response::builder()
            .header(header::CONTENT_TYPE, JSON)
            .body(body),
        // Only a map with non-string keys can fail, and no body type has one.
        Err(err) => {
            tracing::error!(error = %err, "a response body could not be written");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

impl<T: Type> ApiResponse for JsonReply<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: Self::CONTENT_TYPE,
                    schema: Self::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// A time as poem-openapi writes one (`2026-12-02T07:05:09.123456+00:00`), so that the body
/// matches the documented schema's format; serde's default would end in `Z`.
pub(crate) fn rfc3339<S: Serializer>(time: &DateTime<Utc>, out: S) -> Result<S::Ok, S::Error> {
    out.serialize_str(&time.to_rfc3339())
}

/// [`rfc3339`], or `null`.
pub(crate) fn rfc3339_or_null<S: Serializer>(
    time: &Option<DateTime<Utc>>,
    out: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => rfc3339(time, out),
        None => out.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::ToJSON;

    use super::*;

    #[derive(Serialize)]
    struct Times {
        #[serde(serialize_with = "rfc3339")]
        at: DateTime<Utc>,
    }

    #[test]
    fn times_are_written_as_poem_openapi_writes_them() {
        for text in ["2026-12-02T07:05:09Z", "2026-12-02T07:05:09.123456789Z"] {
            let at: DateTime<Utc> = text.parse().unwrap();
            let written = serde_json::to_value(Times { at }).unwrap();
            assert_eq!(written["at"], at.to_json().unwrap());
        }
    }
}
