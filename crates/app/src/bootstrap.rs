use roster_domain::{Conflict, Error, Role, User, UserId, Username};

use crate::Roster;
use crate::token::random_hex;

impl Roster {
    /// Creates the first admin, `admin`, when the directory is empty. Without `password` a
    /// random one is generated and returned so the caller can show it once.
    /// Returns `Ok(None)` when nothing was created or the given password was used.
    ///
    /// # Errors
    /// [`Error::Invalid`] if `password` breaks the policy, and the store's errors.
    pub async fn bootstrap_admin(
        &self,
        password: Option<&str>,
    ) -> roster_domain::Result<Option<String>> {
        let ports = self.ports();
        if ports.users.stats().await?.total > 0 {
            return Ok(None);
        }
        let generated = match password {
            Some(_) => None,
            None => Some(random_hex::<12>(&*ports.random)?),
        };
        let plain = password.or(generated.as_deref()).unwrap_or_default();
        let password = self.config().password_policy.check(plain)?;
        let now = ports.clock.now();
        let admin = User {
            email: None,
            id: UserId::random(&*ports.random)?,
            username: Username::parse("admin")?,
            password_hash: ports.hasher.hash(&password).await?,
            role: Role::Admin,
            servers: Default::default(),
            groups: Default::default(),
            created_at: now,
            updated_at: now,
        };
        match ports.users.insert(admin).await {
            Ok(_) => Ok(generated),
            // Another instance bootstrapped first.
            Err(Error::Conflict(Conflict::UsernameTaken)) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
#[path = "bootstrap_tests.rs"]
mod tests;
