//! The Umami dialect's bodies, with the field names of Umami's API, a file per resource.

mod auth;
mod common;
mod roles;
mod teams;
mod users;
mod websites;

#[cfg(test)]
mod tests;

pub(crate) use auth::*;
pub(crate) use common::*;
pub(crate) use teams::*;
pub(crate) use users::*;
pub(crate) use websites::*;
