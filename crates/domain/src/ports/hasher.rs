use async_trait::async_trait;

use crate::{Password, Result};

/// One-way password hashing. Implementations run the hash off the async executor, since a
/// memory-hard hash takes tens of milliseconds of CPU.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// Hashes a policy-checked password into a self-describing string (a PHC string).
    ///
    /// # Errors
    /// [`crate::Error::Internal`] if the hashing machinery fails;
    /// [`crate::Error::Unavailable`] if it is shut down.
    async fn hash(&self, password: &Password) -> Result<String>;

    /// Whether `password` matches `hash`. A malformed hash is a non-match, not an error,
    /// so that a corrupt row cannot be told apart from a wrong password. Hashes imported
    /// from elsewhere (bcrypt) are verified too.
    ///
    /// # Errors
    /// [`crate::Error::Unavailable`] if the hashing machinery is shut down.
    async fn verify(&self, password: &str, hash: &str) -> Result<bool>;

    /// Whether `hash` should be replaced by a fresh one at the next successful login: it
    /// uses another algorithm or weaker parameters than this hasher's.
    fn needs_rehash(&self, hash: &str) -> bool;

    /// Whether `hash` is of a kind [`PasswordHasher::verify`] can check, so that an import
    /// can refuse a hash that would lock its user out.
    fn can_verify(&self, hash: &str) -> bool;
}
