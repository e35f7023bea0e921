use crate::Result;

/// Unpredictable bytes, for ids, session tokens and generated secrets: the operating
/// system's random source in production, something repeatable in tests.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait Random: Send + Sync {
    /// Fills `bytes` from a cryptographically secure source.
    ///
    /// # Errors
    /// [`Error::Internal`](crate::Error::Internal) when the source fails.
    fn fill(&self, bytes: &mut [u8]) -> Result<()>;
}
