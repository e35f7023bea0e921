//! The connection limit. When every slot is taken, a new connection takes the slot of the
//! one that has waited longest for a request head (half-sent or idle): a client that
//! sends its request promptly is served however many connections dawdle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::phase::Tracker;

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

    /// A slot for a new connection with `tracker`, evicting a waiting one if none is free;
    /// if every connection is busy serving, waits until one closes.
    pub(super) async fn take(self: &Arc<Self>, tracker: Arc<Tracker>) -> Slot {
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                self.evict_longest_waiting();
                self.permits
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("the semaphore is never closed")
            }
        };
        let mut open = self.open.lock().expect("slots lock");
        let id = open.next;
        open.next += 1;
        open.trackers.insert(id, tracker);
        Slot {
            slots: self.clone(),
            id,
            _permit: permit,
        }
    }

    fn evict_longest_waiting(&self) {
        let open = self.open.lock().expect("slots lock");
        let longest = open
            .trackers
            .values()
            .filter(|tracker| !tracker.is_evicted())
            .filter_map(|tracker| tracker.waiting_since().map(|since| (since, tracker)))
            .min_by_key(|(since, _)| *since);
        if let Some((_, tracker)) = longest {
            tracker.evict();
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
