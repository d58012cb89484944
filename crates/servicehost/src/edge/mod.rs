//! The HTTP/1.1 edge: accepting connections, their timeouts and their cap.
//!
//! hyper serves each connection; around it this module adds what hyper leaves to the
//! application: a time limit on a request's head counted from its first byte, a
//! separate (longer) limit on idle keep-alive connections, and a cap on open
//! connections below the process's file limit. At the cap the oldest connections
//! without a request in progress are closed first, so a client holding thousands of
//! half-sent requests cannot keep others out. The body's time limit, overload and
//! rate limits are per request and live in the host (`crate::admission`).

mod connections;
mod file_limit;
mod timer;
mod watched;

pub use file_limit::{default_max_connections, raise_file_limit};

use axum::body::Body;
use axum::Router;
use connections::{BusyGuard, Phase, Registration, Registry};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

/// Limits of the connection layer.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// From a request's first byte to the end of its head.
    pub header_read_timeout: Duration,
    /// How long a connection may sit between requests.
    pub keep_alive_idle: Duration,
    /// Open connections at most; beyond, the oldest idle ones are closed.
    pub max_connections: usize,
    /// The largest request head (request line and headers), in bytes.
    pub max_head_bytes: usize,
    /// After a shutdown signal, how long requests in progress may take to finish.
    pub shutdown_grace: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            keep_alive_idle: Duration::from_secs(60),
            max_connections: 1024,
            max_head_bytes: 64 * 1024,
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets requests in
/// progress finish (within the grace period) and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let registry = Arc::new(Registry::new());
    let limits = Arc::new(limits);
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        if registry.len() >= limits.max_connections {
            make_room(&registry, &limits).await;
        }
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut shutdown => break,
        };
        match accepted {
            Ok((stream, _peer)) => {
                let connection = registry.open();
                let router = router.clone();
                let limits = limits.clone();
                let stopping = stopping.clone();
                tokio::spawn(run_connection(stream, connection, router, limits, stopping));
            }
            // Out of descriptors or a connection reset before it was accepted: the
            // listener stays good; pause so a persistent error cannot spin.
            Err(error) => {
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    drop(listener);
    let _ = stop.send(true);
    registry.close_all();
    let drained = async {
        while registry.len() > 0 {
            let closed = registry.closed.notified();
            if registry.len() == 0 {
                break;
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), closed).await;
        }
    };
    if tokio::time::timeout(limits.shutdown_grace, drained)
        .await
        .is_err()
    {
        tracing::warn!(
            open = registry.len(),
            "connections still open after the grace period"
        );
    }
}

/// At the cap: close the oldest idle connections, or wait for any to close when
/// every one has a request in progress.
async fn make_room(registry: &Registry, limits: &ConnectionLimits) {
    // Shedding in batches keeps the scan of all connections rare under a flood.
    let batch = (limits.max_connections / 64).max(1);
    while registry.len() >= limits.max_connections {
        let closed = registry.closed.notified();
        let asked = registry.shed_oldest_idle(batch);
        if asked > 0 {
            tracing::debug!(asked, "at the connection cap: closing the oldest idle");
        }
        let _ = tokio::time::timeout(Duration::from_millis(50), closed).await;
    }
}

async fn run_connection(
    stream: TcpStream,
    connection: Registration,
    router: Router,
    limits: Arc<ConnectionLimits>,
    mut stopping: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let slot = connection.slot.clone();
    let timer = timer::PhaseTimer::new(slot.clone(), limits.clone());
    tokio::pin!(timer);
    // Until its first head is complete a connection holds only what it sent: hyper's
    // buffers (16 KiB a connection) are for connections that asked for something.
    let mut stream = stream;
    let first_head = tokio::select! {
        biased;
        head = read_first_head(&mut stream, &slot) => match head {
            Ok(Some(head)) => head,
            Ok(None) | Err(_) => return,
        },
        _ = timer.as_mut() => return,
        _ = slot.shed.notified() => return,
        _ = stopping.changed() => return,
    };
    let io = TokioIo::new(watched::Watched::new(stream, slot.clone(), first_head));
    let service_slot = slot.clone();
    let service = hyper::service::service_fn(move |request: http::Request<Incoming>| {
        service_slot.request_started();
        let busy = BusyGuard(service_slot.clone());
        let router = router.clone();
        async move {
            let _busy = busy;
            router.oneshot(request.map(Body::new)).await
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .keep_alive(true)
        .half_close(false)
        .max_header_size(limits.max_head_bytes)
        .header_read_timeout(None);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut closing = false;
    loop {
        // `biased`: the connection is polled first, so the timer reads the phase the
        // connection has just moved to.
        tokio::select! {
            biased;
            result = conn.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
                break;
            }
            phase = timer.as_mut() => {
                tracing::debug!(?phase, "connection timed out");
                break;
            }
            _ = slot.shed.notified(), if !closing => {
                if slot.phase().0 != Phase::Busy {
                    break;
                }
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
            _ = stopping.changed(), if !closing => {
                conn.as_mut().graceful_shutdown();
                closing = true;
            }
        }
    }
    drop(connection);
}

/// The bytes of a connection's first request head, read in small steps: `None` when
/// the client closes first. Past `FIRST_HEAD_READ_AHEAD` bytes hyper takes over (and
/// answers 431 past the head limit).
async fn read_first_head(
    stream: &mut TcpStream,
    slot: &connections::Slot,
) -> std::io::Result<Option<Vec<u8>>> {
    let mut head = Vec::new();
    let mut chunk = [0u8; 512];
    loop {
        stream.readable().await?;
        match stream.try_read(&mut chunk) {
            Ok(0) => return Ok(None),
            Ok(n) => {
                slot.bytes_read();
                let searched_to = head.len().saturating_sub(3);
                head.extend_from_slice(&chunk[..n]);
                let complete = head[searched_to..].windows(4).any(|w| w == b"\r\n\r\n");
                if complete || head.len() >= FIRST_HEAD_READ_AHEAD {
                    return Ok(Some(head));
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(error) => return Err(error),
        }
    }
}

const FIRST_HEAD_READ_AHEAD: usize = 8 * 1024;
