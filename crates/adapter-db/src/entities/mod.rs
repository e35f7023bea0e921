//! sea-orm entities: the tables as the repositories see them.

pub(crate) mod api_key;
pub(crate) mod change;
pub(crate) mod login_failure;
pub(crate) mod meta;
pub(crate) mod session;
pub(crate) mod team;
pub(crate) mod team_user;
pub(crate) mod user;
pub(crate) mod user_count;
pub(crate) mod user_group;
pub(crate) mod user_server;
pub(crate) mod website;
