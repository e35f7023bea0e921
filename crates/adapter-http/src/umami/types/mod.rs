//! The Umami dialect's bodies, with the field names of Umami's API, a file per resource.

mod api_keys;
mod auth;
mod common;
mod roles;
mod teams;
mod users;
mod websites;

#[cfg(test)]
mod tests;

pub(crate) use api_keys::*;
pub(crate) use auth::*;
pub(crate) use common::*;
pub(crate) use teams::*;
pub(crate) use users::*;
pub(crate) use websites::*;
