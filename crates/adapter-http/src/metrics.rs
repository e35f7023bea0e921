//! Prometheus metrics: requests per route and status, their latency, login outcomes, and
//! the database pool.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

/// Connections of the database pool, read when `/metrics` is scraped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolUsage {
    pub open: u32,
    pub idle: u32,
    /// Connections the pool opens at most.
    pub max: u32,
}

/// How a login ended, for the login counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoginOutcome {
    Success,
    Failure,
    Throttled,
}

impl LoginOutcome {
    /// The outcome of a login attempt that ended with `result`.
    pub(crate) fn of<T>(result: &roster_domain::Result<T>) -> Option<Self> {
        match result {
            Ok(_) => Some(Self::Success),
            Err(roster_domain::Error::Unauthenticated(_)) => Some(Self::Failure),
            Err(roster_domain::Error::Throttled { .. }) => Some(Self::Throttled),
            Err(_) => None,
        }
    }
}

/// The service's metrics and their registry.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    logins: IntCounterVec,
    pool: IntGaugeVec,
    pool_max: IntGauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// # Panics
    /// Never in practice: the names below are valid and registered once.
    pub fn new() -> Self {
        let requests = IntCounterVec::new(
            Opts::new("roster_http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "roster_http_request_duration_seconds",
                "Time to answer an HTTP request",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let logins = IntCounterVec::new(
            Opts::new("roster_logins_total", "Login attempts by outcome"),
            &["outcome"],
        )
        .expect("valid metric");
        let pool = IntGaugeVec::new(
            Opts::new("roster_db_pool_connections", "Database pool connections"),
            &["state"],
        )
        .expect("valid metric");
        let pool_max = IntGauge::new(
            "roster_db_pool_max_connections",
            "Database connections the pool opens at most",
        )
        .expect("valid metric");
        let registry = Registry::new();
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(logins.clone()),
            Box::new(pool.clone()),
            Box::new(pool_max.clone()),
        ] {
            registry.register(collector).expect("registered once");
        }
        Self {
            registry,
            requests,
            latency,
            logins,
            pool,
            pool_max,
        }
    }

    pub(crate) fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(seconds);
    }

    /// Counts a login attempt by how it ended; other errors (an outage) are not logins.
    pub(crate) fn login<T>(&self, result: &roster_domain::Result<T>) {
        let Some(outcome) = LoginOutcome::of(result) else {
            return;
        };
        let label = match outcome {
            LoginOutcome::Success => "success",
            LoginOutcome::Failure => "failure",
            LoginOutcome::Throttled => "throttled",
        };
        self.logins.with_label_values(&[label]).inc();
    }

    /// Every metric in Prometheus' text format.
    pub(crate) fn render(&self, pool: PoolUsage) -> String {
        let in_use = i64::from(pool.open.saturating_sub(pool.idle));
        self.pool.with_label_values(&["in_use"]).set(in_use);
        self.pool
            .with_label_values(&["idle"])
            .set(i64::from(pool.idle));
        self.pool_max.set(i64::from(pool.max));
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding cannot fail");
        String::from_utf8(out).expect("the text format is UTF-8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_histograms_and_the_pool() {
        let metrics = Metrics::new();
        metrics.request("GET", "/api/users", 200, 0.002);
        metrics.request("GET", "/api/users", 200, 0.004);
        let throttled: roster_domain::Result<()> = Err(roster_domain::Error::Throttled {
            retry_after: std::time::Duration::from_secs(1),
        });
        metrics.login(&throttled);
        let text = metrics.render(PoolUsage {
            open: 5,
            idle: 2,
            max: 16,
        });
        assert!(text.contains(
            r#"roster_http_requests_total{method="GET",route="/api/users",status="200"} 2"#
        ));
        assert!(text.contains(r#"roster_http_request_duration_seconds_bucket{method="GET",route="/api/users",status="200",le="0.005"} 2"#));
        assert!(text.contains(r#"roster_logins_total{outcome="throttled"} 1"#));
        assert!(text.contains(r#"roster_db_pool_connections{state="in_use"} 3"#));
        assert!(text.contains("roster_db_pool_max_connections 16"));
    }
}
