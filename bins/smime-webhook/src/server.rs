//! The accept loop, connections (plain or TLS) and graceful shutdown.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::App;
use crate::handler;

/// Serves `app` on `listener` until `shutdown` is cancelled, then stops accepting, lets
/// every connection finish the request it is on, waits for the batches being processed
/// and returns.
///
/// # Errors
/// None today: failed accepts (for example out of file descriptors) are logged and
/// retried after a short pause, so that the daemon stays up under abuse.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let tracker = TaskTracker::new();
    let connections = Arc::new(Semaphore::new(app.limits.max_connections.max(1)));
    loop {
        let permit = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            permit = Arc::clone(&connections).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let app = Arc::clone(&app);
        let shutdown = shutdown.clone();
        let inner = tracker.clone();
        tracker.spawn(async move {
            let _permit = permit;
            connection(stream, peer, app, shutdown, inner).await;
        });
    }
    drop(listener);
    tracing::info!(
        connections = tracker.len(),
        "shutting down: no new connections, draining"
    );
    tracker.close();
    tracker.wait().await;
    tracing::info!("drained");
    Ok(())
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Arc<App>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
) {
    app.metrics.connection_opened();
    let _ = stream.set_nodelay(true);
    match app.tls.clone() {
        None => http(stream, peer, Arc::clone(&app), shutdown, tracker).await,
        Some(acceptor) => {
            let handshake = acceptor.accept(stream);
            match tokio::time::timeout(app.limits.tls_handshake_timeout, handshake).await {
                Ok(Ok(tls)) => http(tls, peer, Arc::clone(&app), shutdown, tracker).await,
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        }
    }
    app.metrics.connection_closed();
}

async fn http<I>(
    io: I,
    peer: SocketAddr,
    app: Arc<App>,
    shutdown: CancellationToken,
    tracker: TaskTracker,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = {
        let app = Arc::clone(&app);
        service_fn(move |req| {
            let app = Arc::clone(&app);
            let tracker = tracker.clone();
            async move {
                Ok::<_, std::convert::Infallible>(handler::handle(req, peer, app, tracker).await)
            }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(app.limits.header_read_timeout)
        .max_header_size(app.limits.max_header_bytes);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    let result = tokio::select! {
        result = conn.as_mut() => result,
        () = shutdown.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}
