//! JSON request bodies decoded by serde, so that a refusal names the field and the problem
//! (`groups: invalid type: string "g", expected a sequence`), while the OpenAPI document
//! still shows the poem-openapi schema of the same type.

use poem::http::StatusCode;
use poem::{FromRequest, Request, RequestBody};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::de::DeserializeOwned;

/// A JSON object of `T`. `T` derives both `poem_openapi::Object` and `serde::Deserialize`
/// with the same field names. An array is refused, though serde would read a struct from
/// one by position.
pub(crate) struct JsonRequest<T>(pub T);

impl<T: Type> Payload for JsonRequest<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn check_content_type(content_type: &str) -> bool {
        is_json(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: DeserializeOwned + Send> ParsePayload for JsonRequest<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let data = Vec::<u8>::from_request(request, body).await?;
        match data.iter().find(|b| !b.is_ascii_whitespace()) {
            None => return Err(invalid("a JSON body is required".into())),
            Some(b'{') => {}
            Some(_) => return Err(invalid("the body must be a JSON object".into())),
        }
        let mut decoder = serde_json::Deserializer::from_slice(&data);
        serde_path_to_error::deserialize(&mut decoder)
            .map(Self)
            .map_err(|err| {
                let path = err.path().to_string();
                let inner = err.into_inner();
                invalid(if path == "." {
                    inner.to_string()
                } else {
                    format!("{path}: {inner}")
                })
            })
    }
}

/// `application/json` or any `application/…+json`, with or without parameters.
pub(crate) fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default();
    let essence = essence.trim().to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn invalid(reason: String) -> poem::Error {
    poem::Error::from_string(
        format!("invalid request body: {reason}"),
        StatusCode::BAD_REQUEST,
    )
}

poem_openapi::impl_apirequest_for_payload!(JsonRequest<T>, T: Type + DeserializeOwned + Send);

/// For `#[serde(default, deserialize_with = "…")]`: a field that may be left out but not
/// sent as `null`, since its schema is a `$ref` that the document cannot make nullable
/// without an `allOf` (which client generators drop).
pub(crate) fn absent_or_value<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}
