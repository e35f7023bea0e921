//! The check that serde, which reads and writes the bodies, agrees with the schemas the
//! OpenAPI document shows, and that no schema of a dialect goes unchecked.

use std::collections::BTreeSet;

use poem_openapi::registry::Registry;
use poem_openapi::types::{ParseFromJSON, ToJSON, Type};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The schemas checked so far, with every schema they contain.
#[derive(Default)]
pub(crate) struct SchemaCheck(BTreeSet<String>);

impl SchemaCheck {
    /// Fails unless serde writes `value` as poem-openapi's schema type would.
    pub(crate) fn written<T: Serialize + ToJSON>(&mut self, value: &T) {
        let by_serde = serde_json::to_value(value).expect("serializable");
        let by_schema = value.to_json().expect("a JSON value");
        assert_eq!(by_serde, by_schema, "{}", T::name());
        self.cover::<T>();
    }

    /// Fails unless serde and poem-openapi's schema type both read `body`, to the same value.
    pub(crate) fn read<T: DeserializeOwned + ParseFromJSON + ToJSON>(&mut self, body: Value) {
        let by_serde: T = serde_json::from_value(body.clone())
            .unwrap_or_else(|e| panic!("serde refused {}: {e}", T::name()));
        let by_schema = T::parse_from_json(Some(body))
            .unwrap_or_else(|e| panic!("the schema refused {}: {}", T::name(), e.into_message()));
        assert_eq!(by_serde.to_json(), by_schema.to_json(), "{}", T::name());
        self.cover::<T>();
    }

    fn cover<T: Type>(&mut self) {
        let mut registry = Registry::new();
        T::register(&mut registry);
        self.0.extend(registry.schemas.into_keys());
    }

    /// Fails if a schema of the OpenAPI document `spec` was not among those checked.
    pub(crate) fn covers_every_schema_of(&self, spec: &str) {
        let doc: Value = serde_json::from_str(spec).expect("poem-openapi emits JSON");
        let unchecked: Vec<&String> = doc["components"]["schemas"]
            .as_object()
            .expect("a document with schemas")
            .keys()
            .filter(|name| !self.0.contains(*name))
            .collect();
        assert!(unchecked.is_empty(), "no sample checks {unchecked:?}");
    }
}
