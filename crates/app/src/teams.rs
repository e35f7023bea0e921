use roster_domain::ports::Random;
use roster_domain::{
    Error, NamedMember, Page, PageRequest, Principal, Result, Role, Team, TeamDetails, TeamId,
    TeamMember, TeamOrder, TeamRole, UserId, UserKey, random_uuid,
};

use crate::guesses::{self, GuessKeys};
use crate::limits::{ACCESS_CODE, LOGO_URL, MIN_ACCESS_CODE, TEAM_NAME};
use crate::policy::{require_admin, require_editor, require_self_or_admin};
use crate::token::random_hex;
use crate::validate::{text_field, web_url};
use crate::{Ports, ThrottleConfig};

/// A change to a team; `None` leaves a field alone. A new access code shuts out everyone
/// holding the old one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TeamChanges {
    /// A new name.
    pub name: Option<String>,
    /// A new logo address, or `Some(None)` to remove it.
    pub logo_url: Option<Option<String>>,
    /// A new access code.
    pub access_code: Option<String>,
}

/// Teams and their members, with Umami's team rules: members see a team, owners and
/// managers change it and its membership, owners delete it, admins do everything.
#[derive(Clone)]
pub struct TeamService {
    ports: Ports,
    throttle: ThrottleConfig,
}

impl TeamService {
    pub(crate) fn new(ports: Ports, throttle: ThrottleConfig) -> Self {
        Self { ports, throttle }
    }

    /// Creates a team owned by the caller, or by `owner` when an admin names one; returns it
    /// with the owner's membership as stored, since a later read might already find them
    /// gone.
    ///
    /// # Errors
    /// [`Error::Forbidden`] for view-only users and for a non-admin naming another owner,
    /// [`Error::Invalid`] for a bad name or a view-only owner, [`Error::NotFound`] if the
    /// owner does not exist
    /// (or was deleted meanwhile), and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "teams.create", skip_all, fields(actor = %actor.id)
    )]
    pub async fn create(
        &self,
        actor: &Principal,
        name: &str,
        owner: Option<UserId>,
    ) -> Result<(Team, TeamMember)> {
        require_editor(actor)?;
        let owner_id = owner.unwrap_or(actor.id);
        if owner_id != actor.id {
            require_admin(actor)?;
            require_may_own(&self.ports, owner_id, "team").await?;
        }
        let now = self.ports.clock.now();
        let team = Team {
            id: TeamId::random(&*self.ports.random)?,
            name: text_field("name", name, TEAM_NAME)?,
            access_code: access_code(&*self.ports.random)?,
            logo_url: None,
            created_at: now,
            updated_at: now,
        };
        let owner = TeamMember {
            id: random_uuid(&*self.ports.random)?,
            team_id: team.id,
            user_id: owner_id,
            role: TeamRole::Owner,
            created_at: now,
            updated_at: now,
        };
        let team = self.ports.teams.create(team, owner.clone()).await?;
        Ok((team, owner))
    }

    /// A team with its members, to its members and admins.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Forbidden`] for non-members, and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "teams.get", skip_all, fields(actor = %actor.id)
    )]
    pub async fn get(&self, actor: &Principal, id: TeamId) -> Result<TeamDetails> {
        let details = self.find(id).await?;
        let is_member = details.members.iter().any(|m| m.member.user_id == actor.id);
        if !(is_member || actor.role.is_admin()) {
            return Err(Error::Forbidden("only members may see a team".into()));
        }
        Ok(details)
    }

    /// Renames a team, sets its logo or its access code (owners, managers, admins).
    ///
    /// # Errors
    /// [`Error::Invalid`] for a bad change, [`Error::NotFound`],
    /// [`Error::Forbidden`], and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "teams.update", skip_all, fields(actor = %actor.id)
    )]
    pub async fn update(
        &self,
        actor: &Principal,
        id: TeamId,
        changes: TeamChanges,
    ) -> Result<Team> {
        let mut team = self.find(id).await?.team;
        self.require_manager(actor, id).await?;
        if changes == TeamChanges::default() {
            return Ok(team);
        }
        if let Some(name) = &changes.name {
            team.name = text_field("name", name, TEAM_NAME)?;
        }
        if let Some(logo) = changes.logo_url {
            team.logo_url = logo
                .map(|url| web_url("logoUrl", &url, LOGO_URL))
                .transpose()?;
        }
        if let Some(code) = &changes.access_code {
            let code = text_field("accessCode", code, ACCESS_CODE)?;
            if code.chars().count() < MIN_ACCESS_CODE {
                return Err(Error::Invalid(format!(
                    "accessCode must be at least {MIN_ACCESS_CODE} characters"
                )));
            }
            team.access_code = code;
        }
        team.updated_at = self.ports.clock.now();
        self.ports.teams.update(&team).await?;
        Ok(team)
    }

    /// Deletes a team (its owners and admins): memberships go, websites are soft-deleted.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Forbidden`], and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "teams.delete", skip_all, fields(actor = %actor.id)
    )]
    pub async fn delete(&self, actor: &Principal, id: TeamId) -> Result<()> {
        self.find(id).await?;
        require_editor(actor)?;
        if !actor.role.is_admin() {
            let role = team_role(&self.ports, id, actor.id).await?;
            if role != Some(TeamRole::Owner) {
                return Err(Error::Forbidden(
                    "only the team's owner may delete it".into(),
                ));
            }
        }
        self.ports.teams.delete(id, self.ports.clock.now()).await
    }

    /// Joins the team whose access code is `code`, as a member (a view-only user, as a
    /// view-only member); returns the membership. Wrong codes are throttled per caller and
    /// per `client` address, like logins.
    ///
    /// # Errors
    /// [`Error::Throttled`] after too many wrong codes, [`Error::NotFound`] for an unknown code, [`Error::Conflict`] for a member
    /// already, and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "teams.join", skip_all, fields(actor = %actor.id)
    )]
    pub async fn join(
        &self,
        actor: &Principal,
        code: &str,
        client: Option<&str>,
    ) -> Result<TeamMember> {
        let code = text_field("accessCode", code, ACCESS_CODE)?;
        let keys = GuessKeys::access_code(actor.id, client);
        guesses::count(&self.ports, self.throttle, &keys).await?;
        let team = self
            .ports
            .teams
            .find_by_access_code(&code)
            .await?
            .ok_or_else(|| Error::NotFound("no team has this access code".into()))?;
        guesses::forgive(&self.ports, &keys).await?;
        // Umami makes everyone who joins a member; one who may change nothing anywhere
        // should not gain the right to change a team's websites by joining it.
        let role = if actor.role != Role::ViewOnly {
            TeamRole::Member
        } else {
            TeamRole::ViewOnly
        };
        self.add(team.id, actor.id, role).await
    }

    /// One page of a team's members (members and admins).
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Forbidden`], and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "teams.members", skip_all, fields(actor = %actor.id)
    )]
    pub async fn members(
        &self,
        actor: &Principal,
        id: TeamId,
        page: &PageRequest<TeamOrder>,
    ) -> Result<Page<NamedMember>> {
        self.get(actor, id).await?;
        self.ports.teams.members(id, page).await
    }

    /// One member of a team: to the team's owners and managers and admins, as in Umami, and
    /// to that member.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown team or a non-member, [`Error::Forbidden`], and the
    /// store's errors.
    #[tracing::instrument(
        level = "debug", name = "teams.member", skip_all, fields(actor = %actor.id)
    )]
    pub async fn member(&self, actor: &Principal, id: TeamId, user: UserId) -> Result<NamedMember> {
        let details = self.get(actor, id).await?;
        if user != actor.id {
            require_team_manager(&self.ports, actor, id).await?;
        }
        details
            .members
            .into_iter()
            .find(|m| m.member.user_id == user)
            .ok_or_else(|| Error::NotFound("that user is not a member of this team".into()))
    }

    /// Adds a user to a team with `role` (owners, managers, admins).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown team or user, [`Error::Forbidden`],
    /// [`Error::Conflict`] for a member already, and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "teams.add_member", skip_all, fields(actor = %actor.id)
    )]
    pub async fn add_member(
        &self,
        actor: &Principal,
        id: TeamId,
        user: UserId,
        role: TeamRole,
    ) -> Result<TeamMember> {
        let details = self.find(id).await?;
        self.require_manager(actor, id).await?;
        require_owner_for(actor, &details, None, Some(role))?;
        if self.ports.users.find(&UserKey::Id(user)).await?.is_none() {
            return Err(Error::NotFound(format!("user not found: id {user}")));
        }
        self.add(id, user, role).await
    }

    /// Changes a member's role (owners, managers, admins; only owners and admins touch the
    /// owner role, and a team keeps at least one owner).
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Forbidden`], and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "teams.set_member_role", skip_all, fields(actor = %actor.id)
    )]
    pub async fn set_member_role(
        &self,
        actor: &Principal,
        id: TeamId,
        user: UserId,
        role: TeamRole,
    ) -> Result<TeamMember> {
        let details = self.find(id).await?;
        self.require_manager(actor, id).await?;
        require_owner_for(actor, &details, Some(user), Some(role))?;
        let now = self.ports.clock.now();
        self.ports.teams.set_member_role(id, user, role, now).await
    }

    /// Removes a member (owners, managers, admins), or lets anyone leave, as in Umami.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Forbidden`], and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "teams.remove_member", skip_all, fields(actor = %actor.id)
    )]
    pub async fn remove_member(&self, actor: &Principal, id: TeamId, user: UserId) -> Result<()> {
        let details = self.find(id).await?;
        if user != actor.id {
            self.require_manager(actor, id).await?;
        }
        require_owner_for(actor, &details, Some(user), None)?;
        self.ports.teams.remove_member(id, user).await
    }

    /// One page of the teams of `user` (that user, or an admin).
    ///
    /// # Errors
    /// [`Error::Forbidden`], and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "teams.teams_of", skip_all, fields(actor = %actor.id)
    )]
    pub async fn teams_of(
        &self,
        actor: &Principal,
        user: UserId,
        page: &PageRequest<TeamOrder>,
    ) -> Result<Page<TeamDetails>> {
        require_self_or_admin(actor, &UserKey::Id(user))?;
        self.ports.teams.teams_of(user, page).await
    }

    /// One page of every team (admins only).
    ///
    /// # Errors
    /// [`Error::Forbidden`] for non-admins, and the store's errors.
    #[tracing::instrument(level = "debug", name = "teams.page", skip_all, fields(actor = %actor.id))]
    pub async fn page(
        &self,
        actor: &Principal,
        page: &PageRequest<TeamOrder>,
    ) -> Result<Page<TeamDetails>> {
        require_admin(actor)?;
        self.ports.teams.page(page).await
    }

    async fn find(&self, id: TeamId) -> Result<TeamDetails> {
        self.ports
            .teams
            .find(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("team not found: {id}")))
    }

    async fn require_manager(&self, actor: &Principal, team: TeamId) -> Result<()> {
        require_editor(actor)?;
        require_team_manager(&self.ports, actor, team).await
    }

    async fn add(&self, team: TeamId, user: UserId, role: TeamRole) -> Result<TeamMember> {
        let now = self.ports.clock.now();
        let member = TeamMember {
            id: random_uuid(&*self.ports.random)?,
            team_id: team,
            user_id: user,
            role,
            created_at: now,
            updated_at: now,
        };
        self.ports.teams.add_member(member.clone()).await?;
        Ok(member)
    }
}

/// Only owners and admins make owners or change or remove one: otherwise a manager could
/// promote themselves and delete the team. `target` is the member being changed (if any),
/// `new_role` what they become (`None`: removed). That the last owner stays is the store's
/// to enforce, since only it sees concurrent changes.
fn require_owner_for(
    actor: &Principal,
    details: &TeamDetails,
    target: Option<UserId>,
    new_role: Option<TeamRole>,
) -> Result<()> {
    let role_of = |user: UserId| {
        details
            .members
            .iter()
            .find(|m| m.member.user_id == user)
            .map(|m| m.member.role)
    };
    let target_is_owner = target.and_then(role_of) == Some(TeamRole::Owner);
    let touches_owner = target_is_owner || new_role == Some(TeamRole::Owner);
    if touches_owner && !actor.role.is_admin() && role_of(actor.id) != Some(TeamRole::Owner) {
        return Err(Error::Forbidden(
            "only the team's owners may make or change an owner".into(),
        ));
    }
    Ok(())
}

/// `user`'s role in `team`, if a member.
pub(crate) async fn team_role(
    ports: &Ports,
    team: TeamId,
    user: UserId,
) -> Result<Option<TeamRole>> {
    Ok(ports.teams.membership(team, user).await?.map(|m| m.role))
}

/// Admins, and the team's owners and managers, pass.
pub(crate) async fn require_team_manager(
    ports: &Ports,
    actor: &Principal,
    team: TeamId,
) -> Result<()> {
    require_team_role(ports, actor, team, TeamRole::manages, "owners and managers").await
}

/// Admins, and the team's members but the view-only ones, pass: Umami's `website:create`,
/// `website:update` and `website:delete` rights.
pub(crate) async fn require_team_editor(
    ports: &Ports,
    actor: &Principal,
    team: TeamId,
) -> Result<()> {
    let who = "members who are not view-only";
    require_team_role(ports, actor, team, TeamRole::edits_websites, who).await
}

/// Admins, and members of `team` whose role passes `allowed` (described as `who`), pass.
async fn require_team_role(
    ports: &Ports,
    actor: &Principal,
    team: TeamId,
    allowed: fn(TeamRole) -> bool,
    who: &str,
) -> Result<()> {
    if actor.role.is_admin() || team_role(ports, team, actor.id).await?.is_some_and(allowed) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "only the team's {who} may do this"
        )))
    }
}

/// A user who is to own a team or a website: one who exists and may change things.
///
/// # Errors
/// [`Error::NotFound`] for an unknown user, [`Error::Invalid`] for a view-only one, and
/// the store's errors.
pub(crate) async fn require_may_own(ports: &Ports, user: UserId, what: &str) -> Result<()> {
    match ports.users.find(&UserKey::Id(user)).await? {
        None => Err(Error::NotFound(format!("user not found: id {user}"))),
        Some(owner) if owner.role == Role::ViewOnly => Err(Error::Invalid(format!(
            "a view-only user may not own a {what}"
        ))),
        Some(_) => Ok(()),
    }
}

/// A code to join a team by: 64 random bits.
fn access_code(random: &dyn Random) -> Result<String> {
    Ok(format!("team_{}", random_hex::<8>(random)?))
}

#[cfg(test)]
#[path = "teams_tests.rs"]
mod tests;
