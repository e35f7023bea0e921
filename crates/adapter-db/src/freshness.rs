//! Reads of the change log's position that concurrent callers share.
//!
//! A caller is answered by a read that started at most [`WINDOW`] before it asked, and
//! after the last write made through this process: so a write through this instance is
//! seen by its very next request, and a write through another instance within the window.
//! One read at a time is in flight, and a hot instance refreshes the position before the
//! window runs out, so under load requests wait for no query at all; one query per half
//! window serves them all.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use roster_domain::{Error, Result};
use tokio::sync::watch;
use tokio::time::Instant;

/// How old a read of the position may be when it answers a caller: the longest a write
/// through another instance can go unseen here.
pub const WINDOW: Duration = Duration::from_millis(2);

/// A failed read that took this long answers the callers waiting for the next one too.
const SLOW_FAILURE: Duration = Duration::from_millis(100);

type ReadPosition =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<u64>> + Send>> + Send + Sync>;

pub(crate) struct Freshness {
    read: ReadPosition,
    state: Mutex<State>,
    /// The newest finished read: its number and what it found.
    done: watch::Sender<(u64, Result<u64>)>,
}

#[derive(Default)]
struct State {
    /// How many reads have been started.
    started: u64,
    /// When the read in flight, if any, was started.
    running: Option<Instant>,
    /// Someone asked for a newer read than the one in flight: start another when it ends.
    wanted: bool,
    /// The newest successful read: when it started, and what it found.
    latest: Option<(Instant, u64)>,
    /// When this process last wrote: reads started before then are stale here.
    written: Option<Instant>,
}

impl State {
    /// A read must have started after this to answer a caller asking `now`: strictly after,
    /// as a read that started in the instant of a write may not see it.
    fn floor(&self, now: Instant) -> Option<Instant> {
        now.checked_sub(WINDOW).max(self.written)
    }
}

impl Freshness {
    pub(crate) fn new(read: ReadPosition) -> Arc<Self> {
        Arc::new(Self {
            read,
            state: Mutex::default(),
            done: watch::Sender::new((
                0,
                Err(Error::unavailable("no change-log position read yet")),
            )),
        })
    }

    /// Marks that this process has just committed a write: the next caller waits for a
    /// read that started after now.
    pub(crate) fn written(&self) {
        self.lock().written = Some(Instant::now());
    }

    /// The log position, as read no earlier than [`WINDOW`] before this call and after this
    /// process's last write.
    ///
    /// # Errors
    /// Those of the read.
    pub(crate) async fn current(self: &Arc<Self>) -> Result<u64> {
        let round = {
            let mut state = self.lock();
            let now = Instant::now();
            let floor = state.floor(now);
            if let Some((start, position)) = state.latest
                && floor.is_none_or(|floor| start > floor)
            {
                if state.running.is_none() && start + WINDOW / 2 <= now {
                    // Read ahead, so that callers find a fresh position and never wait.
                    self.clone().start_next(&mut state);
                }
                return Ok(position);
            }
            match state.running {
                Some(start) if floor.is_none_or(|floor| start > floor) => state.started,
                Some(_) => {
                    state.wanted = true;
                    state.started + 1
                }
                None => {
                    self.clone().start_next(&mut state);
                    state.started
                }
            }
        };
        let mut done = self.done.subscribe();
        let finished = done
            .wait_for(|(number, _)| *number >= round)
            .await
            .map_err(|_| Error::unavailable("the change-log reader stopped"))?;
        finished.1.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn start_next(self: Arc<Self>, state: &mut State) {
        state.started += 1;
        let round = state.started;
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            let outside = Error::internal("the store is used outside a tokio runtime");
            self.done.send_modify(|done| *done = (round, Err(outside)));
            return;
        };
        // Taken before the query is sent, so the read is never thought newer than it is.
        let start = Instant::now();
        state.running = Some(start);
        runtime.spawn(async move {
            // Should the read panic or be cancelled, its waiters still get an answer.
            let mut finish = Finish {
                freshness: self.clone(),
                round,
                start,
                outcome: Err(Error::internal("the change-log read did not finish")),
            };
            finish.outcome = (self.read)().await;
        });
    }
}

/// Publishes a read's outcome and starts the next read if anyone is waiting for one.
struct Finish {
    freshness: Arc<Freshness>,
    round: u64,
    start: Instant,
    outcome: Result<u64>,
}

impl Drop for Finish {
    fn drop(&mut self) {
        let outcome = std::mem::replace(&mut self.outcome, Ok(0));
        let mut state = self.freshness.lock();
        state.running = None;
        if let Ok(position) = outcome {
            state.latest = Some((self.start, position));
        }
        let round = self.round;
        // Only an outage's slow failure answers those waiting for the next read: after a
        // quick one, the next read is as quick to try.
        let failure = outcome
            .as_ref()
            .err()
            .filter(|_| self.start.elapsed() >= SLOW_FAILURE)
            .cloned();
        self.freshness
            .done
            .send_modify(|done| *done = (round, outcome));
        if state.wanted {
            state.wanted = false;
            match failure {
                // The read failed after those waiting for the next one asked: that answers
                // them too, rather than a second read as long (a timeout, in an outage).
                Some(failure) => {
                    state.started += 1;
                    let next = state.started;
                    self.freshness
                        .done
                        .send_modify(|done| *done = (next, Err(failure)));
                }
                None => self.freshness.clone().start_next(&mut state),
            }
        }
    }
}

#[cfg(test)]
#[path = "freshness_tests.rs"]
mod tests;
