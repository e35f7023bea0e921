use poem::web::{Data, RemoteAddr};
use poem_openapi::OpenApi;
use poem_openapi::param::Path;
use roster_app::TeamChanges;
use roster_domain::{Error, TeamId, TeamOrder, UserId, WebsiteOrder};
use uuid::Uuid;

use super::types::{
    AddTeamUserBody, CreateTeamBody, CreatedTeamPart, Done, JoinTeamBody, Paged, TeamUserView,
    TeamView, UpdateTeamBody, UpdateTeamUserBody, WebsiteView,
};
use super::{ListQuery, Tag, UmamiResult, coded, teams_page};
use crate::AppState;
use crate::auth::{Caller, client_ip};
use crate::body::JsonRequest;
use crate::reply::JsonReply;

pub(crate) struct TeamsApi;

#[OpenApi]
impl TeamsApi {
    /// Create a team owned by the caller; answers `[team, ownerMembership]`.
    #[oai(
        path = "/teams",
        method = "post",
        tag = "Tag::Teams",
        operation_id = "createTeam"
    )]
    async fn create(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        JsonRequest(body): JsonRequest<CreateTeamBody>,
    ) -> UmamiResult<JsonReply<Vec<CreatedTeamPart>>> {
        let owner = body.owner_id.map(UserId);
        let (team, owner) = state
            .roster
            .teams()
            .create(&actor, &body.name, owner)
            .await?;
        Ok(JsonReply(vec![
            CreatedTeamPart::Team(team.into()),
            CreatedTeamPart::Member(TeamUserView::bare(owner)),
        ]))
    }

    /// Every team (admins). Query: `page`, `pageSize`, `query`, `orderBy` (`name`,
    /// `createdAt`), `sortDescending`.
    #[oai(
        path = "/admin/teams",
        method = "get",
        tag = "Tag::Teams",
        operation_id = "getAdminTeams"
    )]
    async fn all(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        params: ListQuery,
    ) -> UmamiResult<JsonReply<Paged<TeamView>>> {
        let listing = params.listing::<TeamOrder>()?;
        let page = state.roster.teams().page(&actor, &listing.request).await?;
        Ok(JsonReply(Paged::new(page, listing)))
    }

    /// The caller's teams. Query: `page`, `pageSize`, `query`, `orderBy` (`name`,
    /// `createdAt`), `sortDescending`.
    #[oai(
        path = "/teams",
        method = "get",
        tag = "Tag::Teams",
        operation_id = "getTeams"
    )]
    async fn mine(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        params: ListQuery,
    ) -> UmamiResult<JsonReply<Paged<TeamView>>> {
        teams_page(&state, &actor, actor.id, &params).await
    }

    /// Join a team by its access code, as a member; answers the membership.
    #[oai(
        path = "/teams/join",
        method = "post",
        tag = "Tag::Teams",
        operation_id = "joinTeam"
    )]
    async fn join(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        remote: &RemoteAddr,
        JsonRequest(body): JsonRequest<JoinTeamBody>,
    ) -> UmamiResult<JsonReply<TeamUserView>> {
        let client = client_ip(remote);
        let member = state
            .roster
            .teams()
            .join(&actor, &body.access_code, client.as_deref())
            .await
            .map_err(|err| {
                let unknown = |err: &Error| matches!(err, Error::NotFound(_));
                coded(err, unknown, "team-not-found")
            })?;
        Ok(JsonReply(TeamUserView::bare(member)))
    }

    /// One team with its members (members and admins).
    #[oai(
        path = "/teams/:teamId",
        method = "get",
        tag = "Tag::Teams",
        operation_id = "getTeam"
    )]
    async fn get(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "teamId")] id: Path<Uuid>,
    ) -> UmamiResult<JsonReply<TeamView>> {
        let team = state.roster.teams().get(&actor, TeamId(id.0)).await?;
        Ok(JsonReply(team.into()))
    }

    /// Rename a team, or set its logo or access code (owners, managers, admins).
    #[oai(
        path = "/teams/:teamId",
        method = "post",
        tag = "Tag::Teams",
        operation_id = "updateTeam"
    )]
    async fn update(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "teamId")] id: Path<Uuid>,
        JsonRequest(body): JsonRequest<UpdateTeamBody>,
    ) -> UmamiResult<JsonReply<TeamView>> {
        let changes = TeamChanges {
            name: body.name,
            logo_url: body.logo_url.map(Some),
            access_code: body.access_code,
        };
        let team = state
            .roster
            .teams()
            .update(&actor, TeamId(id.0), changes)
            .await?;
        Ok(JsonReply(team.into()))
    }

    /// Delete a team (its owner, admins); its websites are deleted with it.
    #[oai(
        path = "/teams/:teamId",
        method = "delete",
        tag = "Tag::Teams",
        operation_id = "deleteTeam"
    )]
    async fn delete(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "teamId")] id: Path<Uuid>,
    ) -> UmamiResult<JsonReply<Done>> {
        state.roster.teams().delete(&actor, TeamId(id.0)).await?;
        Ok(JsonReply(Done::new()))
    }

    /// A team's members (members and admins). Query: `page`, `pageSize`, `query`
    /// (usernames), `orderBy` (`name`, `createdAt`), `sortDescending`.
    #[oai(
        path = "/teams/:teamId/users",
        method = "get",
        tag = "Tag::Teams",
        operation_id = "getTeamUsers"
    )]
    async fn members(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "teamId")] id: Path<Uuid>,
        params: ListQuery,
    ) -> UmamiResult<JsonReply<Paged<TeamUserView>>> {
        let listing = params.listing::<TeamOrder>()?;
        let page = state
            .roster
            .teams()
            .members(&actor, TeamId(id.0), &listing.request)
            .await?;
        Ok(JsonReply(Paged::new(page, listing)))
    }

    /// Add a user to a team (owners, managers, admins).
    #[oai(
        path = "/teams/:teamId/users",
        method = "post",
        tag = "Tag::Teams",
        operation_id = "createTeamUser"
    )]
    async fn add_member(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "teamId")] id: Path<Uuid>,
        JsonRequest(body): JsonRequest<AddTeamUserBody>,
    ) -> UmamiResult<JsonReply<TeamUserView>> {
        let member = state
            .roster
            .teams()
            .add_member(&actor, TeamId(id.0), UserId(body.user_id), body.role.into())
            .await?;
        Ok(JsonReply(TeamUserView::bare(member)))
    }

    /// One member of a team (members and admins).
    #[oai(
        path = "/teams/:teamId/users/:userId",
        method = "get",
        tag = "Tag::Teams",
        operation_id = "getTeamUser"
    )]
    async fn member(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "teamId")] id: Path<Uuid>,
        #[oai(name = "userId")] user: Path<Uuid>,
    ) -> UmamiResult<JsonReply<TeamUserView>> {
        let member = state
            .roster
            .teams()
            .member(&actor, TeamId(id.0), UserId(user.0))
            .await?;
        Ok(JsonReply(member.into()))
    }

    /// Change a member's team role (owners, managers, admins).
    #[oai(
        path = "/teams/:teamId/users/:userId",
        method = "post",
        tag = "Tag::Teams",
        operation_id = "updateTeamUser"
    )]
    async fn set_role(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "teamId")] id: Path<Uuid>,
        #[oai(name = "userId")] user: Path<Uuid>,
        JsonRequest(body): JsonRequest<UpdateTeamUserBody>,
    ) -> UmamiResult<JsonReply<TeamUserView>> {
        let member = state
            .roster
            .teams()
            .set_member_role(&actor, TeamId(id.0), UserId(user.0), body.role.into())
            .await?;
        Ok(JsonReply(TeamUserView::bare(member)))
    }

    /// Remove a member (owners, managers, admins), or leave a team.
    #[oai(
        path = "/teams/:teamId/users/:userId",
        method = "delete",
        tag = "Tag::Teams",
        operation_id = "deleteTeamUser"
    )]
    async fn remove_member(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "teamId")] id: Path<Uuid>,
        #[oai(name = "userId")] user: Path<Uuid>,
    ) -> UmamiResult<JsonReply<Done>> {
        state
            .roster
            .teams()
            .remove_member(&actor, TeamId(id.0), UserId(user.0))
            .await?;
        Ok(JsonReply(Done::new()))
    }

    /// A team's websites (members and admins). Query: `page`, `pageSize`, `query`,
    /// `orderBy` (`name`, `domain`, `createdAt`), `sortDescending`.
    #[oai(
        path = "/teams/:teamId/websites",
        method = "get",
        tag = "Tag::Teams",
        operation_id = "getTeamWebsites"
    )]
    async fn websites(
        &self,
        Caller(actor): Caller,
        state: Data<&AppState>,
        #[oai(name = "teamId")] id: Path<Uuid>,
        params: ListQuery,
    ) -> UmamiResult<JsonReply<Paged<WebsiteView>>> {
        let listing = params.listing::<WebsiteOrder>()?;
        let page = state
            .roster
            .websites()
            .of_team(&actor, TeamId(id.0), &listing.request)
            .await?;
        Ok(JsonReply(Paged::new(page, listing)))
    }
}
