//! A bounded share of the pool for lists and searches. One of those reads many rows and may
//! take a connection for long; without a bound, a flood of them (anyone logged in can send
//! one) held every connection, and a GET of one user waited and then failed as
//! unavailable. Lists take a permit first, so a quarter of the pool at most serves them
//! and the rest stays free for everything else.

use std::time::Duration;

use roster_domain::{Error, Result};
use tokio::sync::{Semaphore, SemaphorePermit};

#[derive(Debug)]
pub(crate) struct ListLane {
    permits: Semaphore,
    /// How long a list waits for a permit before it is refused as unavailable.
    wait: Duration,
}

impl ListLane {
    pub(crate) fn new(pool_size: u32, wait: Duration) -> Self {
        let permits = usize::try_from(pool_size / 4).unwrap_or(1).max(1);
        Self {
            permits: Semaphore::new(permits),
            wait,
        }
    }

    /// A permit to run one list, held until it is dropped.
    ///
    /// # Errors
    /// [`Error::Unavailable`] when none frees within the wait.
    pub(crate) async fn enter(&self) -> Result<SemaphorePermit<'_>> {
        match tokio::time::timeout(self.wait, self.permits.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Error::unavailable(
                "too many lists and searches at once; retry later",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_quarter_of_the_pool_runs_lists_and_the_next_waits_then_gives_up() {
        let lane = ListLane::new(16, Duration::from_secs(1));
        let held: Vec<_> = take_all(&lane).await;
        assert_eq!(held.len(), 4);
        assert!(matches!(lane.enter().await, Err(Error::Unavailable { .. })));
        drop(held);
        assert!(lane.enter().await.is_ok());
        assert!(
            ListLane::new(1, Duration::from_secs(1))
                .enter()
                .await
                .is_ok()
        );
    }

    async fn take_all(lane: &ListLane) -> Vec<SemaphorePermit<'_>> {
        let mut held = Vec::new();
        while let Ok(Ok(permit)) =
            tokio::time::timeout(Duration::from_millis(1), lane.permits.acquire()).await
        {
            held.push(permit);
        }
        held
    }
}
