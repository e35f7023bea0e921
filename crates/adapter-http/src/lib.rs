//! Roster over HTTP: the MCPHub and Umami users APIs and the operational routes, with one
//! OpenAPI document for all of them.
//!
//! Handlers only translate: they decode a request, call a use-case of [`roster_app`], and
//! encode the outcome in the dialect's format. Every error, including those poem raises
//! before a handler runs (bad JSON, a missing token, an unknown route), leaves in the
//! dialect's error body.

mod allow;
mod auth;
mod body;
mod body_rules;
mod docs;
mod error;
mod labels;
mod limit;
mod mcphub;
mod metrics;
mod observe;
mod ops;
mod outer;
mod reply;
mod router;
#[cfg(test)]
mod schema_check;
mod state;
mod stream;
mod umami;

pub use docs::openapi_json;
pub use metrics::{Metrics, PoolUsage};
pub use outer::{HEAD_LIMIT, HEADER_COUNT_LIMIT};
pub use router::{Mounts, metrics_routes, routes};
pub use state::{AppState, PoolProbe, ReadyCheck};
