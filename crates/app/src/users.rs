use std::fmt;

use roster_domain::{
    Email, EndSessions, Error, Page, PageRequest, PasswordPolicy, Principal, Result, Role,
    TokenHash, User, UserId, UserKey, UserOrder, UserPatch, UserStats, Username,
};

use roster_domain::ports::Random;
use roster_domain::random_uuid;
use uuid::Uuid;

use crate::api_keys::require_session;
use crate::guesses::{self, GuessKeys};
use crate::policy::{require_admin, require_self_or_admin};
use crate::validate::grant_set;
use crate::{Ports, ThrottleConfig, UserListing, hash_token};

/// A request to create a user, as it arrives: validated here. Its `Debug` hides the password.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CreateUser {
    /// An id the client chose; a new one when absent.
    pub id: Option<UserId>,
    /// The name, before trimming and checks.
    pub username: String,
    /// The plaintext password, checked against the policy and hashed.
    pub password: String,
    /// The role; `user` when absent.
    pub role: Option<Role>,
    /// An email address; none when absent or empty.
    pub email: Option<String>,
    /// Servers the user may access.
    pub servers: Vec<String>,
    /// Groups the user belongs to.
    pub groups: Vec<String>,
}

/// A user brought over from another system with the hash it had there (argon2 or bcrypt);
/// the hash is upgraded to argon2id at the user's next login. Its `Debug` hides the hash.
#[derive(Clone, PartialEq, Eq)]
pub struct ImportedUser {
    /// The name, before trimming and checks.
    pub username: String,
    /// The password hash as the other system stored it.
    pub password_hash: String,
    /// The role.
    pub role: Role,
    /// An email address; none when absent or empty.
    pub email: Option<String>,
    /// Servers the user may access.
    pub servers: Vec<String>,
    /// Groups the user belongs to.
    pub groups: Vec<String>,
}

/// A request to change a user; `None` leaves a field alone. Its `Debug` hides the password.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct UpdateUser {
    /// A new name.
    pub username: Option<String>,
    /// A new password.
    pub password: Option<String>,
    /// A new role.
    pub role: Option<Role>,
    /// A new email address; an empty one removes it.
    pub email: Option<String>,
    /// The servers, replacing the old set.
    pub servers: Option<Vec<String>>,
    /// The groups, replacing the old set.
    pub groups: Option<Vec<String>>,
}

const HIDDEN: &str = "<hidden>";

impl fmt::Debug for CreateUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateUser")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("password", &HIDDEN)
            .field("role", &self.role)
            .field("email", &self.email)
            .field("servers", &self.servers)
            .field("groups", &self.groups)
            .finish()
    }
}

impl fmt::Debug for ImportedUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImportedUser")
            .field("username", &self.username)
            .field("password_hash", &HIDDEN)
            .field("role", &self.role)
            .field("email", &self.email)
            .field("servers", &self.servers)
            .field("groups", &self.groups)
            .finish()
    }
}

impl fmt::Debug for UpdateUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateUser")
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| HIDDEN))
            .field("role", &self.role)
            .field("email", &self.email)
            .field("servers", &self.servers)
            .field("groups", &self.groups)
            .finish()
    }
}

/// Managing users: who may read and change whom, and how input becomes a valid user.
#[derive(Clone)]
pub struct UserService {
    ports: Ports,
    policy: PasswordPolicy,
    throttle: ThrottleConfig,
}

impl UserService {
    pub(crate) fn new(ports: Ports, policy: PasswordPolicy, throttle: ThrottleConfig) -> Self {
        Self {
            ports,
            policy,
            throttle,
        }
    }

    /// Creates a user (admins only); the role defaults to `user`.
    ///
    /// # Errors
    /// [`Error::Forbidden`] for non-admins, [`Error::Invalid`] for a bad name, password or
    /// grant, [`Error::Conflict`] for a taken name, and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "users.create", skip_all, fields(actor = %actor.id)
    )]
    pub async fn create(&self, actor: &Principal, input: CreateUser) -> Result<User> {
        require_admin(actor)?;
        let username = Username::parse(&input.username)?;
        let servers = grant_set("servers", input.servers)?;
        let groups = grant_set("groups", input.groups)?;
        let email = email_of(input.email.as_deref())?;
        let id = chosen_or_new(input.id.map(|id| id.0), &*self.ports.random)?;
        let password = self.policy.check(&input.password)?;
        let now = self.ports.clock.now();
        let user = User {
            id: UserId(id),
            username,
            password_hash: self.ports.hasher.hash(&password).await?,
            role: input.role.unwrap_or(Role::User),
            email,
            servers,
            groups,
            created_at: now,
            updated_at: now,
        };
        self.ports.users.insert(user).await
    }

    /// Stores a user with an existing password hash (admins only).
    ///
    /// # Errors
    /// [`Error::Forbidden`] for non-admins, [`Error::Invalid`] for a bad name or grant or a
    /// hash the hasher cannot verify, [`Error::Conflict`] for a taken name, and the
    /// store's errors.
    #[tracing::instrument(
        level = "debug", name = "users.import", skip_all, fields(actor = %actor.id)
    )]
    pub async fn import(&self, actor: &Principal, input: ImportedUser) -> Result<User> {
        require_admin(actor)?;
        let username = Username::parse(&input.username)?;
        let email = email_of(input.email.as_deref())?;
        let hash = input.password_hash;
        if !self.ports.hasher.can_verify(&hash) {
            return Err(Error::Invalid(format!(
                "{username}: the password hash is of no kind this server can verify"
            )));
        }
        let now = self.ports.clock.now();
        let user = User {
            id: UserId::random(&*self.ports.random)?,
            username,
            password_hash: hash,
            role: input.role,
            email,
            servers: grant_set("servers", input.servers)?,
            groups: grant_set("groups", input.groups)?,
            created_at: now,
            updated_at: now,
        };
        self.ports.users.insert(user).await
    }

    /// One user, to an admin or to that user.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such user, [`Error::Forbidden`] when a non-admin
    /// asks for someone else, and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "users.get", skip_all, fields(actor = %actor.id)
    )]
    pub async fn get(&self, actor: &Principal, key: &UserKey) -> Result<User> {
        require_self_or_admin(actor, key)?;
        self.find(key).await
    }

    /// Every user, a batch at a time (admins only).
    ///
    /// # Errors
    /// [`Error::Forbidden`] for non-admins.
    pub fn list(&self, actor: &Principal) -> Result<UserListing> {
        require_admin(actor)?;
        Ok(UserListing::new(self.ports.users.clone()))
    }

    /// One page of users (admins only).
    ///
    /// # Errors
    /// [`Error::Forbidden`] for non-admins, and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "users.page", skip_all, fields(actor = %actor.id)
    )]
    pub async fn page(
        &self,
        actor: &Principal,
        page: &PageRequest<UserOrder>,
    ) -> Result<Page<User>> {
        require_admin(actor)?;
        self.ports.users.page(page).await
    }

    /// Changes a user. Admins may change anything; others only their own password (a name
    /// or role sent unchanged is no change). A change of nothing answers the user as they
    /// are, as the dialects' clients expect of an edit form saved untouched. A new password
    /// or a lower role ends the user's sessions.
    ///
    /// # Errors
    /// [`Error::Invalid`] for an invalid change, [`Error::Forbidden`] beyond the
    /// caller's rights, [`Error::NotFound`], [`Error::Conflict`] for a taken name or the last
    /// admin, and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "users.update", skip_all, fields(actor = %actor.id)
    )]
    pub async fn update(
        &self,
        actor: &Principal,
        key: &UserKey,
        input: UpdateUser,
    ) -> Result<User> {
        self.change(actor, key, input, None).await
    }

    /// [`Self::update`]; a new password ends every session but `kept`, when given.
    async fn change(
        &self,
        actor: &Principal,
        key: &UserKey,
        mut input: UpdateUser,
        kept: Option<TokenHash>,
    ) -> Result<User> {
        require_self_or_admin(actor, key)?;
        let target = self.find(key).await?;
        if input.password.is_some() && target.id == actor.id {
            // Else a leaked key could take over its owner's account.
            require_session(actor)?;
        }
        if !actor.role.is_admin() {
            // A name may have changed hands since the actor's principal was read.
            if target.id != actor.id {
                return Err(Error::Forbidden("you may change only yourself".into()));
            }
            if input.username.as_deref() == Some(target.username.as_str()) {
                input.username = None;
            }
            if input.role == Some(target.role) {
                input.role = None;
            }
            let email = input
                .email
                .as_deref()
                .map(|e| email_of(Some(e)))
                .transpose()?;
            if email.is_some_and(|email| email == target.email) {
                input.email = None;
            }
            let only_password = UpdateUser {
                password: None,
                ..input.clone()
            } == UpdateUser::default();
            if !only_password {
                return Err(Error::Forbidden(
                    "only an admin may change this; you may change your own password".into(),
                ));
            }
        }
        if input == UpdateUser::default() {
            return Ok(target);
        }
        let mut patch = UserPatch {
            username: input.username.as_deref().map(Username::parse).transpose()?,
            role: input.role,
            email: input
                .email
                .as_deref()
                .map(|e| email_of(Some(e)))
                .transpose()?,
            servers: input.servers.map(|s| grant_set("servers", s)).transpose()?,
            groups: input.groups.map(|g| grant_set("groups", g)).transpose()?,
            password_hash: None,
        };
        if let Some(raw) = &input.password {
            let password = self.policy.check(raw)?;
            patch.password_hash = Some(self.ports.hasher.hash(&password).await?);
        }
        let demoted = patch.role.is_some_and(|r| r.rank() < target.role.rank());
        let end_sessions = match kept {
            _ if demoted => EndSessions::All,
            _ if patch.password_hash.is_none() => EndSessions::No,
            Some(kept) => EndSessions::AllBut(kept),
            None => EndSessions::All,
        };
        let now = self.ports.clock.now();
        self.ports
            .users
            .update(target.id, patch, end_sessions, now)
            .await
    }

    /// Changes the caller's own password after checking the current one; this ends every
    /// session of the caller's but `session`, the one (by its token) they asked in, so that
    /// their client stays logged in and any other is logged out. The check is throttled
    /// like a login, by the caller's name and `client` address, and counts towards the same
    /// limits.
    ///
    /// # Errors
    /// [`Error::Throttled`] after too many wrong passwords, [`Error::Invalid`] for a wrong
    /// current password (a 400: the caller's session is fine) or a new one that breaks the
    /// policy, and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "users.change_own_password", skip_all, fields(actor = %actor.id)
    )]
    pub async fn change_own_password(
        &self,
        actor: &Principal,
        current: &str,
        new: &str,
        client: Option<&str>,
        session: &str,
    ) -> Result<User> {
        require_session(actor)?;
        let keys = GuessKeys::password(actor.username.as_str(), client);
        guesses::count(&self.ports, self.throttle, &keys).await?;
        let me = self.find(&UserKey::Id(actor.id)).await?;
        if !self.ports.hasher.verify(current, &me.password_hash).await? {
            return Err(Error::Invalid("the current password is wrong".into()));
        }
        guesses::forgive(&self.ports, &keys).await?;
        let change = UpdateUser {
            password: Some(new.to_owned()),
            ..UpdateUser::default()
        };
        let kept = Some(hash_token(session));
        self.change(actor, &UserKey::Id(actor.id), change, kept)
            .await
    }

    /// Deletes a user with their grants, sessions and memberships, and the teams they were
    /// the only owner of (admins only, never oneself).
    ///
    /// # Errors
    /// [`Error::Forbidden`] for non-admins, [`Error::Invalid`] for oneself,
    /// [`Error::NotFound`], [`Error::Conflict`] for the last admin, and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "users.delete", skip_all, fields(actor = %actor.id)
    )]
    pub async fn delete(&self, actor: &Principal, key: &UserKey) -> Result<()> {
        require_admin(actor)?;
        let target = self.find(key).await?;
        if target.id == actor.id {
            return Err(Error::Invalid("you cannot delete yourself".into()));
        }
        self.ports
            .users
            .delete(target.id, self.ports.clock.now())
            .await
    }

    /// Directory-wide counts (admins only).
    ///
    /// # Errors
    /// [`Error::Forbidden`] for non-admins, and the store's errors.
    #[tracing::instrument(
        level = "debug", name = "users.stats", skip_all, fields(actor = %actor.id)
    )]
    pub async fn stats(&self, actor: &Principal) -> Result<UserStats> {
        require_admin(actor)?;
        self.ports.users.stats().await
    }

    async fn find(&self, key: &UserKey) -> Result<User> {
        self.ports
            .users
            .find(key)
            .await?
            .ok_or_else(|| Error::NotFound(format!("user not found: {key}")))
    }
}

#[cfg(test)]
#[path = "users_tests.rs"]
mod tests;

/// An email address as a client sends one: absent or empty is none.
fn email_of(raw: Option<&str>) -> Result<Option<Email>> {
    raw.filter(|e| !e.trim().is_empty())
        .map(Email::parse)
        .transpose()
}

/// A client's choice of id, or a new random one. The nil UUID is nobody's: it names the
/// operator ([`Principal::operator`]).
pub(crate) fn chosen_or_new(chosen: Option<Uuid>, random: &dyn Random) -> Result<Uuid> {
    match chosen {
        Some(id) if id.is_nil() => Err(Error::Invalid("id must not be the nil UUID".into())),
        Some(id) => Ok(id),
        None => random_uuid(random),
    }
}
