//! One OpenAPI document for every mounted dialect, and Swagger UI over it.

use poem::web::Html;
use poem::{Endpoint, Response, endpoint::make_sync};
use serde_json::{Map, Value};

use crate::{Mounts, mcphub, umami};

/// The OpenAPI document of every mounted dialect, paths prefixed by their mounts.
pub fn openapi_json(mounts: &Mounts) -> String {
    serde_json::to_string_pretty(&document(mounts)).expect("a JSON value serialises")
}

/// [`openapi_json`] as a value.
pub(crate) fn document(mounts: &Mounts) -> Value {
    let mut specs = Vec::new();
    if let Some(prefix) = &mounts.mcphub {
        specs.push(mcphub::service(prefix).spec());
    }
    if let Some(prefix) = &mounts.umami {
        specs.push(umami::service(prefix).spec());
    }
    let mut doc = merge(
        specs
            .iter()
            .map(|s| serde_json::from_str(s).expect("poem-openapi emits JSON")),
    );
    umami::declare_list_parameters(&mut doc);
    crate::body_rules::declare_body_rules(&mut doc, mounts.password_min);
    narrow_error_responses(&mut doc);
    doc
}

/// The operations that count guesses at a secret (a password, an access code): the only
/// ones that answer 429.
const THROTTLED: [&str; 5] = [
    "mcphubLogin",
    "mcphubChangePassword",
    "login",
    "updateMyPassword",
    "joinTeam",
];

/// Every handler shares one error type per dialect, so poem-openapi lists every error
/// status on every operation; this takes away the ones an operation never answers, so
/// that a generated client has no case that cannot happen.
fn narrow_error_responses(doc: &mut Value) {
    let Some(Value::Object(paths)) = doc.get_mut("paths") else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for (method, operation) in item.iter_mut() {
            let id = operation["operationId"].as_str().unwrap_or_default();
            let throttled = THROTTLED.contains(&id);
            let Some(Value::Object(responses)) = operation.get_mut("responses") else {
                continue;
            };
            if !throttled {
                responses.remove("429");
            }
            // A read takes nothing and so conflicts with nothing.
            if method == "get" {
                responses.remove("409");
            }
        }
    }
}

/// Unions the paths, components and tags of several documents into the first.
fn merge(docs: impl Iterator<Item = Value>) -> Value {
    let mut merged: Option<Value> = None;
    for doc in docs {
        let Some(base) = merged.as_mut() else {
            merged = Some(doc);
            continue;
        };
        for path in [
            &["paths"][..],
            &["components", "schemas"],
            &["components", "securitySchemes"],
        ] {
            extend_object(base, doc.pointer(&format!("/{}", path.join("/"))), path);
        }
        if let (Some(Value::Array(tags)), Some(Value::Array(more))) =
            (base.get_mut("tags"), doc.get("tags"))
        {
            tags.extend(more.iter().cloned());
        }
    }
    merged.unwrap_or_else(|| serde_json::json!({"openapi": "3.0.0", "paths": {}}))
}

fn extend_object(base: &mut Value, extra: Option<&Value>, path: &[&str]) {
    let Some(Value::Object(extra)) = extra else {
        return;
    };
    let mut target = base;
    for key in path {
        target = target
            .as_object_mut()
            .expect("OpenAPI sections are objects")
            .entry(*key)
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if let Value::Object(target) = target {
        target.extend(extra.clone());
    }
}

pub(crate) fn spec_endpoint(mounts: &Mounts) -> impl Endpoint + 'static {
    let spec = openapi_json(mounts);
    make_sync(move |_| {
        Response::builder()
            .content_type("application/json")
            .body(spec.clone())
    })
}

/// Swagger UI, served from the document above (the UI's assets are embedded, not fetched).
pub(crate) fn swagger_endpoint(mounts: &Mounts) -> impl Endpoint + 'static {
    let service = mcphub::service("");
    let html = service
        .swagger_ui_html()
        .replace(&service.spec(), &openapi_json(mounts));
    make_sync(move |_| Html(html.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_throttled_operations_answer_429_and_no_read_answers_409() {
        let doc = document(&Mounts::default());
        let mut throttled = Vec::new();
        for (method, operation) in doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|item| item.as_object().unwrap())
        {
            let responses = &operation["responses"];
            if responses.get("429").is_some() {
                throttled.push(operation["operationId"].as_str().unwrap());
            }
            assert!(responses.get("503").is_some() && responses.get("400").is_some());
            assert_eq!(
                method == "get",
                responses.get("409").is_none(),
                "{operation}"
            );
        }
        throttled.sort_unstable();
        let mut expected = THROTTLED.to_vec();
        expected.sort_unstable();
        assert_eq!(throttled, expected);
    }
}
