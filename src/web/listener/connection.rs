//! One connection's task: its TLS handshake under the header deadline, then HTTP/1.1 through the
//! router, and how it closes when asked to: at once when it owes nothing, else after its
//! response.

use std::convert::Infallible;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::{Service as _, service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use super::activity::{Activity, Owed, Responding, Tracked};

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

pub(super) async fn connection(
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
    use tokio::net::{TcpListener, TcpStream};
    use tokio::sync::Notify;
    use tokio::time::Instant;

    use super::*;

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
