use poem::web::{Data, RemoteAddr};
use poem_openapi::OpenApi;
use roster_domain::{Error, Principal, UserKey};

use super::types::{
    Done, LoginBody, LoginResult, LoginUser, Me, Paged, PasswordBody, TeamView, WebsiteView,
};
use super::{ListQuery, Tag, UmamiResult, coded, login_teams, teams_page, websites_page};
use crate::AppState;
use crate::auth::{BearerToken, Caller, client_ip};
use crate::body::JsonRequest;
use crate::reply::JsonReply;

pub(crate) struct AuthApi;

async fn login_user(state: &AppState, actor: &Principal) -> UmamiResult<LoginUser> {
    let user = state
        .roster
        .users()
        .get(actor, &UserKey::Id(actor.id))
        .await?;
    let teams = login_teams(state, actor, actor.id).await?;
    Ok(LoginUser::new(user, teams))
}

#[OpenApi]
impl AuthApi {
    /// Log in; the token works in both dialects.
    #[oai(
        path = "/auth/login",
        method = "post",
        tag = "Tag::Auth",
        operation_id = "login"
    )]
    async fn login(
        &self,
        state: Data<&AppState>,
        remote: &RemoteAddr,
        JsonRequest(body): JsonRequest<LoginBody>,
    ) -> UmamiResult<JsonReply<LoginResult>> {
        let client = client_ip(remote);
        let outcome = state
            .roster
            .auth()
            .login(&body.username, &body.password, client.as_deref())
            .await;
        state.metrics.login(&outcome);
        let wrong = |err: &Error| matches!(err, Error::Unauthenticated(_));
        let outcome = outcome.map_err(|err| coded(err, wrong, "incorrect-username-password"))?;
        let actor = Principal {
            id: outcome.user.id,
            username: outcome.user.username.clone(),
            role: outcome.user.role,
            api_key: None,
        };
        let teams = login_teams(&state, &actor, actor.id).await?;
        Ok(JsonReply(LoginResult {
            token: outcome.token.expose().to_owned(),
            user: LoginUser::new(outcome.user, teams),
        }))
    }

    /// End the session of the presented token.
    #[oai(
        path = "/auth/logout",
        method = "post",
        tag = "Tag::Auth",
        operation_id = "logout"
    )]
    async fn logout(
        &self,
        auth: BearerToken,
        state: Data<&AppState>,
    ) -> UmamiResult<JsonReply<Done>> {
        state.roster.auth().authenticate(auth.token()).await?;
        state.roster.auth().logout(auth.token()).await?;
        Ok(JsonReply(Done::new()))
    }

    /// The user behind the presented token.
    #[oai(
        path = "/auth/verify",
        method = "post",
        tag = "Tag::Auth",
        operation_id = "verify"
    )]
    async fn verify(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
    ) -> UmamiResult<JsonReply<LoginUser>> {
        Ok(JsonReply(login_user(&state, &actor).await?))
    }

    /// The caller.
    #[oai(
        path = "/me",
        method = "get",
        tag = "Tag::Auth",
        operation_id = "getMe"
    )]
    async fn me(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
    ) -> UmamiResult<JsonReply<Me>> {
        Ok(JsonReply(Me {
            auth_type: if actor.api_key.is_some() {
                "api-key"
            } else {
                "session"
            }
            .into(),
            user: login_user(&state, &actor).await?,
            api_key: actor.api_key.clone().map(Into::into),
        }))
    }

    /// The caller's teams. Query: `page`, `pageSize`, `query`, `orderBy` (`name`,
    /// `createdAt`), `sortDescending`.
    #[oai(
        path = "/me/teams",
        method = "get",
        tag = "Tag::Auth",
        operation_id = "getMyTeams"
    )]
    async fn my_teams(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        params: ListQuery,
    ) -> UmamiResult<JsonReply<Paged<TeamView>>> {
        teams_page(&state, &actor, actor.id, &params).await
    }

    /// The caller's websites. Query: `page`, `pageSize`, `query`, `orderBy` (`name`,
    /// `domain`, `createdAt`), `sortDescending`, `includeTeams`.
    #[oai(
        path = "/me/websites",
        method = "get",
        tag = "Tag::Auth",
        operation_id = "getMyWebsites"
    )]
    async fn my_websites(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        params: ListQuery,
    ) -> UmamiResult<JsonReply<Paged<WebsiteView>>> {
        websites_page(&state, &actor, actor.id, &params).await
    }

    /// Change the caller's password; every other session of the caller ends.
    #[oai(
        path = "/me/password",
        method = "post",
        tag = "Tag::Auth",
        operation_id = "updateMyPassword"
    )]
    async fn my_password(
        &self,
        auth: BearerToken,
        state: Data<&AppState>,
        remote: &RemoteAddr,
        JsonRequest(body): JsonRequest<PasswordBody>,
    ) -> UmamiResult<JsonReply<LoginUser>> {
        let actor = state.roster.auth().authenticate(auth.token()).await?;
        let client = client_ip(remote);
        let user = state
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
        Ok(JsonReply(LoginUser::new(user, Vec::new())))
    }
}
