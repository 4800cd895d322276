//! Accepting connections: TLS when configured, a deadline for the TLS handshake and for each
//! request's headers (slowloris), a deadline for each response to be taken, a bound on the
//! connections served at once that neither idle clients nor clients that read slowly can
//! exhaust, and a graceful stop.
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
//! A connection is only a candidate once its task has read from its socket and, until it has
//! asked something, once it has been open for [`SILENT`]: a request that arrived with the
//! connection is read before the connection can be chosen, and one still on its way has time to
//! arrive. A chosen connection checks again, in its own task, before closing: one that has just
//! become busy, or whose first request is waiting unread in its socket, finishes its response
//! instead (hyper's graceful shutdown) and closes after it.
//!
//! # Slow readers
//!
//! A busy connection is *stalled* while its socket refuses response bytes: its client is not
//! taking them. When every slot is taken and none is idle, the connection stalled longest is
//! cut for a new one, once it has been stalled for [`STALLED`]. A client that keeps up with its
//! response is not stalled that long, and a probe or a scrape waits at most about that long for
//! a slot, however many clients read slowly or not at all, pipeline requests they never read,
//! or come back as soon as they are cut. A slot reserved for probes would not do: the kernel's
//! accept queue is first come, first served, and what a connection asks for is only known once
//! it holds a slot.
//!
//! While nobody needs its slot, a busy connection is only cut by [`Limits::write_timeout`], the
//! time its client has to take a response (Go's `http.Server.WriteTimeout`, counted from the
//! response's first write): it bounds how long a client can hold a slot, and the snapshot its
//! response shares. A cut connection is reset (`SO_LINGER` 0), so that what its client had not
//! taken is discarded rather than left to the kernel to keep sending. When every slot is busy
//! and none has stalled long enough, new connections wait in the kernel's accept queue until
//! one becomes idle, stalls or closes. Connections asked to close may take a moment to go, so at
//! most twice `max_connections` sockets are open at once.
//!
//! The stop asks every connection to close the same way, then gives busy ones
//! [`Limits::shutdown_grace`] to finish.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
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
use tokio::time::{Instant, Sleep};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use crate::web::reload::WebConfigWatch;

/// After a failed accept (out of file descriptors, usually), before the next: retrying at once
/// would spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// How long a busy connection's client may take none of its response before the connection
/// may be cut for a new one. A client that reads as the network delivers is woken every round
/// trip or so; half a second leaves room for a distant or briefly lossy one, and keeps a
/// liveness probe's wait for a slot well under its usual one-second timeout.
const STALLED: Duration = Duration::from_millis(500);

/// How long a new connection that has asked nothing yet is kept from being closed for a newer
/// one: its client sends its request as soon as it connects, but a newer connection may be
/// accepted while that request is still on its way (clients cut for slow reading reconnect at
/// once). Short, because silent connections queued behind the slots are let in at most
/// `max_connections` per this time.
const SILENT: Duration = Duration::from_millis(20);

/// What the server grants its clients.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time a client has for its TLS handshake, then for each request's headers.
    pub header_read_timeout: Duration,
    /// Connections served at once. When every one is taken, the oldest idle one is closed for a
    /// new one, or else the one whose client has taken none of its response for longest, once
    /// that is half a second; otherwise new ones wait in the kernel's accept queue.
    pub max_connections: usize,
    /// Time a client has to take a response, from its first write to its last byte handed to
    /// the socket (with any response pipelined behind it); then the connection is cut.
    pub write_timeout: Duration,
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
    let closable = Arc::new(Notify::new());
    let epoch = Instant::now();
    let mut open = Open::default();
    let mut tasks = JoinSet::new();
    let mut accepted: u64 = 0;
    loop {
        let now = Instant::now();
        let below_sockets = open.len() < max.saturating_mul(2);
        let room = below_sockets && (open.serving() < max || open.closable(now));
        // Room later, when a stall or a silence has lasted long enough.
        let closable_at = if below_sockets && !room {
            open.next_closable()
        } else {
            None
        };
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
            () = closable.notified(), if !room => continue,
            () = tokio::time::sleep_until(closable_at.unwrap_or(now)), if closable_at.is_some() => {
                continue;
            }
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
        if open.serving() >= max {
            open.make_room(Instant::now());
        }
        accepted += 1;
        let activity = Arc::new(Activity::new(closable.clone(), epoch));
        let close = shutdown.child_token();
        let task = tasks.spawn(connection(
            Tracked::new(stream, activity.clone(), limits.write_timeout),
            web.current().tls.clone(),
            router.clone(),
            limits.header_read_timeout,
            close.clone(),
        ));
        open.insert(
            task.id(),
            Connection {
                age: accepted,
                accepted_at: Instant::now(),
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

/// Whether a connection that has received nothing yet has bytes waiting in its socket: the
/// request its client sent as it connected, which the task has not seen yet because tokio learns
/// of a socket's readiness only when it next asks the kernel (on a busy runtime, a while later).
/// Dropped unread, the request would be answered by a reset.
fn first_bytes_waiting(activity: &Activity, socket: RawFd) -> bool {
    if activity.received.load(Ordering::Acquire) {
        return false;
    }
    let mut byte = 0_u8;
    // SAFETY: `socket` is the connection's, open while the caller holds the connection; with
    // MSG_PEEK, recv copies at most the one byte into `byte` and consumes nothing.
    let peeked = unsafe {
        libc::recv(
            socket,
            (&raw mut byte).cast(),
            1,
            libc::MSG_PEEK | libc::MSG_DONTWAIT,
        )
    };
    peeked > 0
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
    accepted_at: Instant,
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

    /// Whether a connection may be closed for a new one.
    fn closable(&self, now: Instant) -> bool {
        self.oldest_idle(now).is_some() || self.longest_stalled(now).is_some()
    }

    /// Closes a connection for a new one, if any may be: the oldest idle one (which, if it has
    /// just become busy, closes after its response), or else the one stalled longest, at once.
    fn make_room(&self, now: Instant) {
        if let Some(slot) = self.oldest_idle(now) {
            slot.close.cancel();
        } else if let Some(slot) = self.longest_stalled(now) {
            slot.activity.cut.store(true, Ordering::Release);
            slot.close.cancel();
        }
    }

    fn oldest_idle(&self, now: Instant) -> Option<&Connection> {
        self.0
            .values()
            .filter(|slot| {
                !slot.closing()
                    && slot.activity.evictable()
                    && (slot.activity.requested.load(Ordering::Acquire)
                        || now.saturating_duration_since(slot.accepted_at) >= SILENT)
            })
            .min_by_key(|slot| slot.age)
    }

    /// The connection stalled longest, once that is [`STALLED`].
    fn longest_stalled(&self, now: Instant) -> Option<&Connection> {
        self.stalled()
            .filter(|(since, _)| now.saturating_duration_since(*since) >= STALLED)
            .min_by_key(|(since, slot)| (*since, slot.age))
            .map(|(_, slot)| slot)
    }

    /// When a connection will become closable for a new one unless something else happens
    /// first: a stall lasting [`STALLED`], or a new connection staying silent for [`SILENT`].
    fn next_closable(&self) -> Option<Instant> {
        let stall_ends = self.stalled().map(|(since, _)| since + STALLED);
        let silence_ends = self
            .0
            .values()
            .filter(|slot| {
                !slot.closing()
                    && slot.activity.evictable()
                    && !slot.activity.requested.load(Ordering::Acquire)
            })
            .map(|slot| slot.accepted_at + SILENT);
        stall_ends.chain(silence_ends).min()
    }

    /// Busy connections whose socket refuses response bytes, with the time since when.
    fn stalled(&self) -> impl Iterator<Item = (Instant, &Connection)> {
        self.0
            .values()
            .filter(|slot| !slot.closing())
            .filter_map(|slot| Some((slot.activity.stalled_since()?, slot)))
    }
}

/// Whether a connection owes a response, and whether its client is taking it. Written by the
/// connection's own task (but for `cut`); the accept loop reads it to choose a connection to
/// close, and the task checks again before closing an idle one, so a stale read costs at most
/// a needless graceful shutdown.
struct Activity {
    /// The task has read from its socket: a request sent with the connection has been seen.
    started: AtomicBool,
    /// The task has read bytes from its socket.
    received: AtomicBool,
    /// A request has reached the router.
    requested: AtomicBool,
    /// Responses whose body has not ended (or been dropped).
    responding: AtomicUsize,
    /// Set by each request, cleared by the first flush of the socket after its response body
    /// ended: until then, response bytes may still sit in hyper's or rustls's buffers.
    unflushed: AtomicBool,
    /// Since when the socket has refused bytes without taking any, in milliseconds after
    /// `epoch`, plus one; 0 while it takes them.
    stalled: AtomicU64,
    epoch: Instant,
    /// Closed without its response finished (to make room, or past the write timeout): its
    /// socket is reset.
    cut: AtomicBool,
    /// Wakes the accept loop, which may be waiting for a connection it could close: one that
    /// became idle, or began to stall.
    closable: Arc<Notify>,
}

impl Activity {
    fn new(closable: Arc<Notify>, epoch: Instant) -> Self {
        Self {
            started: AtomicBool::new(false),
            received: AtomicBool::new(false),
            requested: AtomicBool::new(false),
            responding: AtomicUsize::new(0),
            unflushed: AtomicBool::new(false),
            stalled: AtomicU64::new(0),
            epoch,
            cut: AtomicBool::new(false),
            closable,
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
            self.closable.notify_one();
        }
    }

    fn flushed(&self) {
        if self.responding.load(Ordering::Acquire) == 0
            && self.unflushed.swap(false, Ordering::AcqRel)
        {
            self.closable.notify_one();
        }
    }

    /// The socket refused bytes: the stall begins now unless it had already.
    fn refused(&self) {
        if self.stalled.load(Ordering::Acquire) == 0 {
            let since = Instant::now().saturating_duration_since(self.epoch);
            let since = u64::try_from(since.as_millis()).unwrap_or(u64::MAX - 1);
            self.stalled.store(since + 1, Ordering::Release);
            self.closable.notify_one();
        }
    }

    /// The socket took bytes: no stall.
    fn took(&self) {
        if self.stalled.load(Ordering::Acquire) != 0 {
            self.stalled.store(0, Ordering::Release);
        }
    }

    /// Since when a busy connection's socket has refused bytes; `None` when it takes them or the
    /// connection is idle.
    fn stalled_since(&self) -> Option<Instant> {
        let since = self.stalled.load(Ordering::Acquire).checked_sub(1)?;
        (!self.idle()).then(|| self.epoch + Duration::from_millis(since))
    }

    fn is_cut(&self) -> bool {
        self.cut.load(Ordering::Acquire)
    }
}

/// Held from a request's arrival at the router until its response body ends or is dropped.
struct Responding(Arc<Activity>);

impl Responding {
    fn start(activity: &Arc<Activity>) -> Self {
        activity.requested.store(true, Ordering::Release);
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

/// The accepted socket, telling its [`Activity`] when it was first read, when a write was
/// refused or went through and when a flush went through; and failing writes past the write
/// timeout. Beneath TLS: rustls's writes and flush, and hyper's, end with these.
struct Tracked {
    stream: TcpStream,
    activity: Arc<Activity>,
    write_timeout: Duration,
    /// The write deadline of the response being sent; armed by its first write, disarmed once
    /// the connection is idle again. Allocated once per connection, reset for each response.
    deadline: Pin<Box<Sleep>>,
    armed: bool,
}

impl Tracked {
    fn new(stream: TcpStream, activity: Arc<Activity>, write_timeout: Duration) -> Self {
        Self {
            stream,
            activity,
            write_timeout,
            deadline: Box::pin(tokio::time::sleep(write_timeout)),
            armed: false,
        }
    }

    /// Runs `write` on the socket unless the deadline has passed, and tells the activity
    /// whether the socket took bytes.
    fn write_with(
        &mut self,
        cx: &mut Context<'_>,
        write: impl FnOnce(Pin<&mut TcpStream>, &mut Context<'_>) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        if !self.armed {
            let deadline = Instant::now() + self.write_timeout;
            self.deadline.as_mut().reset(deadline);
            self.armed = true;
        }
        // Polled with each write, so that a write left pending is woken at the deadline.
        if self.deadline.as_mut().poll(cx).is_ready() {
            self.activity.cut.store(true, Ordering::Release);
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "response not taken within the write timeout",
            )));
        }
        let written = write(Pin::new(&mut self.stream), cx);
        match written {
            Poll::Pending => self.activity.refused(),
            Poll::Ready(_) => self.activity.took(),
        }
        written
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        // A reset discards what the client has not taken; a plain close would leave the kernel
        // to keep sending it, for minutes, to a client that does not read.
        if self.activity.is_cut()
            && let Err(e) = self.stream.set_zero_linger()
        {
            tracing::debug!(error = %e, "cannot reset a cut connection");
        }
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let read = Pin::new(&mut self.stream).poll_read(cx, buf);
        self.activity.read();
        if buf.filled().len() > before {
            self.activity.received.store(true, Ordering::Release);
        }
        read
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.write_with(cx, |stream, cx| stream.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.write_with(cx, |stream, cx| stream.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let flushed = ready!(Pin::new(&mut self.stream).poll_flush(cx));
        if flushed.is_ok() {
            self.activity.flushed();
            if self.activity.idle() {
                self.armed = false;
            }
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
    let socket = stream.stream.as_raw_fd();
    let Some(tls) = tls else {
        return http(stream, socket, activity, router, header_read_timeout, close).await;
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
    http(stream, socket, activity, router, header_read_timeout, close).await;
}

/// Serves HTTP/1.1 on `io`, whose TCP socket is `socket`.
async fn http<I>(
    io: I,
    socket: RawFd,
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
            // that have started to arrive; an idle connection owes nothing and is dropped, and
            // one cut to make room is not waited for.
            if activity.is_cut() || (activity.idle() && !first_bytes_waiting(&activity, socket)) {
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
            accepted_at: Instant::now(),
            activity: Arc::new(Activity::new(Arc::new(Notify::new()), Instant::now())),
            close: CancellationToken::new(),
        }
    }

    fn id() -> task::Id {
        JoinSet::new().spawn(async {}).id()
    }

    #[tokio::test(start_paused = true)]
    async fn the_oldest_idle_connection_that_has_read_is_chosen() {
        let mut open = Open::default();
        let [unread, busy, closing, idle, newer, answered] = [1, 2, 3, 4, 5, 6].map(slot);
        // Read: the task had its chance to see a request sent with the connection.
        for slot in [&busy, &closing, &idle, &newer, &answered] {
            slot.activity.read();
        }
        let _responding = Responding::start(&busy.activity);
        drop(Responding::start(&answered.activity));
        answered.activity.flushed();
        closing.close.cancel();
        let (unread_activity, idle_close) = (unread.activity.clone(), idle.close.clone());
        let answered_close = answered.close.clone();
        for slot in [unread, busy, closing, idle, newer, answered] {
            open.insert(id(), slot);
        }
        assert_eq!(open.serving(), 5, "the one asked to close no longer counts");
        let now = Instant::now();
        assert_eq!(
            open.oldest_idle(now).map(|slot| slot.age),
            Some(6),
            "one that has asked nothing yet may have its request on the way"
        );
        assert_eq!(open.next_closable(), Some(now + SILENT));

        answered_close.cancel();
        tokio::time::advance(SILENT).await;
        let now = Instant::now();
        assert_eq!(open.oldest_idle(now).map(|slot| slot.age), Some(4));
        idle_close.cancel();
        assert_eq!(open.oldest_idle(now).map(|slot| slot.age), Some(5));
        unread_activity.read();
        assert_eq!(open.oldest_idle(now).map(|slot| slot.age), Some(1));
    }

    #[test]
    fn a_connection_is_busy_until_its_response_is_flushed() {
        let activity = Arc::new(Activity::new(Arc::new(Notify::new()), Instant::now()));
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

    #[tokio::test(start_paused = true)]
    async fn the_connection_stalled_longest_is_closed_once_stalled_long_enough_idle_ones_first() {
        let mut open = Open::default();
        let [first, second, keeping_up, idle] = [1, 2, 3, 4].map(slot);
        let _responses = [&first, &second, &keeping_up].map(|slot| {
            slot.activity.read();
            Responding::start(&slot.activity)
        });
        idle.activity.read();
        let stalled_at = Instant::now();
        second.activity.refused();
        tokio::time::advance(Duration::from_millis(100)).await;
        first.activity.refused();
        let (first_activity, second_close) = (first.activity.clone(), second.close.clone());
        let idle_close = idle.close.clone();
        for slot in [first, second, keeping_up] {
            open.insert(id(), slot);
        }

        assert_eq!(open.next_closable(), Some(stalled_at + STALLED));
        assert!(
            !open.closable(Instant::now()),
            "stalled for less than STALLED"
        );
        tokio::time::advance(STALLED).await;
        let now = Instant::now();
        assert_eq!(
            open.longest_stalled(now).map(|slot| slot.age),
            Some(2),
            "the one stalled longest, not the oldest"
        );

        open.insert(id(), idle);
        open.make_room(now);
        assert!(idle_close.is_cancelled() && !second_close.is_cancelled());
        open.make_room(now);
        assert!(second_close.is_cancelled());
        assert!(
            open.0
                .values()
                .any(|slot| slot.age == 2 && slot.activity.is_cut()),
            "cut at once, not after its response"
        );
        assert_eq!(open.longest_stalled(now).map(|slot| slot.age), Some(1));

        first_activity.took();
        assert!(open.longest_stalled(now).is_none(), "it took bytes again");
        assert_eq!(open.next_closable(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_write_not_taken_within_the_write_timeout_fails_and_cuts_the_connection() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let activity = Arc::new(Activity::new(Arc::new(Notify::new()), Instant::now()));
        let mut tracked = Tracked::new(server, activity.clone(), Duration::from_secs(60));
        let _responding = Responding::start(&activity);
        let started = Instant::now();
        let chunk = vec![0; 64 * 1024];
        // The client reads nothing: the socket buffers fill, then the deadline passes.
        let error = loop {
            if let Err(e) = tokio::io::AsyncWriteExt::write(&mut tracked, &chunk).await {
                break e;
            }
        };
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert!(started.elapsed() >= Duration::from_secs(60));
        assert!(activity.stalled_since().is_some() && activity.is_cut());
        drop((tracked, client));
    }

    #[tokio::test]
    async fn a_first_request_waiting_unread_is_seen_and_later_bytes_are_not() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        let activity = Activity::new(Arc::new(Notify::new()), Instant::now());
        assert!(!first_bytes_waiting(&activity, server.as_raw_fd()));

        tokio::io::AsyncWriteExt::write_all(&mut client, b"GET / HTTP/1.1\r\n\r\n")
            .await
            .unwrap();
        server.readable().await.unwrap();
        assert!(first_bytes_waiting(&activity, server.as_raw_fd()));
        assert!(
            first_bytes_waiting(&activity, server.as_raw_fd()),
            "peeked, not consumed"
        );
        activity.received.store(true, Ordering::Release);
        assert!(
            !first_bytes_waiting(&activity, server.as_raw_fd()),
            "once bytes were read, more waiting are a trickle, not a first request"
        );
    }
}
