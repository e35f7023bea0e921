//! The connection limit. When every slot is taken, a new connection takes the slot of the
//! one that has waited longest for its client (a half-sent head or body, or idleness): a
//! client that sends its request promptly is served however many connections dawdle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::phase::Tracker;

/// How long an eviction may take before the next waiting connection is evicted instead.
const EVICTION_WAIT: Duration = Duration::from_millis(100);

pub(super) struct Slots {
    permits: Arc<Semaphore>,
    size: u32,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    next: u64,
    trackers: HashMap<u64, Arc<Tracker>>,
}

/// A taken slot; dropping it frees the slot.
pub(super) struct Slot {
    slots: Arc<Slots>,
    id: u64,
    _permit: OwnedSemaphorePermit,
}

impl Slots {
    pub(super) fn new(size: u32) -> Arc<Self> {
        Arc::new(Self {
            permits: Arc::new(Semaphore::new(size as usize)),
            size,
            open: Mutex::new(Open::default()),
        })
    }

    /// A slot for a new connection with `tracker`, evicting waiting ones if none is free;
    /// `None` if every connection is busy serving.
    pub(super) async fn take(self: &Arc<Self>, tracker: Arc<Tracker>) -> Option<Slot> {
        let permit = loop {
            if let Ok(permit) = self.permits.clone().try_acquire_owned() {
                break permit;
            }
            if !self.evict_longest_waiting() {
                return None;
            }
            // The evicted connection closes as soon as its task runs; one that got busy
            // first keeps its slot, and the next waiting one is evicted.
            let freed = self.permits.clone().acquire_owned();
            if let Ok(permit) = tokio::time::timeout(EVICTION_WAIT, freed).await {
                break permit.expect("the semaphore is never closed");
            }
        };
        let mut open = self.open.lock().expect("slots lock");
        let id = open.next;
        open.next += 1;
        open.trackers.insert(id, tracker);
        Some(Slot {
            slots: self.clone(),
            id,
            _permit: permit,
        })
    }

    /// Evicts the connection that has waited longest; `false` if none is waiting.
    fn evict_longest_waiting(&self) -> bool {
        let open = self.open.lock().expect("slots lock");
        let longest = open
            .trackers
            .values()
            .filter(|tracker| !tracker.is_evicted())
            .filter_map(|tracker| tracker.waiting_since().map(|since| (since, tracker)))
            .min_by_key(|(since, _)| *since);
        match longest {
            Some((_, tracker)) => {
                tracker.evict();
                true
            }
            None => false,
        }
    }

    /// Resolves once every connection has closed.
    pub(super) async fn all_closed(&self) {
        let _all = self
            .permits
            .acquire_many(self.size)
            .await
            .expect("the semaphore is never closed");
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.slots.open.lock().expect("slots lock");
        open.trackers.remove(&self.id);
    }
}
