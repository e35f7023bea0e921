//! Bearer tokens as each dialect accepts them.

use poem::Request;
use poem::http::StatusCode;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::{ApiKey, Bearer};
use roster_domain::Principal;

use crate::AppState;

/// `Authorization: Bearer <token>`, as returned by either dialect's login.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", rename = "bearerAuth")]
pub(crate) struct BearerToken(Bearer);

impl BearerToken {
    pub(crate) fn token(&self) -> &str {
        &self.0.token
    }
}

// The user behind the bearer token, resolved before the operation runs: an unknown,
// expired or revoked token, or a store that cannot answer, ends the request with the
// domain's error, which each dialect's renderer words in its own body. The description is
// `BearerToken`'s: both are the document's `bearerAuth`.
/// `Authorization: Bearer <token>`, as returned by either dialect's login.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", rename = "bearerAuth", checker = "resolve")]
pub(crate) struct Caller(pub Principal);

async fn resolve(req: &Request, bearer: Bearer) -> poem::Result<Principal> {
    let Some(state) = req.data::<AppState>() else {
        return Err(poem::Error::from_string(
            "the routes were mounted without their state",
            StatusCode::INTERNAL_SERVER_ERROR,
        ));
    };
    state
        .roster
        .auth()
        .authenticate(&bearer.token)
        .await
        .map_err(|err| {
            let status = crate::error::status_of(&err);
            poem::Error::new(err, status)
        })
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
