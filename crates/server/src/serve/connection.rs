//! One connection: hyper serves it, a watchdog closes it when a deadline of its phase
//! passes or another connection needs its slot.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use poem::http::uri::Scheme;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Addr, Endpoint};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::Limits;
use super::phase::{Tracker, Watched};
use super::slots::Slot;

pub(super) struct Connection<E> {
    pub(super) stream: TcpStream,
    pub(super) local: SocketAddr,
    pub(super) remote: SocketAddr,
    pub(super) tracker: Arc<Tracker>,
    pub(super) slot: Slot,
    pub(super) endpoint: Arc<E>,
    pub(super) limits: Limits,
    pub(super) stop: watch::Receiver<bool>,
}

impl<E: Endpoint + 'static> Connection<E> {
    pub(super) async fn serve(self) {
        let Self {
            stream,
            local,
            remote,
            tracker,
            slot: _slot,
            endpoint,
            limits,
            mut stop,
        } = self;
        let service = {
            let tracker = tracker.clone();
            hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let busy = tracker.request();
                let endpoint = endpoint.clone();
                async move {
                    let req = poem::Request::from((
                        req,
                        LocalAddr(Addr::SocketAddr(local)),
                        RemoteAddr(Addr::SocketAddr(remote)),
                        Scheme::HTTP,
                    ));
                    let response = endpoint.get_response(req).await;
                    drop(busy);
                    Ok::<hyper::Response<_>, Infallible>(response.into())
                }
            })
        };
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            // The phases below time heads out; hyper's own timer would also cut idle ones.
            .header_read_timeout(None)
            .max_buf_size(roster_http::HEAD_LIMIT)
            // Room above the routes' limit, so that most excess is answered in JSON.
            .max_headers(2 * roster_http::HEADER_COUNT_LIMIT);
        builder.http2().max_header_list_size(
            u32::try_from(roster_http::HEAD_LIMIT).expect("the head limit fits in u32"),
        );
        let io = TokioIo::new(Watched {
            io: stream,
            tracker: tracker.clone(),
        });
        let conn = builder.serve_connection_with_upgrades(io, service);
        tokio::pin!(conn);
        let mut stopping = *stop.borrow();
        if stopping {
            conn.as_mut().graceful_shutdown();
        }
        loop {
            let deadline = tracker.deadline(limits.header_timeout, limits.idle_timeout);
            let expired = async {
                match deadline {
                    Some(deadline) => tokio::time::sleep_until(deadline).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = conn.as_mut() => break,
                () = expired => {
                    // A deadline only moves later unless the tracker says so; recheck.
                    let now = tokio::time::Instant::now();
                    let due = tracker.deadline(limits.header_timeout, limits.idle_timeout);
                    if due.is_some_and(|due| due <= now) {
                        break;
                    }
                }
                () = tracker.changed() => {
                    if tracker.is_evicted() {
                        break;
                    }
                }
                changed = stop.changed(), if !stopping => {
                    stopping = true;
                    if changed.is_ok() {
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
        }
        // `conn` was declared after `_slot`, so it drops first: the socket is closed before
        // its slot is given to another.
    }
}
