//! Accepting connections: TLS when configured, a deadline for the TLS handshake and for each
//! request's headers (slowloris), a bound on the connections served at once that idle clients
//! cannot exhaust, and a graceful stop.
//!
//! # Connection slots
//!
//! At most [`Limits::max_connections`] connections are served at once. A connection is *busy*
//! from the moment a request reaches the router until the last byte of its response has been
//! handed to the socket, and *idle* otherwise: during its TLS handshake, before its first request
//! (silent, or with headers still arriving) and between keep-alive requests. An idle connection
//! holds a slot and costs its client nothing, so when every slot is taken and a new connection
//! is waiting, the oldest idle connection is closed to make room for it. A liveness probe or a
//! scrape sends its request as soon as it connects and is then busy, or the newest idle
//! connection: thousands of silent connections, or clients reconnecting as soon as they are
//! closed, only ever push each other out.
//!
//! A connection is only a candidate once its task has read from its socket: a request that
//! arrived with the connection is read before the connection can be chosen. A chosen connection
//! checks again, in its own task, before closing: one that has just become busy finishes its
//! response instead (hyper's graceful shutdown) and closes after it. A busy connection is never
//! cut; when every slot is busy, new connections wait in the kernel's accept queue until one
//! becomes idle or closes. Connections asked to close may take a moment to go, so at most twice
//! `max_connections` sockets are open at once.
//!
//! The stop asks every connection to close the same way, then gives busy ones
//! [`Limits::shutdown_grace`] to finish.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::http::{Request, Response};
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::{Service as _, service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{self, JoinSet};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use crate::web::reload::WebConfigWatch;

/// After a failed accept (out of file descriptors, usually), before the next: retrying at once
/// would spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// What the server grants its clients.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time a client has for its TLS handshake, then for each request's headers.
    pub header_read_timeout: Duration,
    /// Connections served at once. When every one is taken, the oldest idle one is closed for a
    /// new one; when every one is busy, new ones wait in the kernel's accept queue.
    pub max_connections: usize,
    /// Time busy connections get to finish their response once a stop was requested.
    pub shutdown_grace: Duration,
}

/// Serves `router` until `shutdown` is cancelled, then closes idle connections at once and lets
/// busy ones finish their current response for at most `limits.shutdown_grace`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    web: Arc<WebConfigWatch>,
    limits: Limits,
    shutdown: CancellationToken,
) {
    let max = limits.max_connections.max(1);
    let became_idle = Arc::new(Notify::new());
    let mut open = Open::default();
    let mut tasks = JoinSet::new();
    let mut accepted: u64 = 0;
    loop {
        let room = open.len() < max.saturating_mul(2)
            && (open.serving() < max || open.oldest_idle().is_some());
        let stream = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            Some(ended) = tasks.join_next_with_id() => {
                open.remove(match ended {
                    Ok((id, ())) => id,
                    Err(e) => e.id(),
                });
                continue;
            }
            () = became_idle.notified(), if !room => continue,
            accepted = listener.accept(), if room => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    tracing::error!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        // A response goes out as several chunks (shared, pre-rendered pieces); without
        // TCP_NODELAY the last small one can wait for a delayed ACK, 40 ms on Linux.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot disable Nagle's algorithm");
        }
        if open.serving() >= max
            && let Some(slot) = open.oldest_idle()
        {
            slot.close.cancel();
        }
        accepted += 1;
        let activity = Arc::new(Activity::new(became_idle.clone()));
        let close = shutdown.child_token();
        let task = tasks.spawn(connection(
            Tracked::new(stream, activity.clone()),
            web.current().tls.clone(),
            router.clone(),
            limits.header_read_timeout,
            close.clone(),
        ));
        open.insert(
            task.id(),
            Connection {
                age: accepted,
                activity,
                close,
            },
        );
    }
    drop(listener);
    // Every connection's token is a child of `shutdown`: idle ones are closing already.
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            "connections still open after {:?}; closing them",
            limits.shutdown_grace
        );
    }
    tasks.shutdown().await;
}

/// A connection that went away while queued is the client's business, not an error.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// An open connection, as the accept loop sees it.
struct Connection {
    /// Order of acceptance: the lowest is the oldest.
    age: u64,
    activity: Arc<Activity>,
    /// Asks the connection to close: at once when idle, after its response when busy.
    close: CancellationToken,
}

impl Connection {
    fn closing(&self) -> bool {
        self.close.is_cancelled()
    }
}

/// The open connections, by task.
#[derive(Default)]
struct Open(HashMap<task::Id, Connection>);

impl Open {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn insert(&mut self, id: task::Id, slot: Connection) {
        self.0.insert(id, slot);
    }

    fn remove(&mut self, id: task::Id) {
        self.0.remove(&id);
    }

    /// Connections not asked to close: those that hold a slot.
    fn serving(&self) -> usize {
        self.0.values().filter(|slot| !slot.closing()).count()
    }

    /// The connection to close for a new one, if any may be.
    fn oldest_idle(&self) -> Option<&Connection> {
        self.0
            .values()
            .filter(|slot| !slot.closing() && slot.activity.evictable())
            .min_by_key(|slot| slot.age)
    }
}

/// Whether a connection owes a response. Written by the connection's own task only; the accept
/// loop reads it to choose a connection to close, and the task checks again before closing, so
/// a stale read costs at most a needless graceful shutdown.
struct Activity {
    /// The task has read from its socket: a request sent with the connection has been seen.
    started: AtomicBool,
    /// Responses whose body has not ended (or been dropped).
    responding: AtomicUsize,
    /// Set by each request, cleared by the first flush of the socket after its response body
    /// ended: until then, response bytes may still sit in hyper's or rustls's buffers.
    unflushed: AtomicBool,
    /// Wakes the accept loop, which may be waiting for a connection to become idle.
    became_idle: Arc<Notify>,
}

impl Activity {
    fn new(became_idle: Arc<Notify>) -> Self {
        Self {
            started: AtomicBool::new(false),
            responding: AtomicUsize::new(0),
            unflushed: AtomicBool::new(false),
            became_idle,
        }
    }

    fn idle(&self) -> bool {
        self.responding.load(Ordering::Acquire) == 0 && !self.unflushed.load(Ordering::Acquire)
    }

    fn evictable(&self) -> bool {
        self.started.load(Ordering::Acquire) && self.idle()
    }

    fn read(&self) {
        if !self.started.swap(true, Ordering::AcqRel) && self.idle() {
            self.became_idle.notify_one();
        }
    }

    fn flushed(&self) {
        if self.responding.load(Ordering::Acquire) == 0
            && self.unflushed.swap(false, Ordering::AcqRel)
        {
            self.became_idle.notify_one();
        }
    }
}

/// Held from a request's arrival at the router until its response body ends or is dropped.
struct Responding(Arc<Activity>);

impl Responding {
    fn start(activity: &Arc<Activity>) -> Self {
        activity.unflushed.store(true, Ordering::Release);
        activity.responding.fetch_add(1, Ordering::AcqRel);
        Self(activity.clone())
    }
}

impl Drop for Responding {
    fn drop(&mut self) {
        self.0.responding.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its connection busy until hyper has taken all of it.
struct Owed {
    body: Body,
    _responding: Responding,
}

impl HttpBody for Owed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    // Forwarded so that an exact length still becomes Content-Length.
    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The accepted socket, telling its [`Activity`] when it was first read and when a flush went
/// through. Beneath TLS: rustls's flush, and hyper's, end with this one.
struct Tracked {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl Tracked {
    fn new(stream: TcpStream, activity: Arc<Activity>) -> Self {
        Self { stream, activity }
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let read = Pin::new(&mut self.stream).poll_read(cx, buf);
        self.activity.read();
        read
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let flushed = ready!(Pin::new(&mut self.stream).poll_flush(cx));
        if flushed.is_ok() {
            self.activity.flushed();
        }
        Poll::Ready(flushed)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

async fn connection(
    stream: Tracked,
    tls: Option<Arc<rustls::ServerConfig>>,
    router: Router,
    header_read_timeout: Duration,
    close: CancellationToken,
) {
    let activity = stream.activity.clone();
    let Some(tls) = tls else {
        return http(stream, activity, router, header_read_timeout, close).await;
    };
    let handshake =
        tokio::time::timeout(header_read_timeout, TlsAcceptor::from(tls).accept(stream));
    let stream = tokio::select! {
        // The handshake first: what has arrived is read before the connection may close.
        biased;
        handshake = handshake => match handshake {
            Ok(Ok(stream)) => stream,
            // Scanners and clients without the right certificate: not worth more than debug.
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!("TLS handshake not completed in time");
                return;
            }
        },
        // Nothing was asked yet, so nothing is owed.
        () = close.cancelled() => return,
    };
    http(stream, activity, router, header_read_timeout, close).await;
}

async fn http<I>(
    io: I,
    activity: Arc<Activity>,
    router: Router,
    header_read_timeout: Duration,
    close: CancellationToken,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let router = TowerToHyperService::new(router);
    let tracked = activity.clone();
    let service = service_fn(move |request: Request<Incoming>| {
        let responding = Responding::start(&tracked);
        let response = router.call(request);
        async move {
            let response: Response<Body> = response.await?;
            Ok::<_, Infallible>(response.map(|body| Owed {
                body,
                _responding: responding,
            }))
        }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .serve_connection(TokioIo::new(io), service);
    let mut connection = pin!(connection);
    let ended = tokio::select! {
        // The connection first: a request that has arrived is read, and the connection busy,
        // before a request to close is looked at.
        biased;
        ended = connection.as_mut() => ended,
        () = close.cancelled() => {
            // hyper's graceful shutdown would also wait, up to header_read_timeout, for headers
            // that have started to arrive; an idle connection owes nothing and is dropped.
            if activity.idle() {
                return;
            }
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(e) = ended {
        tracing::debug!(error = %e, "connection ended with an error");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(age: u64) -> Connection {
        Connection {
            age,
            activity: Arc::new(Activity::new(Arc::new(Notify::new()))),
            close: CancellationToken::new(),
        }
    }

    fn id() -> task::Id {
        JoinSet::new().spawn(async {}).id()
    }

    #[tokio::test]
    async fn the_oldest_idle_connection_that_has_read_is_chosen() {
        let mut open = Open::default();
        let [unread, busy, closing, idle, newer] = [1, 2, 3, 4, 5].map(slot);
        // Read: the task had its chance to see a request sent with the connection.
        for slot in [&busy, &closing, &idle, &newer] {
            slot.activity.read();
        }
        let _responding = Responding::start(&busy.activity);
        closing.close.cancel();
        let (unread_activity, idle_close) = (unread.activity.clone(), idle.close.clone());
        for slot in [unread, busy, closing, idle, newer] {
            open.insert(id(), slot);
        }
        assert_eq!(open.serving(), 4, "the one asked to close no longer counts");
        assert_eq!(open.oldest_idle().map(|slot| slot.age), Some(4));

        idle_close.cancel();
        assert_eq!(open.oldest_idle().map(|slot| slot.age), Some(5));
        unread_activity.read();
        assert_eq!(open.oldest_idle().map(|slot| slot.age), Some(1));
    }

    #[test]
    fn a_connection_is_busy_until_its_response_is_flushed() {
        let notify = Arc::new(Notify::new());
        let activity = Arc::new(Activity::new(notify.clone()));
        assert!(activity.idle() && !activity.evictable(), "not read yet");
        activity.read();
        assert!(activity.evictable());

        let responding = Responding::start(&activity);
        assert!(!activity.idle());
        activity.flushed();
        assert!(
            !activity.idle(),
            "a flush before the body ended changes nothing"
        );
        drop(responding);
        assert!(!activity.idle(), "the body ended but may still be buffered");
        activity.flushed();
        assert!(activity.idle() && activity.evictable());
    }
}
