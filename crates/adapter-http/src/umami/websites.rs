use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use roster_app::{NewWebsite, WebsiteChanges};
use roster_domain::{Error, Owner, TeamId, UserId, WebsiteId, WebsiteOrder};
use uuid::Uuid;

use super::types::{
    CreateWebsiteBody, Done, Paged, TransferWebsiteBody, UpdateWebsiteBody, WebsiteView,
};
use super::{ListQuery, Tag, UmamiResult, websites_page};
use crate::AppState;
use crate::auth::Caller;
use crate::body::JsonRequest;
use crate::reply::JsonReply;

pub(crate) struct WebsitesApi;

#[OpenApi]
impl WebsitesApi {
    /// Create a website for the caller or, with `teamId`, for a team the caller manages.
    #[oai(
        path = "/websites",
        method = "post",
        tag = "Tag::Websites",
        operation_id = "createWebsite"
    )]
    async fn create(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        JsonRequest(body): JsonRequest<CreateWebsiteBody>,
    ) -> UmamiResult<JsonReply<WebsiteView>> {
        let team = body.team_id.map(TeamId);
        let input = NewWebsite {
            id: body.id.map(WebsiteId),
            name: body.name,
            domain: body.domain,
            share_id: body.share_id,
            team,
        };
        let websites = state.roster.websites();
        let created = websites.create(&actor, input).await?;
        Ok(JsonReply(websites.get(&actor, created.id).await?.into()))
    }

    /// The caller's websites. Query: `page`, `pageSize`, `query`, `orderBy` (`name`,
    /// `domain`, `createdAt`), `sortDescending`, `includeTeams`.
    #[oai(
        path = "/websites",
        method = "get",
        tag = "Tag::Websites",
        operation_id = "listWebsites"
    )]
    async fn mine(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        params: ListQuery,
    ) -> UmamiResult<JsonReply<Paged<WebsiteView>>> {
        websites_page(&state, &actor, actor.id, &params).await
    }

    /// Every website (admins). Query: `page`, `pageSize`, `query`, `orderBy` (`name`,
    /// `domain`, `createdAt`), `sortDescending`.
    #[oai(
        path = "/admin/websites",
        method = "get",
        tag = "Tag::Websites",
        operation_id = "getAdminWebsites"
    )]
    async fn all(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        params: ListQuery,
    ) -> UmamiResult<JsonReply<Paged<WebsiteView>>> {
        let listing = params.listing::<WebsiteOrder>()?;
        let page = state
            .roster
            .websites()
            .page(&actor, &listing.request)
            .await?;
        Ok(JsonReply(Paged::new(page, listing)))
    }

    /// One website (its owner, its team's members, admins).
    #[oai(
        path = "/websites/:websiteId",
        method = "get",
        tag = "Tag::Websites",
        operation_id = "getWebsite"
    )]
    async fn get(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "websiteId")] id: Path<Uuid>,
    ) -> UmamiResult<JsonReply<WebsiteView>> {
        let site = state.roster.websites().get(&actor, WebsiteId(id.0)).await?;
        Ok(JsonReply(site.into()))
    }

    /// Change a website's name, domain or shareId (its owner, its team's members but
    /// team-view-only, admins).
    #[oai(
        path = "/websites/:websiteId",
        method = "post",
        tag = "Tag::Websites",
        operation_id = "updateWebsite"
    )]
    async fn update(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "websiteId")] id: Path<Uuid>,
        JsonRequest(body): JsonRequest<UpdateWebsiteBody>,
    ) -> UmamiResult<JsonReply<WebsiteView>> {
        let changes = WebsiteChanges {
            name: body.name,
            domain: body.domain,
            share_id: body.share_id,
        };
        let site = state
            .roster
            .websites()
            .update(&actor, WebsiteId(id.0), changes)
            .await?;
        Ok(JsonReply(site.into()))
    }

    /// Delete a website (as for changing it).
    #[oai(
        path = "/websites/:websiteId",
        method = "delete",
        tag = "Tag::Websites",
        operation_id = "deleteWebsite"
    )]
    async fn delete(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "websiteId")] id: Path<Uuid>,
    ) -> UmamiResult<JsonReply<Done>> {
        state
            .roster
            .websites()
            .delete(&actor, WebsiteId(id.0))
            .await?;
        Ok(JsonReply(Done::new()))
    }

    /// Reset a website's data (as for changing it); Roster keeps no statistics, so this
    /// sets its `resetAt`.
    #[oai(
        path = "/websites/:websiteId/reset",
        method = "post",
        tag = "Tag::Websites",
        operation_id = "resetWebsite"
    )]
    async fn reset(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "websiteId")] id: Path<Uuid>,
    ) -> UmamiResult<JsonReply<Done>> {
        state
            .roster
            .websites()
            .reset(&actor, WebsiteId(id.0))
            .await?;
        Ok(JsonReply(Done::new()))
    }

    /// Give a website to a user (`userId`, which wins when both are sent) or to a team
    /// (`teamId`): admins; a team's owner taking a team website for themselves; a website's
    /// owner giving it to a team they own or manage.
    #[oai(
        path = "/websites/:websiteId/transfer",
        method = "post",
        tag = "Tag::Websites",
        operation_id = "transferWebsite"
    )]
    async fn transfer(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "websiteId")] id: Path<Uuid>,
        JsonRequest(body): JsonRequest<TransferWebsiteBody>,
    ) -> UmamiResult<JsonReply<WebsiteView>> {
        let to = match (body.user_id, body.team_id) {
            (Some(user), _) => Owner::User(UserId(user)),
            (None, Some(team)) => Owner::Team(TeamId(team)),
            (None, None) => {
                return Err(Error::Invalid("send userId or teamId".into()).into());
            }
        };
        let site = state
            .roster
            .websites()
            .transfer(&actor, WebsiteId(id.0), to)
            .await?;
        Ok(JsonReply(site.into()))
    }
}
