//! Roster's use-cases: what can be done with users and sessions, and who may do it.
//!
//! The crate speaks only in domain types and ports, so an embedder can drive it without
//! HTTP: build [`Ports`] from adapters (or mocks; [`Ports::on_store`] from one store), call
//! [`Roster::build`], then use [`Roster::users`] and [`Roster::auth`]. The domain's types
//! are re-exported as [`domain`].

#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod api_keys;
mod auth;
mod bootstrap;
mod config;
mod guesses;
pub mod limits;
mod listing;
pub mod policy;
mod roster;
mod teams;
mod token;
mod users;
mod validate;
mod websites;

#[cfg(test)]
mod fixture;

/// The domain this crate speaks: entities, values, errors and the ports adapters implement.
pub use roster_domain as domain;

pub use api_keys::{ApiKeyService, NewApiKey};
pub use auth::{AuthService, LoginOutcome};
pub use config::{AuthConfig, ThrottleConfig};
pub use listing::UserListing;
pub use roster::{Ports, Roster};
pub use teams::{TeamChanges, TeamService};
pub use token::{API_KEY_PREFIX, Token, hash_token, is_api_key};
pub use users::{CreateUser, ImportedUser, UpdateUser, UserService};
pub use websites::{NewWebsite, WebsiteChanges, WebsiteService};
