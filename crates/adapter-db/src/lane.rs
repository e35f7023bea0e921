//! A bounded share of the pool for lists and searches. One of those reads many rows and may
//! take a connection for long; without a bound, a flood of them (anyone logged in can send
//! one) held every connection, and a GET of one user waited and then failed as
//! unavailable. Lists take a permit first, so a quarter of the pool at most serves them
//! and the rest stays free for everything else. SQLite runs its queries on this process's
//! threads: there lists also get no more than one connection per core, or a flood of
//! searches leaves the requests that need no query waiting for a core.

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
    /// `cores` is how many of this machine's cores the database's queries run on: `Some`
    /// for SQLite, `None` for a server of its own.
    pub(crate) fn new(pool_size: u32, wait: Duration, cores: Option<usize>) -> Self {
        let quarter = usize::try_from(pool_size / 4).unwrap_or(1);
        let permits = cores.map_or(quarter, |cores| quarter.min(cores)).max(1);
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
        let lane = ListLane::new(16, Duration::from_secs(1), None);
        let held: Vec<_> = take_all(&lane).await;
        assert_eq!(held.len(), 4);
        assert!(matches!(lane.enter().await, Err(Error::Unavailable { .. })));
        drop(held);
        assert!(lane.enter().await.is_ok());
        assert!(
            ListLane::new(1, Duration::from_secs(1), None)
                .enter()
                .await
                .is_ok()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn in_process_lists_get_a_connection_per_core_at_most() {
        let wait = Duration::from_secs(1);
        assert_eq!(take_all(&ListLane::new(16, wait, Some(2))).await.len(), 2);
        assert_eq!(take_all(&ListLane::new(16, wait, Some(3))).await.len(), 3);
        assert_eq!(take_all(&ListLane::new(16, wait, Some(64))).await.len(), 4);
        assert_eq!(take_all(&ListLane::new(4, wait, Some(2))).await.len(), 1);
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
