//! What every handler shares.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use roster_app::Roster;

use crate::metrics::{Metrics, PoolUsage};

/// Whether the service's dependencies answer; `/readyz` reports it.
pub type ReadyCheck = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync>;

/// The database pool's connections now; `/metrics` reports them.
pub type PoolProbe = Arc<dyn Fn() -> PoolUsage + Send + Sync>;

/// What every handler shares. No `Debug`: it holds the metrics token.
#[derive(Clone)]
pub struct AppState {
    pub roster: Roster,
    pub ready: ReadyCheck,
    pub pool: PoolProbe,
    pub metrics: Arc<Metrics>,
    /// The bearer token `/metrics` demands, if any.
    pub metrics_token: Option<Arc<str>>,
    /// How long a request body may take to arrive; past it the answer is 408.
    pub body_timeout: Duration,
}

impl AppState {
    pub fn new(roster: Roster, ready: ReadyCheck, pool: PoolProbe) -> Self {
        Self {
            roster,
            ready,
            pool,
            metrics: Arc::new(Metrics::new()),
            metrics_token: None,
            body_timeout: Duration::from_secs(30),
        }
    }
}
