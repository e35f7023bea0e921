use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::{
    NamedMember, Page, PageRequest, Result, Team, TeamDetails, TeamId, TeamMember, TeamOrder,
    TeamRole, UserId,
};

/// The team store: teams and their memberships.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait TeamRepository: Send + Sync {
    /// Stores a new team with its first member, its owner, in one transaction.
    ///
    /// # Errors
    /// [`crate::Error::Conflict`] if the access code is taken; [`crate::Error::NotFound`] if
    /// the owner no longer exists; [`crate::Error::Unavailable`] if the store is unreachable.
    async fn create(&self, team: Team, owner: TeamMember) -> Result<Team>;

    /// A team with its members and website count.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn find(&self, id: TeamId) -> Result<Option<TeamDetails>>;

    /// The team whose access code is `code`.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn find_by_access_code(&self, code: &str) -> Result<Option<Team>>;

    /// Saves a team's name, logo and access code.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] if the team is gone; [`crate::Error::Conflict`] if the
    /// access code is taken; [`crate::Error::Unavailable`] if the store is unreachable.
    async fn update(&self, team: &Team) -> Result<()>;

    /// Deletes a team and its memberships, and soft-deletes its websites, in one transaction.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] if the team is gone; [`crate::Error::Unavailable`] if the
    /// store cannot be reached.
    async fn delete(&self, id: TeamId, now: DateTime<Utc>) -> Result<()>;

    /// `user`'s membership of `team`, if any.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn membership(&self, team: TeamId, user: UserId) -> Result<Option<TeamMember>>;

    /// Adds a member.
    ///
    /// # Errors
    /// [`crate::Error::Conflict`] if the user is already a member;
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn add_member(&self, member: TeamMember) -> Result<()>;

    /// Changes a member's role and returns the membership. Changes to one team's members are
    /// serialised, so that concurrent ones cannot together remove its last owner.
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] if `user` is not a member; [`crate::Error::Conflict`] if
    /// the team would be left without an owner; [`crate::Error::Unavailable`] if the store
    /// cannot be reached.
    async fn set_member_role(
        &self,
        team: TeamId,
        user: UserId,
        role: TeamRole,
        now: DateTime<Utc>,
    ) -> Result<TeamMember>;

    /// Removes a member, serialised like [`Self::set_member_role`].
    ///
    /// # Errors
    /// [`crate::Error::NotFound`] if `user` is not a member; [`crate::Error::Conflict`] if
    /// they are the team's last owner; [`crate::Error::Unavailable`] if the store cannot be
    /// reached.
    async fn remove_member(&self, team: TeamId, user: UserId) -> Result<()>;

    /// One page of a team's members; `search` matches usernames.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn members(
        &self,
        team: TeamId,
        page: &PageRequest<TeamOrder>,
    ) -> Result<Page<NamedMember>>;

    /// One page of the teams `user` belongs to; `search` matches team names.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn teams_of(
        &self,
        user: UserId,
        page: &PageRequest<TeamOrder>,
    ) -> Result<Page<TeamDetails>>;

    /// One page of every team; `search` matches team names.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the store cannot be reached.
    async fn page(&self, page: &PageRequest<TeamOrder>) -> Result<Page<TeamDetails>>;
}
