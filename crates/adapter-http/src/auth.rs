//! Bearer tokens as each dialect accepts them.

use poem_openapi::SecurityScheme;
use poem_openapi::auth::{ApiKey, Bearer};

/// `Authorization: Bearer <token>`, as returned by either dialect's login.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", rename = "bearerAuth")]
pub(crate) struct BearerToken(Bearer);

impl BearerToken {
    pub(crate) fn token(&self) -> &str {
        &self.0.token
    }
}

/// MCPHub's web frontend sends its token in `x-auth-token`.
#[derive(SecurityScheme)]
#[oai(
    ty = "api_key",
    key_name = "x-auth-token",
    key_in = "header",
    rename = "mcphubToken"
)]
pub(crate) struct HeaderToken(ApiKey);

/// Either form; the bearer header wins when both are sent.
#[derive(SecurityScheme)]
pub(crate) enum McpAuth {
    Bearer(BearerToken),
    Header(HeaderToken),
}

impl McpAuth {
    pub(crate) fn token(&self) -> &str {
        match self {
            McpAuth::Bearer(bearer) => bearer.token(),
            McpAuth::Header(HeaderToken(key)) => &key.key,
        }
    }
}

/// The caller's IP address, for throttling logins per client.
pub(crate) fn client_ip(remote: &poem::web::RemoteAddr) -> Option<String> {
    remote.as_socket_addr().map(|addr| addr.ip().to_string())
}
