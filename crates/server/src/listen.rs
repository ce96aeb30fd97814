//! The listener: HTTP/1.1 and HTTP/2 (h2c, or negotiated over TLS) on one port,
//! TLS and basic authentication as the `http` block currently says, and a
//! graceful stop that finishes requests in flight.

use crate::auth::BasicAuth;
use crate::tls;
use axum::Router;
use axum::extract::Request;
use axum::middleware::Next;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use runtime::services::HttpArguments;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

/// The `http` block as the server applies it.
#[derive(Default)]
pub struct Security {
    tls: Option<Arc<rustls::ServerConfig>>,
    auth: Option<BasicAuth>,
}

impl Security {
    pub fn from_arguments(args: &HttpArguments) -> Result<Security, String> {
        Ok(Security {
            tls: args.tls.as_ref().map(tls::server_config).transpose()?,
            auth: args.auth.as_ref().and_then(BasicAuth::from_arguments),
        })
    }

    /// Follows the controller's `http` block: every new value that can be
    /// applied replaces the settings; one that cannot is logged and the previous
    /// settings stay.
    pub fn follow(mut http: watch::Receiver<HttpArguments>) -> watch::Receiver<Arc<Security>> {
        let initial = Security::from_arguments(&http.borrow_and_update()).unwrap_or_else(|e| {
            tracing::error!(err = %e, "failed to apply the http block");
            Security::default()
        });
        let (tx, rx) = watch::channel(Arc::new(initial));
        tokio::spawn(async move {
            while http.changed().await.is_ok() {
                let applied = Security::from_arguments(&http.borrow_and_update());
                match applied {
                    Ok(security) => {
                        tracing::info!(
                            tls = security.tls.is_some(),
                            basic_auth = security.auth.is_some(),
                            "applying http settings"
                        );
                        if tx.send(Arc::new(security)).is_err() {
                            return;
                        }
                    }
                    Err(e) => tracing::error!(err = %e, "failed to apply the http block"),
                }
            }
        });
        rx
    }
}

/// Serves `app` on `listener` until `shutdown` is cancelled, then stops
/// accepting and gives open connections up to `drain` to finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    security: watch::Receiver<Arc<Security>>,
    shutdown: CancellationToken,
    drain: Duration,
) {
    let auth_settings = security.clone();
    let app = app.layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            let current = auth_settings.borrow().clone();
            async move {
                if let Some(auth) = &current.auth
                    && let Some(denied) = auth.deny(req.uri().path(), req.headers())
                {
                    return denied;
                }
                next.run(req).await
            }
        },
    ));
    let builder = Builder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait, then go on.
                    tracing::warn!(err = %e, "failed to accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = shutdown.cancelled() => break,
        };
        let tls = security.borrow().tls.clone();
        let service = TowerToHyperService::new(app.clone());
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let served = match tls {
                Some(config) => match TlsAcceptor::from(config).accept(stream).await {
                    Ok(stream) => {
                        let conn =
                            builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                        watcher.watch(conn.into_owned()).await
                    }
                    Err(e) => {
                        tracing::debug!(err = %e, "TLS handshake failed");
                        return;
                    }
                },
                None => {
                    let conn =
                        builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                    watcher.watch(conn.into_owned()).await
                }
            };
            if let Err(e) = served {
                tracing::debug!(err = %e, "http connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(drain, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("http connections still open after the shutdown deadline");
    }
}
