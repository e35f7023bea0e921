use poem::web::Data;
use poem_openapi::param::Path;
use std::borrow::Cow;

use poem_openapi::OpenApi;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use roster_app::{CreateUser, UpdateUser};
use roster_domain::{Role, UserId, UserKey, UserOrder};
use serde::Serialize;
use uuid::Uuid;

use super::types::{
    CreateUserBody, CreatedUser, Done, Paged, TeamView, UpdateUserBody, UserView, WebsiteView,
};
use super::{ListQuery, Tag, UmamiResult, caller, teams_page, websites_page};
use crate::AppState;
use crate::auth::BearerToken;
use crate::body::JsonBody;
use crate::reply::Json;

pub(crate) struct UsersApi;

/// Every user when no paging parameter is sent; one page of users otherwise. Written by
/// hand because poem-openapi's unions declare `type: object`, which an array breaks.
#[derive(Serialize)]
#[serde(untagged)]
enum UserList {
    All(Vec<UserView>),
    Page(Paged<UserView>),
}

impl Type for UserList {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "UmamiUserList".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            description: Some("Every user, or one page of users when paging parameters are sent"),
            one_of: vec![
                <Vec<UserView>>::schema_ref(),
                <Paged<UserView>>::schema_ref(),
            ],
            ..MetaSchema::ANY
        }))
    }

    fn register(registry: &mut Registry) {
        <Vec<UserView>>::register(registry);
        <Paged<UserView>>::register(registry);
    }

    fn as_raw_value(&self) -> Option<&Self> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self> + 'a> {
        Box::new(std::iter::once(self))
    }
}

#[OpenApi]
impl UsersApi {
    /// Create a user (admins).
    #[oai(path = "/users", method = "post", tag = "Tag::Users")]
    async fn create(
        &self,
        auth: BearerToken,
        state: Data<&AppState>,
        JsonBody(body): JsonBody<CreateUserBody>,
    ) -> UmamiResult<Json<CreatedUser>> {
        let actor = caller(&state, &auth).await?;
        let input = CreateUser {
            role: body.role.map(Role::from),
            username: body.username,
            password: body.password,
            ..CreateUser::default()
        };
        let user = state.roster.users().create(&actor, input).await?;
        Ok(Json(CreatedUser {
            id: user.id.0,
            username: user.username.to_string(),
            role: user.role.into(),
        }))
    }

    /// Every user (admins). Query: `page`, `pageSize`, `query`, `orderBy` (`username`,
    /// `createdAt`), `sortDescending`; with any of them the answer is one page.
    #[oai(path = "/admin/users", method = "get", tag = "Tag::Users")]
    async fn list(
        &self,
        auth: BearerToken,
        state: Data<&AppState>,
        params: ListQuery,
    ) -> UmamiResult<Json<UserList>> {
        let actor = caller(&state, &auth).await?;
        let users = state.roster.users();
        if !params.is_paged() {
            let all = users.list(&actor).await?;
            return Ok(Json(UserList::All(
                all.into_iter().map(Into::into).collect(),
            )));
        }
        let listing = params.listing::<UserOrder>()?;
        let page = users.page(&actor, &listing.request).await?;
        Ok(Json(UserList::Page(Paged::new(
            page,
            Some(listing.order_by),
            listing.search,
        ))))
    }

    /// One user (admins, or the user).
    #[oai(path = "/users/:userId", method = "get", tag = "Tag::Users")]
    async fn get(
        &self,
        auth: BearerToken,
        state: Data<&AppState>,
        #[oai(name = "userId")] user_id: Path<Uuid>,
    ) -> UmamiResult<Json<UserView>> {
        let actor = caller(&state, &auth).await?;
        let user = state
            .roster
            .users()
            .get(&actor, &UserKey::Id(UserId(user_id.0)))
            .await?;
        Ok(Json(user.into()))
    }

    /// Change a user (admins); a user may change only their own password.
    #[oai(path = "/users/:userId", method = "post", tag = "Tag::Users")]
    async fn update(
        &self,
        auth: BearerToken,
        state: Data<&AppState>,
        #[oai(name = "userId")] user_id: Path<Uuid>,
        JsonBody(body): JsonBody<UpdateUserBody>,
    ) -> UmamiResult<Json<UserView>> {
        let actor = caller(&state, &auth).await?;
        let input = UpdateUser {
            role: body.role.map(Role::from),
            username: body.username,
            password: body.password,
            ..UpdateUser::default()
        };
        let user = state
            .roster
            .users()
            .update(&actor, &UserKey::Id(UserId(user_id.0)), input)
            .await?;
        Ok(Json(user.into()))
    }

    /// Delete a user (admins; not oneself, not the last admin).
    #[oai(path = "/users/:userId", method = "delete", tag = "Tag::Users")]
    async fn delete(
        &self,
        auth: BearerToken,
        state: Data<&AppState>,
        #[oai(name = "userId")] user_id: Path<Uuid>,
    ) -> UmamiResult<Json<Done>> {
        let actor = caller(&state, &auth).await?;
        state
            .roster
            .users()
            .delete(&actor, &UserKey::Id(UserId(user_id.0)))
            .await?;
        Ok(Json(Done::new()))
    }

    /// A user's websites (admins, or the user). Query: `page`, `pageSize`, `query`,
    /// `orderBy` (`name`, `domain`, `createdAt`), `sortDescending`, `includeTeams`.
    #[oai(path = "/users/:userId/websites", method = "get", tag = "Tag::Users")]
    async fn websites(
        &self,
        auth: BearerToken,
        state: Data<&AppState>,
        #[oai(name = "userId")] user_id: Path<Uuid>,
        params: ListQuery,
    ) -> UmamiResult<Json<Paged<WebsiteView>>> {
        let actor = caller(&state, &auth).await?;
        let user = UserId(user_id.0);
        websites_page(&state, &actor, user, &params).await
    }

    /// A user's teams (admins, or the user), each with `_count` and `teamUser`. Query:
    /// `page`, `pageSize`, `query`, `orderBy` (`name`, `createdAt`), `sortDescending`.
    #[oai(path = "/users/:userId/teams", method = "get", tag = "Tag::Users")]
    async fn teams(
        &self,
        auth: BearerToken,
        state: Data<&AppState>,
        #[oai(name = "userId")] user_id: Path<Uuid>,
        params: ListQuery,
    ) -> UmamiResult<Json<Paged<TeamView>>> {
        let actor = caller(&state, &auth).await?;
        let user = UserId(user_id.0);
        teams_page(&state, &actor, user, &params).await
    }
}
