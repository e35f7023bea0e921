//! Where a connection is in its life — reading a request head, serving requests, or idle
//! between them — and so how long it may stay that way.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

/// How often the watchdog looks at a connection's phase: how late a deadline may be noticed.
pub(super) const CHECK_EVERY: Duration = Duration::from_millis(500);

#[derive(Clone, Copy, Debug)]
enum Phase {
    /// A request head is due: from the accept, or from the first byte after an idle spell.
    Head { since: Instant },
    /// A request's head is in and its body is due; the body timeout is the handlers' to keep.
    Body { since: Instant },
    /// A request is being served.
    Busy,
    /// Keep-alive between requests, nothing received yet.
    Idle { since: Instant },
}

/// One connection's phase, shared by its reader, its request and its watchdog. A connection
/// serves one request at a time (HTTP/1.1).
#[derive(Debug)]
pub(super) struct Tracker {
    phase: Mutex<Phase>,
    evicted: AtomicBool,
    /// Wakes the watchdog on an eviction. Phase changes wake nothing: the watchdog looks at
    /// the phase at least every [`CHECK_EVERY`], so that requests cost no task wake-up.
    evicting: Notify,
}

impl Tracker {
    pub(super) fn new() -> Self {
        Self {
            phase: Mutex::new(Phase::Head {
                since: Instant::now(),
            }),
            evicted: AtomicBool::new(false),
            evicting: Notify::new(),
        }
    }

    fn update(&self, change: impl FnOnce(Phase) -> Phase) {
        let mut phase = self.phase.lock().expect("phase lock");
        *phase = change(*phase);
    }

    /// When the connection must be closed unless something happens first; `None` while
    /// it serves a request.
    pub(super) fn deadline(&self, header: Duration, idle: Duration) -> Option<Instant> {
        match *self.phase.lock().expect("phase lock") {
            Phase::Head { since } => Some(since + header),
            Phase::Idle { since } => Some(since + idle),
            Phase::Body { .. } | Phase::Busy => None,
        }
    }

    /// How long it has waited for the client, if it is waiting: the evictable ones. Until
    /// its body is in, no handler has acted on a request, so closing it loses nothing.
    pub(super) fn waiting_since(&self) -> Option<Instant> {
        match *self.phase.lock().expect("phase lock") {
            Phase::Head { since } | Phase::Body { since } | Phase::Idle { since } => Some(since),
            Phase::Busy => None,
        }
    }

    pub(super) async fn evicting(&self) {
        self.evicting.notified().await;
    }

    /// Asks the connection to close: another needs its slot.
    pub(super) fn evict(&self) {
        self.evicted.store(true, Ordering::Release);
        self.evicting.notify_one();
    }

    /// Whether the connection should close now: it was evicted while it waited. One that
    /// got busy before its watchdog saw the eviction is spared, and may be picked again.
    pub(super) fn must_close(&self) -> bool {
        if !self.evicted.load(Ordering::Acquire) {
            return false;
        }
        if self.waiting_since().is_some() {
            return true;
        }
        self.evicted.store(false, Ordering::Release);
        false
    }

    pub(super) fn is_evicted(&self) -> bool {
        self.evicted.load(Ordering::Acquire)
    }

    /// A request's head has been read; the connection is busy until the guard drops, and
    /// waits for the client until `body_pending`'s body is in (see [`Arrival`]).
    pub(super) fn request(self: &Arc<Self>, body_pending: bool) -> RequestGuard {
        self.update(|_| {
            if body_pending {
                Phase::Body {
                    since: Instant::now(),
                }
            } else {
                Phase::Busy
            }
        });
        RequestGuard(self.clone())
    }

    fn body_arrived(&self) {
        self.update(|phase| match phase {
            Phase::Body { .. } => Phase::Busy,
            other => other,
        });
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

pub(super) struct RequestGuard(Arc<Tracker>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.update(|_| Phase::Idle {
            since: Instant::now(),
        });
    }
}

/// A request body that tells the tracker when it has all come in (or will not be read).
pub(super) struct Arrival {
    body: BoxBody<Bytes, io::Error>,
    tracker: Option<Arc<Tracker>>,
}

impl Arrival {
    pub(super) fn new(body: BoxBody<Bytes, io::Error>, tracker: Arc<Tracker>) -> Self {
        Self {
            body,
            tracker: Some(tracker),
        }
    }

    fn arrived(&mut self) {
        if let Some(tracker) = self.tracker.take() {
            tracker.body_arrived();
        }
    }
}

impl Body for Arrival {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(_))) if !self.body.is_end_stream() => {}
            Poll::Ready(_) => self.arrived(),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for Arrival {
    fn drop(&mut self) {
        self.arrived();
    }
}

/// A socket that tells its tracker when bytes come in and go out.
pub(super) struct Watched<S> {
    pub(super) io: S,
    pub(super) tracker: Arc<Tracker>,
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
    use http_body_util::BodyExt;

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
        let request = tracker.request(false);
        assert_eq!(tracker.deadline(header, idle), None);
        assert_eq!(tracker.waiting_since(), None);
        let done = Instant::now();
        drop(request);
        assert!(within(tracker.deadline(header, idle), done, idle));
        let first_byte = Instant::now();
        tracker.received();
        assert!(within(tracker.deadline(header, idle), first_byte, header));
    }

    #[tokio::test]
    async fn a_request_waits_for_the_client_until_its_body_is_in() {
        let tracker = Arc::new(Tracker::new());
        let head_read = Instant::now();
        let request = tracker.request(true);
        assert!(
            tracker
                .waiting_since()
                .is_some_and(|since| since >= head_read)
        );
        assert_eq!(
            tracker.deadline(Duration::ZERO, Duration::ZERO),
            None,
            "the body timeout is the handlers'"
        );
        let body = BoxBody::new(
            http_body_util::Full::new(Bytes::from_static(b"{}"))
                .map_err(|never: std::convert::Infallible| match never {}),
        );
        let mut arrival = Arrival::new(body, tracker.clone());
        assert!(tracker.waiting_since().is_some());
        arrival.frame().await.unwrap().unwrap();
        assert_eq!(tracker.waiting_since(), None, "served, not waiting");
        drop(request);
        assert!(tracker.waiting_since().is_some(), "idle again");
    }

    #[test]
    fn an_evicted_connection_that_got_busy_is_spared() {
        let tracker = Arc::new(Tracker::new());
        assert!(!tracker.must_close());
        tracker.evict();
        let request = tracker.request(false);
        assert!(!tracker.must_close());
        assert!(!tracker.is_evicted(), "may be picked again");
        drop(request);
        tracker.evict();
        assert!(tracker.must_close());
    }
}
