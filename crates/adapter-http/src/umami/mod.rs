//! The Umami users API: users addressed by id, teams and websites in pages, errors as
//! `{"error": {"code", "message", "status"}}`. Usable by `@umami/api-client`.

mod api_keys;
mod auth;
mod params;
mod teams;
mod types;
mod users;
mod websites;

use poem::web::Query;
use poem::{Endpoint, EndpointExt};
use poem_openapi::{OpenApiService, Tags};
use roster_domain::{Error, Principal, Team, TeamOrder, UserId, WebsiteOrder};

use crate::AppState;
use crate::error::{dialect_error, render};
use crate::limit::limit_body;
use crate::reply::JsonReply;
use params::ListParams;
pub(crate) use params::declare_list_parameters;
use types::{ErrorEnvelope, Paged, TeamView, WebsiteView};

dialect_error!(UmamiError, ErrorEnvelope);

type UmamiResult<T> = Result<T, UmamiError>;

/// Query parameters of a list, decoded by serde (documented in each operation's text).
type ListQuery = Query<ListParams>;

#[derive(Tags)]
enum Tag {
    /// Umami: log in and out, the caller, and the caller's API keys.
    #[oai(rename = "Umami auth")]
    Auth,
    /// Umami: users by id.
    #[oai(rename = "Umami users")]
    Users,
    /// Umami: teams and their members.
    #[oai(rename = "Umami teams")]
    Teams,
    /// Umami: websites of users and teams.
    #[oai(rename = "Umami websites")]
    Websites,
}

type Apis = (
    auth::AuthApi,
    api_keys::ApiKeysApi,
    users::UsersApi,
    teams::TeamsApi,
    websites::WebsitesApi,
);

pub(crate) fn service(prefix: &str) -> OpenApiService<Apis, ()> {
    let apis = (
        auth::AuthApi,
        api_keys::ApiKeysApi,
        users::UsersApi,
        teams::TeamsApi,
        websites::WebsitesApi,
    );
    OpenApiService::new(apis, "Roster", env!("CARGO_PKG_VERSION")).url_prefix(prefix)
}

pub(crate) fn routes(prefix: &str) -> impl Endpoint + 'static {
    service(prefix)
        .around(limit_body)
        .catch_all_error(|err| async move { render_error(err) })
}

/// `err`, coded `code` when it is a `kind` of error: Umami's UI shows its translation of
/// a code it knows (`incorrect-username-password`, `team-not-found`) in place of the
/// message.
fn coded(err: Error, kind: fn(&Error) -> bool, code: &str) -> UmamiError {
    let recode = kind(&err);
    let mut answer = UmamiError::from(err);
    if recode {
        let body = match &mut answer {
            UmamiError::BadRequest(body)
            | UmamiError::Unauthorized(body)
            | UmamiError::Forbidden(body)
            | UmamiError::NotFound(body)
            | UmamiError::Conflict(body)
            | UmamiError::TooManyRequests(body, _)
            | UmamiError::Internal(body)
            | UmamiError::Unavailable(body) => body,
        };
        body.0.error.code = code.into();
    }
    answer
}

/// `err` in this dialect's error body.
pub(crate) fn render_error(err: poem::Error) -> poem::Response {
    render::<ErrorEnvelope>(err)
}

/// One page of `user`'s teams, as every team list answers it.
async fn teams_page(
    state: &AppState,
    actor: &Principal,
    user: UserId,
    params: &ListParams,
) -> UmamiResult<JsonReply<Paged<TeamView>>> {
    let listing = params.listing::<TeamOrder>()?;
    let page = state
        .roster
        .teams()
        .teams_of(actor, user, &listing.request)
        .await?;
    Ok(JsonReply(Paged::new(page, listing)))
}

/// One page of `user`'s websites (with `includeTeams`, their teams' too).
async fn websites_page(
    state: &AppState,
    actor: &Principal,
    user: UserId,
    params: &ListParams,
) -> UmamiResult<JsonReply<Paged<WebsiteView>>> {
    let listing = params.listing::<WebsiteOrder>()?;
    let page = state
        .roster
        .websites()
        .of_user(actor, user, params.include_teams()?, &listing.request)
        .await?;
    Ok(JsonReply(Paged::new(page, listing)))
}

/// The teams shown with a user at login and in `/me`: the first page, by name.
async fn login_teams(state: &AppState, actor: &Principal, user: UserId) -> UmamiResult<Vec<Team>> {
    let listing = ListParams::default().listing::<TeamOrder>()?;
    let page = state
        .roster
        .teams()
        .teams_of(actor, user, &listing.request)
        .await?;
    Ok(page.items.into_iter().map(|d| d.team).collect())
}
