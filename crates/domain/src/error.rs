use std::fmt;
use std::sync::Arc;
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
    /// The change collides with existing state; the kind says with what.
    #[error("{0}")]
    Conflict(Conflict),
    /// Too many failed logins or other guesses at a secret; try again after the given time.
    #[error("too many failed attempts, try again in {} seconds", retry_after.as_secs().max(1))]
    Throttled { retry_after: Duration },
    /// A dependency (the database) cannot be reached; the request may be retried.
    #[error("service unavailable: {reason}")]
    Unavailable {
        /// Why, in words fit for the caller.
        reason: String,
        /// What the dependency said, for the logs.
        #[source]
        source: Option<Cause>,
    },
    /// A fault that is nobody's input: a bug or a corrupt row.
    #[error("internal error: {detail}")]
    Internal {
        /// What went wrong, for the logs; callers are told only that something did.
        detail: String,
        /// The failure underneath, for the logs.
        #[source]
        source: Option<Cause>,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A dependency that cannot serve now, for `reason`.
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self::Unavailable {
            reason: reason.into(),
            source: None,
        }
    }

    /// A fault described by `detail`.
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::Internal {
            detail: detail.into(),
            source: None,
        }
    }

    /// The same error, keeping `cause` for the logs. Only [`Error::Unavailable`] and
    /// [`Error::Internal`] keep one: other kinds speak of the caller's input.
    #[must_use]
    pub fn caused_by(self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        let cause = Some(Cause(Arc::new(cause)));
        match self {
            Self::Unavailable { reason, .. } => Self::Unavailable {
                reason,
                source: cause,
            },
            Self::Internal { detail, .. } => Self::Internal {
                detail,
                source: cause,
            },
            other => other,
        }
    }

    /// The refusal for removing or demoting the only remaining admin.
    pub fn last_admin() -> Self {
        Self::Conflict(Conflict::LastAdmin)
    }

    /// The refusal for removing or demoting the only remaining owner of a team.
    pub fn last_owner() -> Self {
        Self::Conflict(Conflict::LastOwner)
    }
}

/// What a refused change collided with, so that each dialect can name it in its own terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Conflict {
    /// Another user has that name.
    #[error("username already exists")]
    UsernameTaken,
    /// The change would leave no admin.
    #[error("at least one admin must remain")]
    LastAdmin,
    /// The change would leave a team without an owner.
    #[error("a team keeps at least one owner")]
    LastOwner,
    /// The user is a member of the team already.
    #[error("that user is already a member of this team")]
    AlreadyMember,
    /// Another team joins by that access code.
    #[error("that access code is taken")]
    AccessCodeTaken,
    /// Another website is shared under that id.
    #[error("that shareId is taken")]
    ShareIdTaken,
    /// A client-chosen id is another record's already.
    #[error("that id is taken")]
    IdTaken,
    /// A unique key the store could not attribute to one of the kinds above.
    #[error("already exists")]
    Exists,
}

/// The error underneath an [`Error`], shared so that errors stay cheap to clone. Two causes
/// compare equal when they read the same: errors are compared in tests, by what they say.
#[derive(Clone)]
pub struct Cause(Arc<dyn std::error::Error + Send + Sync>);

impl Cause {
    /// The error underneath, to look for a type the adapter that made it knows.
    pub fn get(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl PartialEq for Cause {
    fn eq(&self, other: &Self) -> bool {
        self.to_string() == other.to_string()
    }
}

impl Eq for Cause {}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("connection reset")]
    struct Reset;

    #[test]
    fn a_cause_is_kept_for_the_logs_but_not_told() {
        let err = Error::unavailable("database unreachable").caused_by(Reset);
        assert_eq!(err.to_string(), "service unavailable: database unreachable");
        let source = std::error::Error::source(&err).unwrap();
        assert_eq!(source.to_string(), "connection reset");
        let Error::Unavailable {
            source: Some(cause),
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert!(cause.get().downcast_ref::<Reset>().is_some());
    }

    #[test]
    fn only_faults_keep_a_cause() {
        let err = Error::Invalid("bad".into()).caused_by(Reset);
        assert!(std::error::Error::source(&err).is_none());
    }
}
