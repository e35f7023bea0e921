//! The length limits of the text the use-cases take, in characters as sent, so that an
//! adapter can declare them (the HTTP adapter writes them into its OpenAPI document).

/// A team's name.
pub const TEAM_NAME: usize = 100;
/// A team's logo address.
pub const LOGO_URL: usize = 2048;
/// A team's access code.
pub const ACCESS_CODE: usize = 64;
/// The shortest access code a client may choose: it must resist guessing as well as
/// throttling allows.
pub const MIN_ACCESS_CODE: usize = 8;
/// A website's name.
pub const WEBSITE_NAME: usize = 100;
/// A website's domain.
pub const DOMAIN: usize = 500;
/// A website's share id.
pub const SHARE_ID: usize = 50;
/// An API key's name.
pub const API_KEY_NAME: usize = 255;
/// Each server name or group id of a grant.
pub const GRANT: usize = 255;
