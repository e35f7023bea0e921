use std::time::Duration;

/// The errors every layer of Roster speaks; each adapter maps them to its own wire format.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The input breaks a rule; the message says which, in words fit for the caller.
    #[error("{0}")]
    Invalid(String),
    /// No valid credentials were presented.
    #[error("{0}")]
    Unauthenticated(String),
    /// The caller is known but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// The addressed thing does not exist (or the caller may not know that it does).
    #[error("{0}")]
    NotFound(String),
    /// The change collides with existing state: a taken name, or the last admin.
    #[error("{0}")]
    Conflict(String),
    /// Too many failed logins or other guesses at a secret; try again after the given time.
    #[error("too many failed attempts, try again in {} seconds", retry_after.as_secs().max(1))]
    Throttled { retry_after: Duration },
    /// A dependency (the database) cannot be reached; the request may be retried.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A fault that is nobody's input: a bug or a corrupt row.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The refusal for removing or demoting the only remaining admin.
    pub fn last_admin() -> Self {
        Self::Conflict("at least one admin must remain".into())
    }

    /// The refusal for removing or demoting the only remaining owner of a team.
    pub fn last_owner() -> Self {
        Self::Conflict("a team keeps at least one owner".into())
    }
}
