//! The `roster` server: configuration, wiring of adapters to use-cases, first-admin
//! bootstrap, and serving until a shutdown signal.

mod app;
pub mod config;
pub mod telemetry;

pub use app::Application;
pub use config::{Command, Config};
