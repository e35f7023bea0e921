//! HTTP-level tests: a real server on a free port, on SQLite and, when configured, on
//! PostgreSQL and MySQL. One test binary, as in zero2prod, so it links once.

mod abuse;
mod api_keys;
mod authz_matrix;
mod cli;
mod cluster;
mod connections;
mod fuzz;
mod guesses;
mod helpers;
mod hostile;
mod long_lists;
mod mcphub_auth;
mod mcphub_errors;
mod mcphub_users;
mod metrics_access;
mod ops;
mod outage;
mod races;
mod session_races;
mod umami_auth;
mod umami_teams;
mod umami_users;
mod umami_websites;
mod unusual_requests;
