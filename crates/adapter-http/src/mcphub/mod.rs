//! The MCPHub users API: users addressed by name, `{success, data | message}` envelopes,
//! admin-only management.

mod keys;
mod types;

use futures_util::TryStreamExt;
use poem::web::{Data, RemoteAddr};
use poem::{Endpoint, EndpointExt};
use poem_openapi::param::Path;
use poem_openapi::{ApiResponse, OpenApi, OpenApiService, Tags};
use roster_app::policy::require_admin;
use roster_app::{CreateUser, UpdateUser};
use roster_domain::{Error, Principal, Role, UserKey};

use crate::AppState;
use crate::auth::McpAuth;
use crate::body::JsonRequest;
use crate::error::{dialect_error, render};
use crate::limit::limit_body;
use crate::reply::JsonReply;
use crate::stream::{JsonStream, batches};
use types::{
    ChangePasswordBody, CreateUserBody, CurrentUserView, Envelope, LoginBody, LoginView, Message,
    StatsView, UpdateUserBody, UserView,
};

dialect_error!(McpError, Message);

type McpResult<T> = Result<T, McpError>;

#[derive(Tags)]
enum Tag {
    /// MCPHub users API: manage users by name (admins only).
    #[oai(rename = "MCPHub users")]
    McpHubUsers,
    /// MCPHub login, the caller, and the caller's bearer keys.
    #[oai(rename = "MCPHub auth")]
    McpHubAuth,
}

#[derive(ApiResponse)]
enum Created {
    /// The user was created.
    #[oai(status = 201)]
    User(JsonReply<Envelope<UserView>>),
}

pub(crate) struct McpHubApi;

pub(crate) fn service(prefix: &str) -> OpenApiService<(McpHubApi, keys::KeysApi), ()> {
    OpenApiService::new(
        (McpHubApi, keys::KeysApi),
        "Roster",
        env!("CARGO_PKG_VERSION"),
    )
    .url_prefix(prefix)
}

pub(crate) fn routes(prefix: &str) -> impl Endpoint + 'static {
    service(prefix)
        .around(limit_body)
        .catch_all_error(|err| async move { render_error(err) })
}

/// `err` in this dialect's error body.
pub(crate) fn render_error(err: poem::Error) -> poem::Response {
    render::<Message>(err)
}

async fn admin(state: &AppState, auth: &McpAuth) -> McpResult<Principal> {
    let actor = state.roster.auth().authenticate(auth.token()).await?;
    require_admin(&actor)?;
    Ok(actor)
}

/// `isAdmin` is an alias of `role`; when both are sent they must agree. `isAdmin: false`
/// makes an admin a `user` and leaves any other role as it is (`current`: the role now,
/// `None` for a new user), since MCPHub's frontend sends it with every edit.
fn role_of(
    role: Option<types::RoleName>,
    is_admin: Option<bool>,
    current: Option<Role>,
) -> McpResult<Option<Role>> {
    let role = role.map(Role::from);
    match (role, is_admin) {
        (Some(role), Some(is_admin)) if role.is_admin() != is_admin => {
            Err(Error::Invalid("role and isAdmin disagree; send one of them".into()).into())
        }
        (Some(role), _) => Ok(Some(role)),
        (None, Some(true)) => Ok(Some(Role::Admin)),
        (None, Some(false)) => Ok(match current {
            Some(role) if !role.is_admin() => None,
            _ => Some(Role::User),
        }),
        (None, None) => Ok(None),
    }
}

#[OpenApi]
impl McpHubApi {
    /// List every user, ordered by name.
    ///
    /// The body is streamed as it is read from the store, a batch at a time.
    #[oai(
        path = "/users",
        method = "get",
        tag = "Tag::McpHubUsers",
        operation_id = "mcphubListUsers"
    )]
    async fn list(
        &self,
        auth: McpAuth,
        state: Data<&AppState>,
    ) -> McpResult<JsonStream<Envelope<Vec<UserView>>>> {
        let actor = admin(&state, &auth).await?;
        let listing = state.roster.users().list(&actor)?;
        let views = batches(listing)
            .await?
            .map_ok(|batch| batch.into_iter().map(UserView::from).collect());
        Ok(JsonStream::array(
            r#"{"success":true,"data":["#,
            views,
            "]}",
        ))
    }

    /// Get one user by name.
    #[oai(
        path = "/users/:username",
        method = "get",
        tag = "Tag::McpHubUsers",
        operation_id = "mcphubGetUser"
    )]
    async fn get(
        &self,
        auth: McpAuth,
        state: Data<&AppState>,
        username: Path<String>,
    ) -> McpResult<JsonReply<Envelope<UserView>>> {
        let actor = admin(&state, &auth).await?;
        let user = state
            .roster
            .users()
            .get(&actor, &UserKey::Name(username.0))
            .await?;
        Ok(JsonReply(Envelope::ok(user)))
    }

    /// Create a user.
    #[oai(
        path = "/users",
        method = "post",
        tag = "Tag::McpHubUsers",
        operation_id = "mcphubCreateUser"
    )]
    async fn create(
        &self,
        auth: McpAuth,
        state: Data<&AppState>,
        JsonRequest(body): JsonRequest<CreateUserBody>,
    ) -> McpResult<Created> {
        let actor = admin(&state, &auth).await?;
        let input = CreateUser {
            email: body.email,
            role: role_of(body.role, body.is_admin, None)?,
            username: body.username,
            password: body.password,
            servers: body.servers,
            groups: body.groups,
            id: None,
        };
        let user = state.roster.users().create(&actor, input).await?;
        Ok(Created::User(JsonReply(Envelope::ok(user))))
    }

    /// Change a user's password, role, servers or groups.
    #[oai(
        path = "/users/:username",
        method = "put",
        tag = "Tag::McpHubUsers",
        operation_id = "mcphubUpdateUser"
    )]
    async fn update(
        &self,
        auth: McpAuth,
        state: Data<&AppState>,
        username: Path<String>,
        JsonRequest(body): JsonRequest<UpdateUserBody>,
    ) -> McpResult<JsonReply<Envelope<UserView>>> {
        let actor = admin(&state, &auth).await?;
        let password = match (body.password, body.new_password) {
            (Some(a), Some(b)) if a != b => {
                return Err(Error::Invalid(
                    "password and newPassword disagree; send one of them".into(),
                )
                .into());
            }
            (a, b) => a.or(b),
        };
        let key = UserKey::Name(username.0);
        let current = match (body.role, body.is_admin) {
            (None, Some(false)) => Some(state.roster.users().get(&actor, &key).await?.role),
            _ => None,
        };
        let input = UpdateUser {
            email: body.email,
            username: None,
            password,
            role: role_of(body.role, body.is_admin, current)?,
            servers: body.servers,
            groups: body.groups,
        };
        let user = state.roster.users().update(&actor, &key, input).await?;
        Ok(JsonReply(Envelope::ok(user)))
    }

    /// Delete a user (not yourself, not the last admin).
    #[oai(
        path = "/users/:username",
        method = "delete",
        tag = "Tag::McpHubUsers",
        operation_id = "mcphubDeleteUser"
    )]
    async fn delete(
        &self,
        auth: McpAuth,
        state: Data<&AppState>,
        username: Path<String>,
    ) -> McpResult<JsonReply<Message>> {
        let actor = admin(&state, &auth).await?;
        state
            .roster
            .users()
            .delete(&actor, &UserKey::Name(username.0))
            .await?;
        Ok(JsonReply(Message {
            success: true,
            message: "User deleted successfully".into(),
        }))
    }

    /// Counts of users, admins, and users per server and per group.
    #[oai(
        path = "/users-stats",
        method = "get",
        tag = "Tag::McpHubUsers",
        operation_id = "mcphubGetUserStats"
    )]
    async fn stats(
        &self,
        auth: McpAuth,
        state: Data<&AppState>,
    ) -> McpResult<JsonReply<Envelope<StatsView>>> {
        let actor = admin(&state, &auth).await?;
        let stats = state.roster.users().stats(&actor).await?;
        Ok(JsonReply(Envelope::ok(stats)))
    }

    /// Log in with a username and password; the token works in both dialects.
    #[oai(
        path = "/auth/login",
        method = "post",
        tag = "Tag::McpHubAuth",
        operation_id = "mcphubLogin"
    )]
    async fn login(
        &self,
        state: Data<&AppState>,
        remote: &RemoteAddr,
        JsonRequest(body): JsonRequest<LoginBody>,
    ) -> McpResult<JsonReply<LoginView>> {
        let client = crate::auth::client_ip(remote);
        let outcome = state
            .roster
            .auth()
            .login(&body.username, &body.password, client.as_deref())
            .await;
        state.metrics.login(&outcome);
        let outcome = outcome?;
        Ok(JsonReply(LoginView {
            success: true,
            message: "Login successful".into(),
            token: outcome.token.expose().to_owned(),
            user: outcome.user.into(),
        }))
    }

    /// Change the caller's password after checking the current one; every other session of
    /// the caller ends, this one goes on.
    #[oai(
        path = "/auth/change-password",
        method = "post",
        tag = "Tag::McpHubAuth",
        operation_id = "mcphubChangePassword"
    )]
    async fn change_password(
        &self,
        auth: McpAuth,
        state: Data<&AppState>,
        remote: &RemoteAddr,
        JsonRequest(body): JsonRequest<ChangePasswordBody>,
    ) -> McpResult<JsonReply<Message>> {
        let actor = state.roster.auth().authenticate(auth.token()).await?;
        let client = crate::auth::client_ip(remote);
        state
            .roster
            .users()
            .change_own_password(
                &actor,
                &body.current_password,
                &body.new_password,
                client.as_deref(),
                auth.token(),
            )
            .await?;
        Ok(JsonReply(Message {
            success: true,
            message: "Password updated successfully".into(),
        }))
    }

    /// The caller, as stored now; MCPHub's web frontend asks on every page load.
    #[oai(
        path = "/auth/user",
        method = "get",
        tag = "Tag::McpHubAuth",
        operation_id = "mcphubGetCurrentUser"
    )]
    async fn current_user(
        &self,
        auth: McpAuth,
        state: Data<&AppState>,
    ) -> McpResult<JsonReply<CurrentUserView>> {
        let actor = state.roster.auth().authenticate(auth.token()).await?;
        let user = state
            .roster
            .users()
            .get(&actor, &UserKey::Id(actor.id))
            .await?;
        Ok(JsonReply(CurrentUserView {
            success: true,
            user: user.into(),
        }))
    }
}
