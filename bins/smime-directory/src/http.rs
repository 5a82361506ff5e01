//! The HTTP(S) server: connections, limits and shutdown. The routes are in [`routes`].

mod routes;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use crate::App;
use crate::metrics::Protocol;
use crate::net::accept_loop;

/// Serves the HTTP routes (HTTPS when the app has TLS) on `listener` until `shutdown`
/// is cancelled, then stops accepting, lets every connection finish the request it is
/// on and returns.
///
/// # Errors
/// None today: failed accepts are logged and retried after a short pause.
pub async fn serve_http(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let tls = app.options.tls.as_ref().map(|config| {
        let mut config = (**config).clone();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        TlsAcceptor::from(Arc::new(config))
    });
    accept_loop(
        listener,
        app,
        Protocol::Http,
        shutdown,
        move |stream, peer, app, shutdown| connection(stream, peer, app, shutdown, tls.clone()),
    )
    .await;
    Ok(())
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Arc<App>,
    shutdown: CancellationToken,
    tls: Option<TlsAcceptor>,
) {
    match tls {
        None => http(stream, peer, app, shutdown).await,
        Some(acceptor) => {
            let handshake = acceptor.accept(stream);
            match tokio::time::timeout(app.options.limits.tls_handshake_timeout, handshake).await {
                Ok(Ok(tls)) => http(tls, peer, app, shutdown).await,
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
            }
        }
    }
}

async fn http<I>(io: I, peer: SocketAddr, app: Arc<App>, shutdown: CancellationToken)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let limits = &app.options.limits;
    let service = {
        let app = Arc::clone(&app);
        service_fn(move |req| {
            let app = Arc::clone(&app);
            async move { Ok::<_, std::convert::Infallible>(routes::handle(req, &app).await) }
        })
    };
    let mut builder = http1::Builder::new();
    // hyper's header timeout covers the first head and every later one, so it is also
    // the keep-alive idle time; the shorter of the two bounds bites first.
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.first_request_timeout.min(limits.idle_timeout))
        .max_header_size(limits.max_header_bytes);
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
