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
    crate::body_rules::declare_body_rules(&mut doc);
    doc
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
