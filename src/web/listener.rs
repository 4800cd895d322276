//! Accepting connections: a bound on how many are open, TLS when configured, a deadline for the
//! TLS handshake and for each request's headers (slowloris), and a graceful stop.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use crate::web::reload::WebConfigWatch;

/// After a failed accept (out of file descriptors, usually), before the next: retrying at once
/// would spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time a client has for its TLS handshake, then for each request's headers.
    pub header_read_timeout: Duration,
    /// Connections served at once; further ones wait in the kernel's accept queue.
    pub max_connections: usize,
    /// Time open connections get to finish once a stop was requested.
    pub shutdown_grace: Duration,
}

/// Serves `router` until `shutdown` is cancelled, then lets open connections finish their
/// current request for at most `limits.shutdown_grace`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    web: Arc<WebConfigWatch>,
    limits: Limits,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        // A slot is taken before accepting: at the limit, new connections wait in the accept
        // queue instead of being accepted and starved.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            _ = shutdown.cancelled() => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    tracing::error!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            _ = shutdown.cancelled() => break,
        };
        // A response goes out as several chunks (shared, pre-rendered pieces); without
        // TCP_NODELAY the last small one can wait for a delayed ACK, 40 ms on Linux.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot disable Nagle's algorithm");
        }
        let tls = web.current().tls.clone();
        let router = router.clone();
        let watcher = graceful.watcher();
        connections.spawn(async move {
            connection(stream, tls, router, limits.header_read_timeout, watcher).await;
            drop(slot);
        });
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "connections still open after {:?}; closing them",
            limits.shutdown_grace
        );
    }
    // Whatever is left (handshakes in progress, connections past the grace) is dropped.
    connections.shutdown().await;
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

async fn connection(
    stream: TcpStream,
    tls: Option<Arc<rustls::ServerConfig>>,
    router: Router,
    header_read_timeout: Duration,
    watcher: Watcher,
) {
    let Some(tls) = tls else {
        return http(stream, router, header_read_timeout, watcher).await;
    };
    match tokio::time::timeout(header_read_timeout, TlsAcceptor::from(tls).accept(stream)).await {
        Ok(Ok(stream)) => http(stream, router, header_read_timeout, watcher).await,
        // Scanners and clients without the right certificate: not worth more than debug.
        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
        Err(_) => tracing::debug!("TLS handshake not completed in time"),
    }
}

async fn http<I>(io: I, router: Router, header_read_timeout: Duration, watcher: Watcher)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .serve_connection(TokioIo::new(io), TowerToHyperService::new(router));
    if let Err(e) = watcher.watch(connection).await {
        tracing::debug!(error = %e, "connection ended with an error");
    }
}
