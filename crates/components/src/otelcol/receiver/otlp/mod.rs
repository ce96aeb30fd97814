//! `otelcol.receiver.otlp` (SPEC §2.1): OTLP over gRPC and HTTP (protobuf and
//! JSON), each server started only when its block is present, data handed to
//! the `output` consumers with back-pressure carried back to the sender.

mod compression;
mod export;
mod grpc;
mod http;
mod serve;
mod validate;

#[cfg(test)]
mod security_tests;
#[cfg(test)]
mod tests;

use crate::otelcol::config::server::{GrpcServer, HttpServer};
use crate::otelcol::{DebugMetrics, Output};
use axum::Router;
use axum::extract::Request;
use export::Exporter;
use model::otlp::{ClientInfo, Context, Signal};
use parking_lot::Mutex;
use runtime::component::{Component, Options};
use serve::{Connections, Peer};
use std::net::TcpListener;
use std::sync::Arc;
use syntax::decode::{Block, Validate};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

#[derive(Clone, Debug, Default, PartialEq, Block)]
#[alloy(validate)]
pub struct Arguments {
    #[alloy(block, optional)]
    pub grpc: Option<GrpcArguments>,
    #[alloy(block, optional)]
    pub http: Option<HttpArguments>,
    #[alloy(block, optional)]
    pub debug_metrics: DebugMetrics,
    #[alloy(block)]
    pub output: Output,
}

/// The `grpc` block: the shared gRPC server block with the OTLP defaults.
pub type GrpcArguments = GrpcServer;

/// The `http` block: the shared HTTP server block and the signal paths.
#[derive(Clone, Debug, PartialEq, Block)]
pub struct HttpArguments {
    #[alloy(squash)]
    pub server: HttpServer,
    #[alloy(attr, optional)]
    pub traces_url_path: String,
    #[alloy(attr, optional)]
    pub metrics_url_path: String,
    #[alloy(attr, optional)]
    pub logs_url_path: String,
}

impl Default for HttpArguments {
    fn default() -> HttpArguments {
        HttpArguments {
            server: HttpServer::default(),
            traces_url_path: "/v1/traces".into(),
            metrics_url_path: "/v1/metrics".into(),
            logs_url_path: "/v1/logs".into(),
        }
    }
}

impl HttpArguments {
    /// The path `signal` is received on.
    pub fn url_path(&self, signal: Signal) -> &str {
        match signal {
            Signal::Traces => &self.traces_url_path,
            Signal::Metrics => &self.metrics_url_path,
            Signal::Logs => &self.logs_url_path,
        }
    }
}

impl Validate for Arguments {
    fn validate(&self) -> Result<(), String> {
        let Some(http) = &self.http else {
            return Ok(());
        };
        for (name, path) in [
            ("traces_url_path", &http.traces_url_path),
            ("logs_url_path", &http.logs_url_path),
            ("metrics_url_path", &http.metrics_url_path),
        ] {
            if path.is_empty() {
                return Err(format!("{name} cannot be empty"));
            }
            if !path.starts_with('/') || path.contains(char::is_whitespace) {
                return Err(format!("invalid {name}: {path:?} is not a URL path"));
            }
        }
        Ok(())
    }
}

/// Who sent a request: the peer address, the headers when `include_metadata`
/// is set (names in lower case, as gRPC metadata), what the authenticator
/// learnt.
fn client_context(
    request: &Request,
    include_metadata: bool,
    auth: Vec<(String, String)>,
) -> Context {
    let headers = request.headers();
    let metadata = if include_metadata {
        headers
            .keys()
            .map(|name| {
                let values = headers
                    .get_all(name)
                    .iter()
                    .filter_map(|v| v.to_str().ok().map(str::to_owned))
                    .collect();
                (name.as_str().to_owned(), values)
            })
            .collect()
    } else {
        Vec::new()
    };
    Arc::new(ClientInfo {
        address: request.extensions().get::<Peer>().map(|p| p.0),
        metadata,
        auth,
    })
}

/// One running server: its arguments, its socket and what serves it.
struct Server<A> {
    args: A,
    listener: Arc<TcpListener>,
    router: Router,
    connections: Connections,
}

/// The servers the arguments ask for.
#[derive(Default)]
struct Servers {
    grpc: Option<Server<GrpcArguments>>,
    http: Option<Server<HttpArguments>>,
}

/// Keeps the socket of a server whose endpoint did not change (rebinding it
/// would fail while the old one is open), binds the others.
fn listener_for<A>(
    endpoint: &str,
    current: Option<&Server<A>>,
    endpoint_of: fn(&A) -> &str,
) -> Result<Arc<TcpListener>, String> {
    match current {
        Some(server) if endpoint_of(&server.args) == endpoint => Ok(server.listener.clone()),
        _ => serve::bind(endpoint).map(Arc::new),
    }
}

impl Servers {
    fn new(
        args: &Arguments,
        exporter: &Arc<Exporter>,
        current: &Servers,
    ) -> Result<Servers, String> {
        let grpc = match &args.grpc {
            None => None,
            Some(grpc) => {
                let tls = grpc
                    .tls
                    .as_ref()
                    .map(|t| t.server_config(&[b"h2"]))
                    .transpose()?;
                Some(Server {
                    listener: listener_for(&grpc.endpoint, current.grpc.as_ref(), |a| &a.endpoint)?,
                    router: grpc::router(exporter.clone(), grpc),
                    connections: Connections {
                        tls,
                        http2: grpc.http2(),
                        keep_alive: true,
                        header_read_timeout: None,
                    },
                    args: grpc.clone(),
                })
            }
        };
        let http = match &args.http {
            None => None,
            Some(http) => {
                let server = &http.server;
                let tls = server
                    .tls
                    .as_ref()
                    .map(|t| t.server_config(&[b"h2", b"http/1.1"]))
                    .transpose()?;
                Some(Server {
                    listener: listener_for(&server.endpoint, current.http.as_ref(), |a| {
                        &a.server.endpoint
                    })?,
                    router: http::router(exporter.clone(), http)?,
                    connections: Connections {
                        tls,
                        http2: Default::default(),
                        keep_alive: server.keep_alives_enabled,
                        header_read_timeout: server
                            .read_header_timeout
                            .to_std()
                            .filter(|d| !d.is_zero()),
                    },
                    args: http.clone(),
                })
            }
        };
        Ok(Servers { grpc, http })
    }

    fn unchanged(&self, args: &Arguments) -> bool {
        self.grpc.as_ref().map(|s| &s.args) == args.grpc.as_ref()
            && self.http.as_ref().map(|s| &s.args) == args.http.as_ref()
    }
}

pub struct OtlpReceiver {
    exporter: Arc<Exporter>,
    servers: Mutex<Servers>,
    /// Bumped when `servers` changed, so `run` restarts them.
    generation: watch::Sender<u64>,
}

#[cfg(test)]
impl OtlpReceiver {
    /// The bound addresses of the gRPC and HTTP servers.
    fn addresses(&self) -> (Option<std::net::SocketAddr>, Option<std::net::SocketAddr>) {
        let servers = self.servers.lock();
        let address = |l: &Arc<TcpListener>| l.local_addr().expect("a bound socket");
        (
            servers.grpc.as_ref().map(|s| address(&s.listener)),
            servers.http.as_ref().map(|s| address(&s.listener)),
        )
    }
}

impl Component for OtlpReceiver {
    type Arguments = Arguments;

    fn build(opts: Options, args: Arguments) -> Result<OtlpReceiver, String> {
        let exporter = Arc::new(Exporter::new(args.output.clone(), &opts.metrics));
        let servers = Servers::new(&args, &exporter, &Servers::default())?;
        Ok(OtlpReceiver {
            exporter,
            servers: Mutex::new(servers),
            generation: watch::Sender::new(0),
        })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        let mut generation = self.generation.subscribe();
        let result = loop {
            generation.mark_unchanged();
            let stop = shutdown.child_token();
            let mut tasks = JoinSet::new();
            {
                let servers = self.servers.lock();
                let grpc = servers
                    .grpc
                    .iter()
                    .map(|s| (&s.listener, &s.router, &s.connections));
                let http = servers
                    .http
                    .iter()
                    .map(|s| (&s.listener, &s.router, &s.connections));
                for (listener, router, connections) in grpc.chain(http) {
                    let (listener, router, connections, stop) = (
                        listener.clone(),
                        router.clone(),
                        connections.clone(),
                        stop.clone(),
                    );
                    tasks.spawn(
                        async move { serve::serve(&listener, router, connections, stop).await },
                    );
                }
            }
            let failed = tokio::select! {
                _ = shutdown.cancelled() => break Ok(()),
                _ = generation.changed() => None,
                Some(Ok(Err(e))) = tasks.join_next() => Some(e),
            };
            stop.cancel();
            while tasks.join_next().await.is_some() {}
            if let Some(e) = failed {
                break Err(e);
            }
        };
        // Shutting down closes the sockets.
        *self.servers.lock() = Servers::default();
        result
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        self.exporter.set_output(args.output.clone());
        let mut servers = self.servers.lock();
        if servers.unchanged(&args) {
            return Ok(());
        }
        let replacement = Servers::new(&args, &self.exporter, &servers)?;
        *servers = replacement;
        drop(servers);
        self.generation.send_modify(|g| *g += 1);
        Ok(())
    }
}
