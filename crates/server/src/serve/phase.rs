//! Where a connection is in its life — reading a request head, serving requests, or idle
//! between them — and so how long it may stay that way.

use std::io;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// A request head is due: from the accept, or from the first byte after an idle spell.
    Head { since: Instant },
    /// Requests are being served; the body timeout is the handlers' to keep.
    Busy { requests: usize },
    /// Keep-alive between requests, nothing received yet.
    Idle { since: Instant },
}

/// One connection's phase, shared by its reader, its requests and its watchdog.
#[derive(Debug)]
pub(super) struct Tracker {
    phase: Mutex<Phase>,
    evicted: AtomicBool,
    /// Wakes the watchdog when the deadline may have moved earlier or gone.
    changed: Notify,
}

impl Tracker {
    pub(super) fn new() -> Self {
        Self {
            phase: Mutex::new(Phase::Head {
                since: Instant::now(),
            }),
            evicted: AtomicBool::new(false),
            changed: Notify::new(),
        }
    }

    fn update(&self, change: impl FnOnce(Phase) -> Phase) {
        let mut phase = self.phase.lock().expect("phase lock");
        let next = change(*phase);
        if next != *phase {
            *phase = next;
            drop(phase);
            self.changed.notify_one();
        }
    }

    /// When the connection must be closed unless something happens first; `None` while
    /// it serves a request.
    pub(super) fn deadline(&self, header: Duration, idle: Duration) -> Option<Instant> {
        match *self.phase.lock().expect("phase lock") {
            Phase::Head { since } => Some(since + header),
            Phase::Idle { since } => Some(since + idle),
            Phase::Busy { .. } => None,
        }
    }

    /// How long it has waited for a request, if it is waiting: the evictable ones.
    pub(super) fn waiting_since(&self) -> Option<Instant> {
        match *self.phase.lock().expect("phase lock") {
            Phase::Head { since } | Phase::Idle { since } => Some(since),
            Phase::Busy { .. } => None,
        }
    }

    pub(super) async fn changed(&self) {
        self.changed.notified().await;
    }

    /// Asks the connection to close: another needs its slot.
    pub(super) fn evict(&self) {
        self.evicted.store(true, Ordering::Release);
        self.changed.notify_one();
    }

    pub(super) fn is_evicted(&self) -> bool {
        self.evicted.load(Ordering::Acquire)
    }

    /// A request's head has been read; the connection is busy until the guard drops.
    pub(super) fn request(self: &std::sync::Arc<Self>) -> RequestGuard {
        self.update(|phase| match phase {
            Phase::Busy { requests } => Phase::Busy {
                requests: requests + 1,
            },
            _ => Phase::Busy { requests: 1 },
        });
        RequestGuard(self.clone())
    }

    fn received(&self) {
        self.update(|phase| match phase {
            Phase::Idle { .. } => Phase::Head {
                since: Instant::now(),
            },
            other => other,
        });
    }

    fn sent(&self) {
        // A response still being written is progress, not idleness.
        let mut phase = self.phase.lock().expect("phase lock");
        if let Phase::Idle { since } = &mut *phase {
            *since = Instant::now();
        }
    }
}

pub(super) struct RequestGuard(std::sync::Arc<Tracker>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.update(|phase| match phase {
            Phase::Busy { requests } if requests > 1 => Phase::Busy {
                requests: requests - 1,
            },
            _ => Phase::Idle {
                since: Instant::now(),
            },
        });
    }
}

/// A socket that tells its tracker when bytes come in and go out.
pub(super) struct Watched<S> {
    pub(super) io: S,
    pub(super) tracker: std::sync::Arc<Tracker>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.tracker.received();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.tracker.sent();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.tracker.sent();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn deadlines_follow_the_phase() {
        let (header, idle) = (Duration::from_secs(10), Duration::from_secs(60));
        let before = Instant::now();
        let tracker = Arc::new(Tracker::new());
        let within = |deadline: Option<Instant>, from: Instant, span: Duration| {
            deadline.is_some_and(|d| d >= from + span && d <= Instant::now() + span)
        };
        assert!(within(tracker.deadline(header, idle), before, header));
        let request = tracker.request();
        let second = tracker.request();
        assert_eq!(tracker.deadline(header, idle), None);
        assert_eq!(tracker.waiting_since(), None);
        drop(request);
        assert_eq!(
            tracker.deadline(header, idle),
            None,
            "one request still runs"
        );
        let done = Instant::now();
        drop(second);
        assert!(within(tracker.deadline(header, idle), done, idle));
        let first_byte = Instant::now();
        tracker.received();
        assert!(within(tracker.deadline(header, idle), first_byte, header));
        assert!(!tracker.is_evicted());
        tracker.evict();
        assert!(tracker.is_evicted());
    }
}
