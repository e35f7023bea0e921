//! Serving HTTP on an accept loop of our own rather than poem's `Server`, which has neither
//! a header-read timeout nor a connection limit: half-sent requests held its connections
//! open forever, and enough of them exhausted the process's file descriptors.

mod connection;
mod phase;
mod slots;

use std::sync::Arc;
use std::time::Duration;

use poem::Endpoint;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use connection::Connection;
use phase::Tracker;
use slots::Slots;

/// How long a connection may take, and how many may be open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// From the accept, or a request's first byte, to the end of its head.
    pub header_timeout: Duration,
    /// Between requests on a kept-alive connection.
    pub idle_timeout: Duration,
    /// Open connections at most.
    pub max_connections: u32,
}

/// How long requests in flight may take to finish once a shutdown begins.
const GRACE: Duration = Duration::from_secs(30);

/// Descriptors kept for the database, files and the other listener, out of the open-file
/// limit, when that limit caps the connections.
const RESERVED_FILES: u64 = 128;

/// Serves `endpoint` on `listener` until `stop` turns true, then stops accepting, lets
/// open connections finish for up to [`GRACE`], and closes those still open.
pub(crate) async fn serve<E: Endpoint + 'static>(
    listener: TcpListener,
    endpoint: E,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) {
    let endpoint = Arc::new(endpoint);
    let slots = Slots::new(limits.max_connections);
    let local = listener.local_addr().ok();
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let accepted = tokio::select! {
            _ = stop.wait_for(|stop| *stop) => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, remote) = match accepted {
            Ok(accepted) => accepted,
            Err(err) => {
                // Out of descriptors, most likely; retrying at once would spin.
                tracing::warn!(error = %err, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let tracker = Arc::new(Tracker::new());
        let slot = tokio::select! {
            _ = stop.wait_for(|stop| *stop) => break,
            slot = slots.take(tracker.clone()) => slot,
        };
        let Some(slot) = slot else {
            refuse(&stream);
            continue;
        };
        let connection = Connection {
            local: local.unwrap_or(remote),
            stream,
            remote,
            tracker,
            slot,
            endpoint: endpoint.clone(),
            limits,
            stop: stop.clone(),
        };
        connections.spawn(connection.serve());
    }
    drop(listener);
    if tokio::time::timeout(GRACE, slots.all_closed())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the grace period; closing them");
    }
    connections.shutdown().await;
}

/// Every connection is busy serving: the new one is told so and closed, rather than left
/// waiting in the accept queue with those behind it. Not in a dialect's body, since no
/// request has been read to tell which.
fn refuse(stream: &TcpStream) {
    const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\n\
        content-type: text/plain\r\ncontent-length: 20\r\nconnection: close\r\n\r\n\
        too many connections";
    // A socket buffer just accepted has room for this; if not, closing says enough.
    let _ = stream.try_write(BUSY);
    tracing::warn!("every connection is busy serving; refused one");
}

/// `configured`, lowered to what the open-file limit leaves room for: past that limit
/// accepting fails, and with it all service.
pub(crate) fn connection_cap(configured: u32) -> u32 {
    let Some(files) = open_file_limit() else {
        return configured;
    };
    let room = u32::try_from(files.saturating_sub(RESERVED_FILES).max(16)).unwrap_or(u32::MAX);
    if room < configured {
        tracing::warn!(
            configured,
            open_file_limit = files,
            serving = room,
            "the open-file limit allows fewer connections than configured; raise it with ulimit -n"
        );
    }
    configured.min(room)
}

#[cfg(unix)]
fn open_file_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes only into the struct it is given.
    let read = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &raw mut limit) };
    (read == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(limit.rlim_cur)
}

#[cfg(not(unix))]
fn open_file_limit() -> Option<u64> {
    None
}
