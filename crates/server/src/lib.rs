//! The `roster` server: configuration, wiring of adapters to use-cases, first-admin
//! bootstrap, serving until a shutdown signal, and the admin subcommands.

mod app;
pub mod cli;
pub mod config;
pub mod import;
#[cfg(feature = "seed")]
pub mod seed;
pub mod serve;
pub mod telemetry;

pub use app::{Application, wire, wire_without_admin};
pub use config::{Command, Config};
