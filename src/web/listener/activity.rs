//! What each connection's task tells the accept loop: whether it owes a response and whether its
//! client takes it, through the response body it wraps ([`Owed`]) and the socket it wraps
//! ([`Tracked`]), which also fails writes past the write timeout.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tokio::time::{Instant, Sleep};

use super::STALLED;

/// Whether a connection owes a response, and whether its client is taking it. Written by the
/// connection's own task (but for `cut`); the accept loop reads it to choose a connection to
/// close, and the task checks again before closing an idle one, so a stale read costs at most
/// a needless graceful shutdown.
pub(super) struct Activity {
    /// The task has read from its socket: a request sent with the connection has been seen.
    pub(super) started: AtomicBool,
    /// The task has read bytes from its socket.
    pub(super) received: AtomicBool,
    /// A request has reached the router.
    pub(super) requested: AtomicBool,
    /// Responses whose body has not ended (or been dropped).
    pub(super) responding: AtomicUsize,
    /// Set by each request, cleared by the first flush of the socket after its response body
    /// ended: until then, response bytes may still sit in hyper's or rustls's buffers.
    pub(super) unflushed: AtomicBool,
    /// Since when the socket has refused bytes without taking any, in milliseconds after
    /// `epoch`, plus one; 0 while it takes them.
    pub(super) stalled: AtomicU64,
    /// When the socket last took bytes after refusing some, as `stalled`; 0 if never.
    pub(super) resumed: AtomicU64,
    /// The current stall began within [`STALLED`] of the last one's end: the client keeps
    /// taking its response, a round trip at a time.
    pub(super) keeping_up: AtomicBool,
    pub(super) epoch: Instant,
    /// Closed without its response finished (to make room, or past the write timeout): its
    /// socket is reset.
    pub(super) cut: AtomicBool,
    /// Wakes the accept loop, which may be waiting for a connection it could close: one that
    /// became idle, or began to stall.
    pub(super) closable: Arc<Notify>,
}

impl Activity {
    pub(super) fn new(closable: Arc<Notify>, epoch: Instant) -> Self {
        Self {
            started: AtomicBool::new(false),
            received: AtomicBool::new(false),
            requested: AtomicBool::new(false),
            responding: AtomicUsize::new(0),
            unflushed: AtomicBool::new(false),
            stalled: AtomicU64::new(0),
            resumed: AtomicU64::new(0),
            keeping_up: AtomicBool::new(false),
            epoch,
            cut: AtomicBool::new(false),
            closable,
        }
    }

    pub(super) fn idle(&self) -> bool {
        self.responding.load(Ordering::Acquire) == 0 && !self.unflushed.load(Ordering::Acquire)
    }

    pub(super) fn evictable(&self) -> bool {
        self.started.load(Ordering::Acquire) && self.idle()
    }

    pub(super) fn read(&self) {
        if !self.started.swap(true, Ordering::AcqRel) && self.idle() {
            self.closable.notify_one();
        }
    }

    pub(super) fn flushed(&self) {
        if self.responding.load(Ordering::Acquire) == 0
            && self.unflushed.swap(false, Ordering::AcqRel)
        {
            self.closable.notify_one();
        }
    }

    /// Now, in milliseconds after `epoch`, plus one (0 stands for never).
    fn now(&self) -> u64 {
        let since = Instant::now().saturating_duration_since(self.epoch);
        u64::try_from(since.as_millis()).map_or(u64::MAX, |ms| ms.saturating_add(1))
    }

    /// The socket refused bytes: the stall begins now unless it had already.
    pub(super) fn refused(&self) {
        if self.stalled.load(Ordering::Acquire) == 0 {
            let now = self.now();
            let resumed = self.resumed.load(Ordering::Acquire);
            let keeping_up = resumed != 0
                && now.saturating_sub(resumed) <= u64::try_from(STALLED.as_millis()).unwrap_or(0);
            self.keeping_up.store(keeping_up, Ordering::Release);
            self.stalled.store(now, Ordering::Release);
            self.closable.notify_one();
        }
    }

    /// The socket took bytes: no stall, and if there was one, it ended now.
    pub(super) fn took(&self) {
        if self.stalled.load(Ordering::Acquire) != 0 {
            self.resumed.store(self.now(), Ordering::Release);
            self.stalled.store(0, Ordering::Release);
        }
    }

    /// The stall of a busy connection's socket, refusing bytes; `None` when it takes them or
    /// the connection is idle.
    pub(super) fn stall(&self) -> Option<Stall> {
        let since = self.stalled.load(Ordering::Acquire).checked_sub(1)?;
        (!self.idle()).then(|| Stall {
            since: self.epoch + Duration::from_millis(since),
            keeping_up: self.keeping_up.load(Ordering::Acquire),
        })
    }

    pub(super) fn is_cut(&self) -> bool {
        self.cut.load(Ordering::Acquire)
    }
}

/// A busy connection whose socket refuses response bytes.
#[derive(Debug, Clone, Copy)]
pub(super) struct Stall {
    pub(super) since: Instant,
    /// The client took bytes after its last stall and stalled again soon after: it reads as
    /// the network delivers, and is only cut once stalled for [`STALLED`].
    pub(super) keeping_up: bool,
}

/// Held from a request's arrival at the router until its response body ends or is dropped.
pub(super) struct Responding(Arc<Activity>);

impl Responding {
    pub(super) fn start(activity: &Arc<Activity>) -> Self {
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
pub(super) struct Owed {
    pub(super) body: Body,
    pub(super) _responding: Responding,
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
pub(super) struct Tracked {
    pub(super) stream: TcpStream,
    pub(super) activity: Arc<Activity>,
    write_timeout: Duration,
    /// The write deadline of the response being sent; armed by its first write, disarmed once
    /// the connection is idle again. Allocated once per connection, reset for each response.
    deadline: Pin<Box<Sleep>>,
    armed: bool,
}

impl Tracked {
    pub(super) fn new(stream: TcpStream, activity: Arc<Activity>, write_timeout: Duration) -> Self {
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

#[cfg(test)]
mod tests {
    use tokio::net::TcpListener;

    use super::*;

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
    async fn a_stall_soon_after_the_client_took_bytes_again_is_one_of_a_client_keeping_up() {
        let activity = Arc::new(Activity::new(Arc::new(Notify::new()), Instant::now()));
        activity.read();
        let _responding = Responding::start(&activity);
        activity.took();
        activity.refused();
        assert!(
            !activity.stall().unwrap().keeping_up,
            "a first stall: it has taken nothing since its buffers filled"
        );

        tokio::time::advance(Duration::from_secs(2)).await;
        activity.took();
        tokio::time::advance(STALLED).await;
        activity.refused();
        let stall = activity.stall().unwrap();
        assert!(stall.keeping_up, "took bytes again, a round trip at a time");
        assert_eq!(stall.since, Instant::now());

        tokio::time::advance(Duration::from_millis(1)).await;
        activity.took();
        tokio::time::advance(STALLED + Duration::from_millis(1)).await;
        activity.refused();
        assert!(
            !activity.stall().unwrap().keeping_up,
            "took a few bytes once, then nothing for longer than a stall may last"
        );
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
        assert!(activity.stall().is_some() && activity.is_cut());
        drop((tracked, client));
    }
}
