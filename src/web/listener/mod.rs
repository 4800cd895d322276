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
//! cut for a new one, once it has been stalled for its *allowance*: [`STALLED`] while few
//! connections wait in the kernel's accept queue, and shorter in proportion to their number
//! beyond (never below [`STALL_FLOOR`]), so that slots turn over fast enough for the last
//! connection queued to be let in within about [`QUEUE_DRAIN`], however many clients read
//! slowly or not at all, pipeline requests they never read, or come back as soon as they are
//! cut. The accept queue is first come, first served, and what a connection asks for is only
//! known once it holds a slot, so a probe or a fresh scrape waits its turn behind them: the
//! turn is what is kept short (reading requests before they take a slot would let probes pass,
//! but not a scrape, which asks what the slow readers ask). A client that keeps up with its
//! response, taking bytes again after each stall, a round trip at a time, keeps the whole
//! [`STALLED`] allowance however long the queue. A connection let in while every slot is taken
//! gets a small send buffer ([`PRESSED_SEND_BUFFER`]), so that a slow reader costs a small
//! write, not megabytes, each time it comes back. The queue is as long as the kernel allows
//! ([`bind`]); a client that finds it full is dropped and retries a second later, so beyond it
//! probes wait that second.
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

mod activity;
mod connection;
mod slots;

use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::web::reload::WebConfigWatch;
use activity::{Activity, Tracked};
use connection::connection;
use slots::{Connection, Open, stall_allowance};

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

/// About the longest the last connection in the kernel's accept queue waits for a slot taken by
/// a stalled connection, however long the queue: well under a liveness probe's usual
/// one-second timeout, with room for the time the connections let in take to stall.
const QUEUE_DRAIN: Duration = Duration::from_millis(400);

/// The send buffer of a connection let in while every slot is taken, in place of the kernel's
/// own, which grows to `tcp_wmem`'s maximum (4 MiB by default): a slow reader let in under
/// pressure stalls, and is cut, having cost a write of this much rather than of megabytes, and
/// pins this much kernel memory. The kernel doubles it for its bookkeeping; a client that keeps
/// up still gets it every round trip, over 100 MB/s within a data centre.
const PRESSED_SEND_BUFFER: usize = 64 * 1024;

/// The shortest a stall may last before its connection may be cut for one waiting in a long
/// accept queue: a round trip on a nearby network, so that a client that keeps up with its
/// response is not cut, and a bound on how often slots are handed over.
const STALL_FLOOR: Duration = Duration::from_millis(10);

/// While every slot is taken, how often the accept queue's length is looked at again: a longer
/// queue shortens the stall allowance, and clients that join it wake nobody.
const QUEUE_RECHECK: Duration = Duration::from_millis(20);

/// What the server grants its clients.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time a client has for its TLS handshake, then for each request's headers.
    pub header_read_timeout: Duration,
    /// Connections served at once. When every one is taken, the oldest idle one is closed for a
    /// new one, or else the one whose client has taken none of its response for longest, once
    /// that is half a second, or less when more wait than there are slots; otherwise new ones
    /// wait in the kernel's accept queue.
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
        let full = open.serving() >= max;
        let allowance = if full {
            stall_allowance(max, queued(&listener))
        } else {
            STALLED
        };
        let room = below_sockets && (!full || open.closable(now, allowance));
        // Room later, when a stall or a silence has lasted long enough, or sooner if the queue
        // grows meanwhile.
        let closable_at = if below_sockets && !room {
            open.next_closable(allowance)
                .map(|at| at.min(now + QUEUE_RECHECK))
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
            let buffer = socket2::SockRef::from(&stream).set_send_buffer_size(PRESSED_SEND_BUFFER);
            if let Err(e) = buffer {
                tracing::debug!(error = %e, "cannot bound a connection's send buffer");
            }
            // The allowance that made room: the queue is one shorter now.
            open.make_room(Instant::now(), allowance);
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

/// How many connections wait in `listener`'s accept queue, as Linux reports for a listening
/// socket (`tcpi_unacked`, what `ss` shows as its Recv-Q); 0 when it cannot tell.
#[cfg(target_os = "linux")]
fn queued(listener: &TcpListener) -> usize {
    // SAFETY: tcp_info is plain integers, for which zero is a valid value.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut length = libc::socklen_t::try_from(std::mem::size_of::<libc::tcp_info>())
        .unwrap_or(libc::socklen_t::MAX);
    // SAFETY: the descriptor is the listener's, open while it is borrowed; getsockopt writes at
    // most `length` bytes into `info` and the length it wrote into `length`.
    let got = unsafe {
        libc::getsockopt(
            listener.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&raw mut info).cast(),
            &raw mut length,
        )
    };
    if got == 0 {
        usize::try_from(info.tcpi_unacked).unwrap_or(usize::MAX)
    } else {
        0
    }
}

/// Elsewhere the queue's length is not known: stalls keep their slot for [`STALLED`].
#[cfg(not(target_os = "linux"))]
fn queued(_listener: &TcpListener) -> usize {
    0
}

/// Binds `addr` with as long an accept queue as the kernel allows (`net.core.somaxconn`, 4096
/// by default since Linux 5.4; the kernel lowers a longer request to it): the standard
/// library's 128 overflows under clients that reconnect as soon as they are cut, and a client
/// whose connection attempt is dropped tries again only a second later.
pub(crate) fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    const BACKLOG: u32 = 65_535;
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As the standard library does: a restart need not wait for the old sockets' TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
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

#[cfg(test)]
mod tests {
    use tokio::net::TcpStream;

    use super::*;

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn the_accept_queue_holds_more_than_the_standard_librarys_128_and_is_counted() {
        let listener = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        assert_eq!(queued(&listener), 0);
        // Beyond a queue of 128 the kernel drops connection attempts, retried a second later.
        let mut connecting = JoinSet::new();
        for _ in 0..300 {
            connecting.spawn(tokio::time::timeout(
                Duration::from_millis(900),
                TcpStream::connect(addr),
            ));
        }
        let mut clients = Vec::new();
        while let Some(connected) = connecting.join_next().await {
            let client = connected.unwrap().expect("queued at once, not retried");
            clients.push(client.unwrap());
        }
        assert_eq!(queued(&listener), 300);
        drop(listener.accept().await.unwrap());
        assert_eq!(queued(&listener), 299);
    }
}
