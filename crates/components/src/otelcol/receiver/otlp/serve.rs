//! Accepting connections on a bound listener, with TLS when configured, and
//! serving a router over HTTP/1.1 and HTTP/2 (gRPC clients speak HTTP/2 with
//! prior knowledge, or negotiate `h2` over TLS).

use crate::otelcol::config::server::Http2Settings;
use axum::Router;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use rustls::ServerConfig;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// The peer of a connection, added to each request's extensions.
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub SocketAddr);

/// How connections of one server are handled.
#[derive(Clone)]
pub struct Connections {
    pub tls: Option<Arc<ServerConfig>>,
    pub http2: Http2Settings,
    /// HTTP/1.1 keep-alive, and how long a client may take to send headers.
    pub keep_alive: bool,
    pub header_read_timeout: Option<Duration>,
}

/// Binds `endpoint` (`host:port`), in the Collector's wording on failure.
pub fn bind(endpoint: &str) -> Result<TcpListener, String> {
    let listener =
        TcpListener::bind(endpoint).map_err(|e| format!("listen tcp {endpoint}: bind: {e}"))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("listen tcp {endpoint}: {e}"))?;
    Ok(listener)
}

/// Serves `router` on `listener` until `shutdown`; open connections are
/// dropped then.
pub async fn serve(
    listener: &TcpListener,
    router: Router,
    connections: Connections,
    shutdown: CancellationToken,
) -> Result<(), String> {
    let listener = listener
        .try_clone()
        .and_then(tokio::net::TcpListener::from_std)
        .map_err(|e| format!("listener: {e}"))?;
    let acceptor = connections.tls.clone().map(TlsAcceptor::from);
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .keep_alive(connections.keep_alive)
        .timer(TokioTimer::new())
        .header_read_timeout(connections.header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(connections.http2.max_concurrent_streams)
        .keep_alive_interval(connections.http2.keepalive_interval);
    if let Some(timeout) = connections.http2.keepalive_timeout {
        builder.http2().keep_alive_timeout(timeout);
    }
    let builder = Arc::new(builder);
    loop {
        let (stream, peer) = tokio::select! {
            _ = shutdown.cancelled() => return Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // A connection that failed before it was accepted (reset,
                // out of descriptors for a moment): keep serving the others.
                Err(e) => {
                    tracing::debug!("accept failed: {e}");
                    continue;
                }
            },
        };
        let service = router
            .clone()
            .map_request(move |mut request: Request<Incoming>| {
                request.extensions_mut().insert(Peer(peer));
                request
            });
        let service = TowerToHyperService::new(service);
        let builder = builder.clone();
        let acceptor = acceptor.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            let served = match acceptor {
                Some(acceptor) => {
                    match tokio::time::timeout(GRACE, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => {
                            serve_connection(&builder, stream, service, shutdown).await
                        }
                        Ok(Err(e)) => Err(format!("TLS handshake: {e}")),
                        Err(_) => Err("TLS handshake: timed out".into()),
                    }
                }
                None => serve_connection(&builder, stream, service, shutdown).await,
            };
            if let Err(e) = served {
                tracing::debug!(%peer, "connection ended: {e}");
            }
        });
    }
}

/// How long requests in flight may take to finish once the server stops
/// (shutdown, or new arguments that replace it), and a TLS handshake may take.
const GRACE: Duration = Duration::from_secs(5);

/// Serves one connection; when `shutdown` comes, it takes no new requests
/// and gets [`GRACE`] to finish the ones it has.
async fn serve_connection<I, S>(
    builder: &Builder<TokioExecutor>,
    io: I,
    service: S,
    shutdown: CancellationToken,
) -> Result<(), String>
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::Service<Request<Incoming>, Response = axum::response::Response>
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let connection = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => return result.map_err(|e| e.to_string()),
        _ = shutdown.cancelled() => connection.as_mut().graceful_shutdown(),
    }
    match tokio::time::timeout(GRACE, connection).await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err("requests still in flight after the grace period".into()),
    }
}
