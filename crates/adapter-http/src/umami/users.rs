use poem::web::Data;
use poem_openapi::param::Path;
use std::borrow::Cow;

use futures_util::TryStreamExt;
use poem_openapi::OpenApi;
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use roster_app::{CreateUser, Roster, UpdateUser};
use roster_domain::{Page, Principal, Result, Role, User, UserId, UserKey, UserOrder};
use uuid::Uuid;

use super::types::{
    CreateUserBody, CreatedUser, Done, Paged, TeamView, UpdateUserBody, UserView, WebsiteView,
};
use super::{ListQuery, Tag, UmamiResult, teams_page, websites_page};
use crate::AppState;
use crate::auth::Caller;
use crate::body::JsonRequest;
use crate::reply::JsonReply;
use crate::stream::{JsonStream, batches};

pub(crate) struct UsersApi;

/// `users` as the admin list shows them, each with the count of websites they own.
async fn counted(roster: &Roster, actor: &Principal, users: Vec<User>) -> Result<Vec<UserView>> {
    let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
    let websites = roster.websites().counts_by_owner(actor, &ids).await?;
    Ok(users
        .into_iter()
        .map(|u| UserView::counted(u, &websites))
        .collect())
}

/// The documented body of the admin list: every user when no paging parameter is sent,
/// one page of users otherwise. It only documents; the bodies are written as a stream of
/// [`UserView`]s or as a [`Paged`]. Written by hand because poem-openapi's unions declare
/// `type: object`, which an array breaks.
struct UserList;

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
    #[oai(
        path = "/users",
        method = "post",
        tag = "Tag::Users",
        operation_id = "createUser"
    )]
    async fn create(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        JsonRequest(body): JsonRequest<CreateUserBody>,
    ) -> UmamiResult<JsonReply<CreatedUser>> {
        let input = CreateUser {
            id: body.id.map(UserId),
            role: body.role.map(Role::from),
            username: body.username,
            password: body.password,
            ..CreateUser::default()
        };
        let user = state.roster.users().create(&actor, input).await?;
        Ok(JsonReply(CreatedUser {
            id: user.id.0,
            username: user.username.to_string(),
            role: user.role.into(),
        }))
    }

    /// Every user (admins). Query: `page`, `pageSize`, `query`, `orderBy` (`username`,
    /// `createdAt`), `sortDescending`; with any of them the answer is one page.
    #[oai(
        path = "/admin/users",
        method = "get",
        tag = "Tag::Users",
        operation_id = "getAdminUsers"
    )]
    async fn list(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        params: ListQuery,
    ) -> UmamiResult<JsonStream<UserList>> {
        // Checked even for the bare array, so that no parameter is silently ignored.
        let listing = params.listing::<UserOrder>()?;
        if !params.is_paged() {
            let roster = state.roster.clone();
            let views = batches(roster.users().list(&actor)?)
                .await?
                .and_then(move |batch| {
                    let (roster, actor) = (roster.clone(), actor.clone());
                    async move { counted(&roster, &actor, batch).await }
                });
            return Ok(JsonStream::array("[", views, "]"));
        }
        let page = state.roster.users().page(&actor, &listing.request).await?;
        let views = counted(&state.roster, &actor, page.items).await?;
        let page = Page::of(views, page.count, &listing.request);
        Ok(JsonStream::whole(&Paged::<UserView>::new(page, listing)))
    }

    /// One user (admins, or the user).
    #[oai(
        path = "/users/:userId",
        method = "get",
        tag = "Tag::Users",
        operation_id = "getUser"
    )]
    async fn get(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "userId")] user_id: Path<Uuid>,
    ) -> UmamiResult<JsonReply<UserView>> {
        let user = state
            .roster
            .users()
            .get(&actor, &UserKey::Id(UserId(user_id.0)))
            .await?;
        Ok(JsonReply(user.into()))
    }

    /// Change a user (admins); a user may change only their own password.
    #[oai(
        path = "/users/:userId",
        method = "post",
        tag = "Tag::Users",
        operation_id = "updateUser"
    )]
    async fn update(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "userId")] user_id: Path<Uuid>,
        JsonRequest(body): JsonRequest<UpdateUserBody>,
    ) -> UmamiResult<JsonReply<UserView>> {
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
        Ok(JsonReply(user.into()))
    }

    /// Delete a user (admins; not oneself, not the last admin).
    #[oai(
        path = "/users/:userId",
        method = "delete",
        tag = "Tag::Users",
        operation_id = "deleteUser"
    )]
    async fn delete(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "userId")] user_id: Path<Uuid>,
    ) -> UmamiResult<JsonReply<Done>> {
        state
            .roster
            .users()
            .delete(&actor, &UserKey::Id(UserId(user_id.0)))
            .await?;
        Ok(JsonReply(Done::new()))
    }

    /// A user's websites (admins, or the user). Query: `page`, `pageSize`, `query`,
    /// `orderBy` (`name`, `domain`, `createdAt`), `sortDescending`, `includeTeams`.
    #[oai(
        path = "/users/:userId/websites",
        method = "get",
        tag = "Tag::Users",
        operation_id = "getUserWebsites"
    )]
    async fn websites(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "userId")] user_id: Path<Uuid>,
        params: ListQuery,
    ) -> UmamiResult<JsonReply<Paged<WebsiteView>>> {
        let user = UserId(user_id.0);
        websites_page(&state, &actor, user, &params).await
    }

    /// A user's teams (admins, or the user), each with `_count` and `teamUser`. Query:
    /// `page`, `pageSize`, `query`, `orderBy` (`name`, `createdAt`), `sortDescending`.
    #[oai(
        path = "/users/:userId/teams",
        method = "get",
        tag = "Tag::Users",
        operation_id = "getUserTeams"
    )]
    async fn teams(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "userId")] user_id: Path<Uuid>,
        params: ListQuery,
    ) -> UmamiResult<JsonReply<Paged<TeamView>>> {
        let user = UserId(user_id.0);
        teams_page(&state, &actor, user, &params).await
    }
}
