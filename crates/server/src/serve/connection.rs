//! One connection: hyper serves it, a watchdog closes it when a deadline of its phase
//! passes or another connection needs its slot.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::combinators::BoxBody;
use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use poem::http::uri::Scheme;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Addr, Endpoint};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::Limits;
use super::phase::{Arrival, CHECK_EVERY, Tracker, Watched};
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
                let body_pending = !req.body().is_end_stream();
                let busy = tracker.request(body_pending);
                let mut req = poem::Request::from((
                    req,
                    LocalAddr(Addr::SocketAddr(local)),
                    RemoteAddr(Addr::SocketAddr(remote)),
                    Scheme::HTTP,
                ));
                if body_pending {
                    let body = Arrival::new(req.take_body().into(), tracker.clone());
                    req.set_body(BoxBody::new(body));
                }
                let endpoint = endpoint.clone();
                async move {
                    let response = endpoint.get_response(req).await;
                    drop(busy);
                    Ok::<hyper::Response<_>, Infallible>(response.into())
                }
            })
        };
        let mut builder = http1::Builder::new();
        builder
            // The phases below time heads out; hyper's own timer would also cut idle ones.
            .header_read_timeout(None)
            .max_buf_size(roster_http::HEAD_LIMIT)
            // Room above the routes' limit, so that most excess is answered in JSON.
            .max_headers(2 * roster_http::HEADER_COUNT_LIMIT);
        let io = TokioIo::new(Watched {
            io: stream,
            tracker: tracker.clone(),
        });
        let conn = builder.serve_connection(io, service);
        tokio::pin!(conn);
        let mut stopping = *stop.borrow();
        if stopping {
            conn.as_mut().graceful_shutdown();
        }
        loop {
            let now = tokio::time::Instant::now();
            let deadline = tracker.deadline(limits.header_timeout, limits.idle_timeout);
            if deadline.is_some_and(|deadline| deadline <= now) {
                break;
            }
            let look_again = deadline.map_or(now + CHECK_EVERY, |d| d.min(now + CHECK_EVERY));
            tokio::select! {
                _ = conn.as_mut() => break,
                () = tokio::time::sleep_until(look_again) => {}
                () = tracker.evicting() => {
                    if tracker.must_close() {
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
