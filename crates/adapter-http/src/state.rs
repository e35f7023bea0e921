use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use poem::{Endpoint, EndpointExt, Route};
use roster_app::Roster;

use crate::metrics::{Metrics, PoolUsage};
use crate::observe::observe;
use crate::{docs, mcphub, ops, umami};

/// Whether the service's dependencies answer; `/readyz` reports it.
pub type ReadyCheck = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

/// The database pool's connections now; `/metrics` reports them.
pub type PoolProbe = Arc<dyn Fn() -> PoolUsage + Send + Sync>;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub roster: Roster,
    pub ready: ReadyCheck,
    pub pool: PoolProbe,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(roster: Roster, ready: ReadyCheck, pool: PoolProbe) -> Self {
        Self {
            roster,
            ready,
            pool,
            metrics: Arc::new(Metrics::new()),
        }
    }
}

/// Where each dialect is mounted; `None` leaves a dialect out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mounts {
    pub mcphub: Option<String>,
    pub umami: Option<String>,
}

impl Default for Mounts {
    fn default() -> Self {
        Self {
            mcphub: Some("/api".into()),
            umami: Some("/umami/api".into()),
        }
    }
}

/// Every route of the service.
pub fn routes(state: AppState, mounts: &Mounts) -> impl Endpoint + 'static {
    let mut route = Route::new()
        .nest("/", ops::routes())
        .at("/openapi.json", docs::spec_endpoint(mounts))
        .at("/docs", docs::swagger_endpoint(mounts));
    if let Some(prefix) = &mounts.mcphub {
        route = route.nest(prefix, mcphub::routes(prefix));
    }
    if let Some(prefix) = &mounts.umami {
        route = route.nest(prefix, umami::routes(prefix));
    }
    let metrics = state.metrics.clone();
    route
        .data(state)
        .around(move |ep, req| observe(ep, metrics.clone(), req))
}
