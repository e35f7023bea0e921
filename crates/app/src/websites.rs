use std::collections::HashMap;

use roster_domain::ports::WebsiteScope;
use roster_domain::{
    Error, Owner, Page, PageRequest, Principal, Result, TeamId, TeamRole, UserId, UserKey, Website,
    WebsiteDetails, WebsiteId, WebsiteOrder, WebsitePatch,
};

use crate::Ports;
use crate::limits::{DOMAIN, SHARE_ID, WEBSITE_NAME};
use crate::policy::{require_admin, require_editor, require_self_or_admin};
use crate::teams::{require_may_own, require_team_editor, team_role};
use crate::users::chosen_or_new;
use crate::validate::{host_name, text_field};

/// A website to create: for the caller, or for one of the caller's teams.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewWebsite {
    /// An id the client chose; a new one when absent.
    pub id: Option<WebsiteId>,
    /// The display name.
    pub name: String,
    /// The domain the website is served at.
    pub domain: String,
    /// An id for sharing its statistics publicly, if any.
    pub share_id: Option<String>,
    /// The team to own it; the caller when absent.
    pub team: Option<TeamId>,
}

/// A change to a website; `None` leaves a field alone, `Some(None)` clears the share id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebsiteChanges {
    /// A new name.
    pub name: Option<String>,
    /// A new domain.
    pub domain: Option<String>,
    /// A new share id, or `Some(None)` to remove it.
    pub share_id: Option<Option<String>>,
}

/// Websites: their owner (a user, or a team's members but the view-only ones) and admins
/// manage them; every member of a team sees its websites.
#[derive(Clone)]
pub struct WebsiteService {
    ports: Ports,
}

impl WebsiteService {
    pub(crate) fn new(ports: Ports) -> Self {
        Self { ports }
    }

    /// Creates a website owned by the caller or, with `team`, by that team.
    ///
    /// # Errors
    /// [`Error::Forbidden`] for view-only users or a team the caller does not manage,
    /// [`Error::NotFound`] for an unknown team, [`Error::Invalid`] for bad fields, and the
    /// store's errors.
    #[tracing::instrument(
        level = "debug", name = "websites.create", skip_all, fields(actor = %actor.id)
    )]
    pub async fn create(&self, actor: &Principal, input: NewWebsite) -> Result<Website> {
        require_editor(actor)?;
        let owner = match input.team {
            Some(team) => {
                if self.ports.teams.find(team).await?.is_none() {
                    return Err(Error::NotFound(format!("team not found: {team}")));
                }
                require_team_editor(&self.ports, actor, team).await?;
                Owner::Team(team)
            }
            None => Owner::User(actor.id),
        };
        let now = self.ports.clock.now();
        let website = Website {
            id: WebsiteId(chosen_or_new(input.id.map(|id| id.0), &*self.ports.random)?),
            name: text_field("name", &input.name, WEBSITE_NAME)?,
            domain: host_name("domain", &input.domain, DOMAIN)?,
            share_id: input
                .share_id
                .map(|s| text_field("shareId", &s, SHARE_ID))
                .transpose()?,
            reset_at: None,
            owner,
            created_by: actor.id,
            created_at: now,
            updated_at: now,
            deleted_at: None,
        };
        self.ports.websites.create(website).await
    }

    /// A website, to whoever may see it.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Forbidden`], and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "websites.get", skip_all, fields(actor = %actor.id)
    )]
    pub async fn get(&self, actor: &Principal, id: WebsiteId) -> Result<WebsiteDetails> {
        let details = self.find(id).await?;
        let allowed = actor.role.is_admin()
            || match details.website.owner {
                Owner::User(owner) => owner == actor.id,
                Owner::Team(team) => team_role(&self.ports, team, actor.id).await?.is_some(),
            };
        if !allowed {
            return Err(Error::Forbidden("you may not see this website".into()));
        }
        Ok(details)
    }

    /// Changes a website's name, domain or share id.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a bad change, [`Error::NotFound`],
    /// [`Error::Forbidden`], and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "websites.update", skip_all, fields(actor = %actor.id)
    )]
    pub async fn update(
        &self,
        actor: &Principal,
        id: WebsiteId,
        changes: WebsiteChanges,
    ) -> Result<WebsiteDetails> {
        let mut details = self.find(id).await?;
        self.require_manager(actor, &details.website).await?;
        if changes == WebsiteChanges::default() {
            return Ok(details);
        }
        let patch = WebsitePatch {
            name: changes
                .name
                .map(|name| text_field("name", &name, WEBSITE_NAME))
                .transpose()?,
            domain: changes
                .domain
                .map(|domain| host_name("domain", &domain, DOMAIN))
                .transpose()?,
            share_id: changes
                .share_id
                .map(|share_id| {
                    share_id
                        .map(|s| text_field("shareId", &s, SHARE_ID))
                        .transpose()
                })
                .transpose()?,
            reset_at: None,
        };
        let now = self.ports.clock.now();
        self.ports.websites.update(id, &patch, now).await?;
        let website = &mut details.website;
        website.name = patch.name.unwrap_or(std::mem::take(&mut website.name));
        website.domain = patch.domain.unwrap_or(std::mem::take(&mut website.domain));
        if let Some(share_id) = patch.share_id {
            website.share_id = share_id;
        }
        website.updated_at = now;
        Ok(details)
    }

    /// Resets a website's data: Umami deletes its statistics, which Roster does not keep,
    /// so what is left is to stamp `reset_at` with the time, as Umami does.
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Forbidden`] for those who may not change it, and the
    /// store's errors.
    #[tracing::instrument(
        level = "debug", name = "websites.reset", skip_all, fields(actor = %actor.id)
    )]
    pub async fn reset(&self, actor: &Principal, id: WebsiteId) -> Result<WebsiteDetails> {
        let mut details = self.find(id).await?;
        self.require_manager(actor, &details.website).await?;
        let now = self.ports.clock.now();
        let patch = WebsitePatch {
            reset_at: Some(now),
            ..WebsitePatch::default()
        };
        self.ports.websites.update(id, &patch, now).await?;
        details.website.reset_at = Some(now);
        details.website.updated_at = now;
        Ok(details)
    }

    /// Gives a website to a user or a team. Besides admins, as in Umami: a team's owner may
    /// take a team website for themselves, and whoever owns a website may give it to a team
    /// they own or manage. A view-only user may not be given one.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown website, user or team, [`Error::Forbidden`],
    /// [`Error::Invalid`] for a view-only recipient, and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "websites.transfer", skip_all, fields(actor = %actor.id)
    )]
    pub async fn transfer(
        &self,
        actor: &Principal,
        id: WebsiteId,
        to: Owner,
    ) -> Result<WebsiteDetails> {
        let details = self.find(id).await?;
        let from = details.website.owner;
        require_editor(actor)?;
        let allowed = actor.role.is_admin()
            || match (from, to) {
                (Owner::Team(team), Owner::User(user)) => {
                    user == actor.id
                        && team_role(&self.ports, team, actor.id).await? == Some(TeamRole::Owner)
                }
                (Owner::User(owner), Owner::Team(team)) => {
                    owner == actor.id
                        && team_role(&self.ports, team, actor.id)
                            .await?
                            .is_some_and(TeamRole::manages)
                }
                _ => false,
            };
        if !allowed {
            return Err(Error::Forbidden(
                "you may not transfer this website there".into(),
            ));
        }
        match to {
            Owner::User(user) => require_may_own(&self.ports, user, "website").await?,
            Owner::Team(team) => {
                if self.ports.teams.find(team).await?.is_none() {
                    return Err(Error::NotFound(format!("team not found: {team}")));
                }
            }
        }
        if from != to {
            let now = self.ports.clock.now();
            self.ports.websites.transfer(id, from, to, now).await?;
        }
        self.find(id).await
    }

    /// Deletes a website (softly: it disappears from every list and lookup).
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Forbidden`], and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "websites.delete", skip_all, fields(actor = %actor.id)
    )]
    pub async fn delete(&self, actor: &Principal, id: WebsiteId) -> Result<()> {
        let details = self.find(id).await?;
        self.require_manager(actor, &details.website).await?;
        self.ports.websites.delete(id, self.ports.clock.now()).await
    }

    /// One page of a user's websites, and with `include_teams` their teams' too (that user,
    /// or an admin).
    ///
    /// # Errors
    /// [`Error::Forbidden`], and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "websites.of_user", skip_all, fields(actor = %actor.id)
    )]
    pub async fn of_user(
        &self,
        actor: &Principal,
        user: UserId,
        include_teams: bool,
        page: &PageRequest<WebsiteOrder>,
    ) -> Result<Page<WebsiteDetails>> {
        require_self_or_admin(actor, &UserKey::Id(user))?;
        let scope = WebsiteScope::User {
            user,
            include_teams,
        };
        self.ports.websites.list(scope, page).await
    }

    /// One page of every website (admins only).
    ///
    /// # Errors
    /// [`Error::Forbidden`] for non-admins, and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "websites.page", skip_all, fields(actor = %actor.id)
    )]
    pub async fn page(
        &self,
        actor: &Principal,
        page: &PageRequest<WebsiteOrder>,
    ) -> Result<Page<WebsiteDetails>> {
        require_admin(actor)?;
        self.ports.websites.list(WebsiteScope::All, page).await
    }

    /// How many live websites each of `users` owns (admins only); one who owns none is
    /// left out.
    ///
    /// # Errors
    /// [`Error::Forbidden`] for non-admins, and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "websites.counts_by_owner", skip_all, fields(actor = %actor.id)
    )]
    pub async fn counts_by_owner(
        &self,
        actor: &Principal,
        users: &[UserId],
    ) -> Result<HashMap<UserId, u64>> {
        require_admin(actor)?;
        self.ports.websites.counts_by_owner(users).await
    }

    /// One page of a team's websites (its members, or an admin).
    ///
    /// # Errors
    /// [`Error::NotFound`], [`Error::Forbidden`], and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "websites.of_team", skip_all, fields(actor = %actor.id)
    )]
    pub async fn of_team(
        &self,
        actor: &Principal,
        team: TeamId,
        page: &PageRequest<WebsiteOrder>,
    ) -> Result<Page<WebsiteDetails>> {
        if self.ports.teams.find(team).await?.is_none() {
            return Err(Error::NotFound(format!("team not found: {team}")));
        }
        if !actor.role.is_admin() && team_role(&self.ports, team, actor.id).await?.is_none() {
            return Err(Error::Forbidden(
                "only members may see a team's websites".into(),
            ));
        }
        self.ports
            .websites
            .list(WebsiteScope::Team(team), page)
            .await
    }

    async fn find(&self, id: WebsiteId) -> Result<WebsiteDetails> {
        self.ports
            .websites
            .find(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("website not found: {id}")))
    }

    async fn require_manager(&self, actor: &Principal, website: &Website) -> Result<()> {
        require_editor(actor)?;
        match website.owner {
            _ if actor.role.is_admin() => Ok(()),
            Owner::User(owner) if owner == actor.id => Ok(()),
            Owner::User(_) => Err(Error::Forbidden("this website is not yours".into())),
            Owner::Team(team) => require_team_editor(&self.ports, actor, team).await,
        }
    }
}

#[cfg(test)]
#[path = "websites_tests.rs"]
mod tests;
