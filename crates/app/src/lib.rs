//! Roster's use-cases: what can be done with users and sessions, and who may do it.
//!
//! The crate speaks only in domain types and ports, so an embedder can drive it without
//! HTTP: build [`Ports`] from adapters (or mocks), call [`Roster::build`], then use
//! [`Roster::users`] and [`Roster::auth`].

#![warn(missing_docs)]

mod auth;
mod bootstrap;
mod config;
mod guesses;
pub mod password;
pub mod policy;
mod roster;
mod teams;
mod token;
mod users;
mod validate;
mod websites;

#[cfg(test)]
mod fixture;

pub use auth::{AuthService, LoginOutcome};
pub use config::{AuthConfig, ThrottleConfig};
pub use roster::{Ports, Roster};
pub use teams::{TeamChanges, TeamService};
pub use token::{Token, hash_token};
pub use users::{CreateUser, ImportedUser, UpdateUser, UserService};
pub use websites::{NewWebsite, WebsiteChanges, WebsiteService};
