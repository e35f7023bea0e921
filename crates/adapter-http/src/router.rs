//! The service's routes: the dialects at their mounts, the operational routes, and the
//! layers every request passes.

use std::sync::Arc;

use poem::{Endpoint, EndpointExt, Route};

use crate::AppState;
use crate::observe::observe;
use crate::outer::{Outer, guard};
use crate::{docs, mcphub, ops, umami};

/// Where each dialect is mounted; `None` leaves a dialect out. `metrics: false` leaves
/// `/metrics` to another listener ([`metrics_routes`]). `password_min` is the configured
/// shortest password, which the OpenAPI document declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mounts {
    pub mcphub: Option<String>,
    pub umami: Option<String>,
    pub metrics: bool,
    pub password_min: usize,
}

impl Default for Mounts {
    fn default() -> Self {
        Self {
            mcphub: Some("/api".into()),
            umami: Some("/umami/api".into()),
            metrics: true,
            password_min: roster_app::domain::PasswordPolicy::default().min_chars,
        }
    }
}

/// Every route of the service.
pub fn routes(state: AppState, mounts: &Mounts) -> impl Endpoint + 'static {
    let mut route = Route::new()
        .nest("/", ops::routes(mounts.metrics))
        .at("/openapi.json", docs::spec_endpoint(mounts))
        .at("/docs", docs::swagger_endpoint(mounts));
    if let Some(prefix) = &mounts.mcphub {
        route = route.nest(prefix, mcphub::routes(prefix));
    }
    if let Some(prefix) = &mounts.umami {
        route = route.nest(prefix, umami::routes(prefix));
    }
    observed(route, state, mounts)
}

/// `/metrics` alone, for a listener of its own.
pub fn metrics_routes(state: AppState) -> impl Endpoint + 'static {
    let mounts = Mounts {
        mcphub: None,
        umami: None,
        ..Mounts::default()
    };
    observed(Route::new().nest("/", ops::metrics_route()), state, &mounts)
}

fn observed(route: Route, state: AppState, mounts: &Mounts) -> impl Endpoint + use<> {
    let outer = Arc::new(Outer::new(mounts));
    let metrics = state.metrics.clone();
    route
        .around(move |ep, req| guard(ep, outer.clone(), req))
        .data(state)
        .around(move |ep, req| observe(ep, metrics.clone(), req))
}
