//! The OTLP exporters against real peers on ephemeral ports: a tonic OTLP
//! server and an axum OTLP/HTTP server that record what they get and answer
//! from a script.

use super::otlp::{self, OtlpExporter};
use super::otlphttp::{self, OtlpHttpExporter};
use crate::otelcol::auth::{Authenticator, Handler};
use crate::otelcol::config::client::{
    ClientTls, CompressionParams, Cookies, GrpcClient, HttpClient, RetryOnFailure, SendingQueue,
};
use crate::testing::{eventually, field, options};
use axum::http::HeaderMap;
use bytes::Bytes;
use model::otlp::{
    ConsumeError, Consumer, Context, ExportLogsServiceRequest, ExportMetricsServiceRequest,
    ExportTraceServiceRequest, Payload, Signal, Telemetry,
};
use model::otlp_json::OtlpJson;
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceResponse;
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::metrics::v1::{
    Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, metric, number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use parking_lot::Mutex;
use prost::Message;
use runtime::component::Component;
use runtime::health::HealthState;
use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use syntax::decode::{Codec, GoDuration};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

// ---------------------------------------------------------------- payloads

fn attribute(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.into())),
        }),
        ..KeyValue::default()
    }
}

fn resource() -> Option<Resource> {
    Some(Resource {
        attributes: vec![attribute("service.name", "checkout")],
        ..Resource::default()
    })
}

fn traces(spans: usize) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: resource(),
            scope_spans: vec![ScopeSpans {
                spans: (0..spans)
                    .map(|i| Span {
                        trace_id: vec![1; 16],
                        span_id: vec![i as u8 + 1; 8],
                        name: format!("GET /cart/{i}"),
                        start_time_unix_nano: 1_700_000_000_000_000_000,
                        end_time_unix_nano: 1_700_000_000_500_000_000,
                        attributes: vec![attribute("http.method", "GET")],
                        ..Span::default()
                    })
                    .collect(),
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }
}

fn metrics() -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: resource(),
            scope_metrics: vec![ScopeMetrics {
                metrics: vec![Metric {
                    name: "queue_depth".into(),
                    data: Some(metric::Data::Gauge(Gauge {
                        data_points: vec![NumberDataPoint {
                            time_unix_nano: 1_700_000_000_000_000_000,
                            value: Some(number_data_point::Value::AsDouble(4.5)),
                            ..NumberDataPoint::default()
                        }],
                    })),
                    ..Metric::default()
                }],
                ..ScopeMetrics::default()
            }],
            ..ResourceMetrics::default()
        }],
    }
}

fn logs() -> ExportLogsServiceRequest {
    ExportLogsServiceRequest {
        resource_logs: vec![ResourceLogs {
            resource: resource(),
            scope_logs: vec![ScopeLogs {
                log_records: vec![LogRecord {
                    time_unix_nano: 1_700_000_000_000_000_000,
                    severity_text: "INFO".into(),
                    body: Some(AnyValue {
                        value: Some(any_value::Value::StringValue("order placed".into())),
                    }),
                    ..LogRecord::default()
                }],
                ..ScopeLogs::default()
            }],
            ..ResourceLogs::default()
        }],
    }
}

/// One request of each signal, made from bytes as a receiver would.
fn all_signals() -> Vec<(Telemetry, Bytes)> {
    let t = Bytes::from(traces(2).encode_to_vec());
    let m = Bytes::from(metrics().encode_to_vec());
    let l = Bytes::from(logs().encode_to_vec());
    vec![
        (
            Telemetry::Traces(Payload::from_encoded(t.clone()).unwrap()),
            t,
        ),
        (
            Telemetry::Metrics(Payload::from_encoded(m.clone()).unwrap()),
            m,
        ),
        (
            Telemetry::Logs(Payload::from_encoded(l.clone()).unwrap()),
            l,
        ),
    ]
}

fn some_traces() -> Telemetry {
    Telemetry::Traces(Payload::from_message(traces(3)))
}

// ---------------------------------------------------------------- peers

/// What a peer received and how it answers.
#[derive(Default)]
struct Peer {
    /// Signal, headers, the request's protobuf bytes, when it arrived.
    received: Mutex<Vec<(Signal, HeaderMap, Bytes, Instant)>>,
    /// Answers for the next requests; an empty script accepts everything.
    script: Mutex<VecDeque<Answer>>,
}

#[derive(Clone)]
enum Answer {
    /// Accepted with this many items rejected (partial success).
    Partial(i64),
    /// HTTP: a status with an optional `Retry-After` (seconds).
    Http(u16, Option<u64>),
    /// gRPC: a status code, with a `RetryInfo` delay.
    Grpc(tonic::Code, Option<Duration>),
    /// HTTP: no answer for this long.
    Stall(Duration),
}

impl Peer {
    fn answer(&self, signal: Signal, headers: HeaderMap, body: Bytes) -> Option<Answer> {
        self.received
            .lock()
            .push((signal, headers, body, Instant::now()));
        self.script.lock().pop_front()
    }

    fn count(&self) -> usize {
        self.received.lock().len()
    }

    fn arrivals(&self) -> Vec<Instant> {
        self.received.lock().iter().map(|r| r.3).collect()
    }
}

#[derive(Clone)]
struct GrpcPeer(Arc<Peer>);

impl GrpcPeer {
    fn handle<M: Message>(
        &self,
        signal: Signal,
        request: tonic::Request<M>,
    ) -> Result<i64, tonic::Status> {
        let headers = request.metadata().clone().into_headers();
        let body = Bytes::from(request.into_inner().encode_to_vec());
        match self.0.answer(signal, headers, body) {
            None | Some(Answer::Http(..) | Answer::Stall(_)) => Ok(0),
            Some(Answer::Partial(rejected)) => Ok(rejected),
            Some(Answer::Grpc(code, delay)) => {
                let details = delay.map(|d| {
                    let info = super::rpc::RetryInfo {
                        retry_delay: Some(super::rpc::ProtoDuration {
                            seconds: d.as_secs() as i64,
                            nanos: d.subsec_nanos() as i32,
                        }),
                    };
                    super::rpc::Status {
                        code: code as i32,
                        message: "slow down".into(),
                        details: vec![super::rpc::Any {
                            type_url: super::rpc::RETRY_INFO_TYPE.into(),
                            value: info.encode_to_vec(),
                        }],
                    }
                    .encode_to_vec()
                });
                Err(match details {
                    Some(details) => {
                        tonic::Status::with_details(code, "slow down", Bytes::from(details))
                    }
                    None => tonic::Status::new(code, "refused by the test peer"),
                })
            }
        }
    }
}

#[tonic::async_trait]
impl TraceService for GrpcPeer {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let rejected = self.handle(Signal::Traces, request)?;
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: (rejected > 0).then(|| ExportTracePartialSuccess {
                rejected_spans: rejected,
                error_message: "span too old".into(),
            }),
        }))
    }
}

#[tonic::async_trait]
impl MetricsService for GrpcPeer {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        self.handle(Signal::Metrics, request)?;
        Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl LogsService for GrpcPeer {
    async fn export(
        &self,
        request: tonic::Request<ExportLogsServiceRequest>,
    ) -> Result<tonic::Response<ExportLogsServiceResponse>, tonic::Status> {
        let rejected = self.handle(Signal::Logs, request)?;
        Ok(tonic::Response::new(ExportLogsServiceResponse {
            partial_success: (rejected > 0).then(|| ExportLogsPartialSuccess {
                rejected_log_records: rejected,
                error_message: "too big".into(),
            }),
        }))
    }
}

/// Starts a gRPC OTLP server on `listener`, with TLS when given.
fn serve_grpc(listener: TcpListener, tls: Option<tonic::transport::ServerTlsConfig>) -> Arc<Peer> {
    use tonic::codec::CompressionEncoding::{Gzip, Zstd};
    let peer = Arc::new(Peer::default());
    let service = GrpcPeer(peer.clone());
    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = tls {
        builder = builder.tls_config(tls).unwrap();
    }
    let router = builder
        .add_service(
            TraceServiceServer::new(service.clone())
                .accept_compressed(Gzip)
                .accept_compressed(Zstd),
        )
        .add_service(MetricsServiceServer::new(service.clone()).accept_compressed(Gzip))
        .add_service(LogsServiceServer::new(service).accept_compressed(Gzip));
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    tokio::spawn(router.serve_with_incoming(incoming));
    peer
}

/// Accepts TLS connections, handshaking one at a time (enough for a test).
struct TlsListener {
    tcp: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, SocketAddr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp.local_addr()
    }
}

/// Starts an OTLP/HTTPS server that requires a client certificate.
fn serve_https(listener: TcpListener, dir: &Path) -> Arc<Peer> {
    let pem = |name: &str| std::fs::read(dir.join(name)).unwrap();
    let roots = tls::root_store(&pem("ca.pem"), "ca").unwrap();
    let verifier = rustls::server::WebPkiClientVerifier::builder(Arc::new(roots))
        .build()
        .unwrap();
    let mut config = rustls::ServerConfig::builder()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            tls::certificates(&pem("server.pem"), "cert").unwrap(),
            tls::private_key(&pem("server.key")).unwrap(),
        )
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    serve_http(TlsListener {
        tcp: listener,
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    })
}

/// Starts an OTLP/HTTP server on `listener`.
fn serve_http(listener: impl axum::serve::Listener<Addr = SocketAddr>) -> Arc<Peer> {
    use axum::extract::{Path as UrlPath, State};
    use axum::response::IntoResponse;
    use std::io::Read;
    async fn export(
        State(peer): State<Arc<Peer>>,
        UrlPath(signal): UrlPath<String>,
        headers: HeaderMap,
        body: Bytes,
    ) -> axum::response::Response {
        let signal = match signal.as_str() {
            "traces" => Signal::Traces,
            "metrics" => Signal::Metrics,
            _ => Signal::Logs,
        };
        let body = match headers.get("content-encoding").map(|v| v.as_bytes()) {
            Some(b"gzip") => {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&body[..])
                    .read_to_end(&mut out)
                    .unwrap();
                Bytes::from(out)
            }
            Some(b"zstd") => Bytes::from(zstd::decode_all(&body[..]).unwrap()),
            Some(b"zlib") => {
                let mut out = Vec::new();
                flate2::read::ZlibDecoder::new(&body[..])
                    .read_to_end(&mut out)
                    .unwrap();
                Bytes::from(out)
            }
            _ => body,
        };
        // JSON requests are recorded as protobuf, to compare with what was sent.
        let json = header(&headers, "content-type") == "application/json";
        let body = if json {
            let message = match signal {
                Signal::Traces => {
                    ExportTraceServiceRequest::from_json(&body).map(|m| m.encode_to_vec())
                }
                Signal::Metrics => {
                    ExportMetricsServiceRequest::from_json(&body).map(|m| m.encode_to_vec())
                }
                Signal::Logs => {
                    ExportLogsServiceRequest::from_json(&body).map(|m| m.encode_to_vec())
                }
            };
            Bytes::from(message.unwrap())
        } else {
            body
        };
        match peer.answer(signal, headers, body) {
            None | Some(Answer::Grpc(..)) => Bytes::new().into_response(),
            Some(Answer::Stall(pause)) => {
                tokio::time::sleep(pause).await;
                Bytes::new().into_response()
            }
            Some(Answer::Partial(rejected)) => {
                let response = ExportTraceServiceResponse {
                    partial_success: Some(ExportTracePartialSuccess {
                        rejected_spans: rejected,
                        error_message: "span too old".into(),
                    }),
                };
                let body = if json {
                    response.to_json()
                } else {
                    response.encode_to_vec()
                };
                Bytes::from(body).into_response()
            }
            Some(Answer::Http(code, retry_after)) => {
                let status = axum::http::StatusCode::from_u16(code).unwrap();
                let body = super::rpc::Status {
                    code: 14,
                    message: format!("answer {code}"),
                    details: Vec::new(),
                }
                .encode_to_vec();
                match retry_after {
                    Some(s) => (status, [("retry-after", s.to_string())], body).into_response(),
                    None => (status, body).into_response(),
                }
            }
        }
    }
    let peer = Arc::new(Peer::default());
    let router = axum::Router::new()
        .route("/v1/{signal}", axum::routing::post(export))
        .with_state(peer.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    peer
}

async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// A port nobody listens on yet: bound, then released.
async fn free_port() -> SocketAddr {
    listener().await.1
}

// ---------------------------------------------------------------- exporters

/// A running exporter: its input, metrics and health.
struct Running<C: Component> {
    component: Arc<C>,
    input: Consumer,
    registry: Arc<Mutex<prometheus_client::registry::Registry>>,
    stop: CancellationToken,
}

impl<C: Component> Running<C> {
    fn start(id: &str, args: C::Arguments) -> Running<C> {
        let (opts, exports) = options(id);
        let registry = opts.metrics.clone();
        let component = Arc::new(C::build(opts, args).unwrap());
        let input = Consumer::decode(field(&exports.last().unwrap(), "input")).unwrap();
        let stop = CancellationToken::new();
        tokio::spawn(component.clone().run(stop.clone()));
        Running {
            component,
            input,
            registry,
            stop,
        }
    }

    async fn send(&self, data: Telemetry) -> Result<(), ConsumeError> {
        self.input.consume(data, Context::default()).await
    }

    /// A sample of the exporter's metrics, 0 when absent.
    fn metric(&self, name: &str) -> f64 {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry.lock()).unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
            .map_or(0.0, |v| v.parse().unwrap())
    }

    fn health(&self) -> HealthState {
        self.component.health().unwrap().state
    }
}

impl<C: Component> Drop for Running<C> {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

fn fast_retry() -> RetryOnFailure {
    RetryOnFailure {
        initial_interval: GoDuration::from_std(Duration::from_millis(50)),
        max_interval: GoDuration::from_std(Duration::from_millis(200)),
        ..RetryOnFailure::default()
    }
}

fn no_queue() -> SendingQueue {
    SendingQueue {
        enabled: false,
        ..SendingQueue::default()
    }
}

fn grpc_args(addr: &str, tls: ClientTls) -> otlp::Arguments {
    otlp::Arguments {
        client: GrpcClient {
            endpoint: addr.into(),
            tls,
            ..GrpcClient::default()
        },
        retry_on_failure: fast_retry(),
        sending_queue: no_queue(),
        ..otlp::Arguments::default()
    }
}

fn plaintext() -> ClientTls {
    ClientTls {
        insecure: true,
        ..ClientTls::default()
    }
}

fn http_args(addr: SocketAddr) -> otlphttp::Arguments {
    otlphttp::Arguments {
        client: HttpClient {
            endpoint: format!("http://{addr}"),
            ..HttpClient::default()
        },
        retry_on_failure: fast_retry(),
        sending_queue: no_queue(),
        ..otlphttp::Arguments::default()
    }
}

struct Token;

impl Authenticator for Token {
    fn client_headers(&self) -> Result<Vec<(String, String)>, String> {
        Ok(vec![("authorization".into(), "Bearer s3cret".into())])
    }

    fn authenticate(&self, _: &HeaderMap) -> Result<Vec<(String, String)>, String> {
        Ok(Vec::new())
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map_or("", |v| v.to_str().unwrap_or_default())
}

/// Every signal arrives with the bytes it was sent with.
fn assert_all_arrived(peer: &Peer, sent: &[(Telemetry, Bytes)]) {
    let received = peer.received.lock();
    assert_eq!(received.len(), sent.len());
    for ((signal, _, body, _), (data, bytes)) in received.iter().zip(sent) {
        assert_eq!(*signal, data.signal());
        assert_eq!(body, bytes, "{signal:?} arrived changed");
    }
}

// ---------------------------------------------------------------- gRPC

#[tokio::test]
async fn grpc_sends_every_signal_unchanged_compressed_with_headers() {
    let (listener, addr) = listener().await;
    let peer = serve_grpc(listener, None);
    let mut args = grpc_args(&addr.to_string(), plaintext());
    args.client.headers = BTreeMap::from([("X-Scope-OrgID".into(), "tenant-1".into())]);
    let exporter = Running::<OtlpExporter>::start("otelcol.exporter.otlp.grpc", args);
    let sent = all_signals();
    for (data, _) in &sent {
        exporter.send(data.clone()).await.unwrap();
    }
    assert_all_arrived(&peer, &sent);
    let received = peer.received.lock();
    let headers = &received[0].1;
    assert_eq!(header(headers, "x-scope-orgid"), "tenant-1");
    assert_eq!(header(headers, "grpc-encoding"), "gzip");
    drop(received);
    assert_eq!(exporter.metric("otelcol_exporter_sent_spans_total"), 2.0);
    assert_eq!(
        exporter.metric("otelcol_exporter_sent_metric_points_total"),
        1.0
    );
    assert_eq!(
        exporter.metric("otelcol_exporter_sent_log_records_total"),
        1.0
    );
    assert_eq!(exporter.health(), HealthState::Healthy);
}

#[tokio::test]
async fn grpc_queue_holds_data_until_the_peer_comes_up_and_update_switches_peers() {
    let addr = free_port().await;
    let mut args = grpc_args(&addr.to_string(), plaintext());
    args.sending_queue = SendingQueue::default();
    args.retry_on_failure.max_elapsed_time = GoDuration(0);
    let exporter = Running::<OtlpExporter>::start("otelcol.exporter.otlp.down", args.clone());
    for _ in 0..3 {
        exporter.send(some_traces()).await.unwrap();
    }
    eventually("the peer being reported down", || {
        exporter.health() == HealthState::Unhealthy
    })
    .await;
    let peer = serve_grpc(TcpListener::bind(addr).await.unwrap(), None);
    eventually("every queued request", || peer.count() == 3).await;

    let (listener, other_addr) = listener().await;
    let other = serve_grpc(listener, None);
    args.client.endpoint = other_addr.to_string();
    exporter.component.update(args).unwrap();
    exporter.send(some_traces()).await.unwrap();
    eventually("the request at the new peer", || other.count() == 1).await;
    assert_eq!(peer.count(), 3);
}

#[tokio::test]
async fn grpc_refuses_credentials_over_plaintext() {
    let mut args = grpc_args("127.0.0.1:4317", plaintext());
    args.client.auth = Some(Handler(Arc::new(Token)));
    let (opts, _) = options("otelcol.exporter.otlp.auth");
    let err = OtlpExporter::build(opts, args).err().unwrap();
    assert!(
        err.contains("credentials require transport level security"),
        "{err}"
    );
}

#[tokio::test]
async fn grpc_retries_retryable_codes_and_drops_the_rest() {
    let (listener, addr) = listener().await;
    let peer = serve_grpc(listener, None);
    peer.script.lock().extend([
        Answer::Grpc(tonic::Code::Unavailable, None),
        Answer::Grpc(
            tonic::Code::ResourceExhausted,
            Some(Duration::from_millis(300)),
        ),
        Answer::Partial(0),
        Answer::Grpc(tonic::Code::InvalidArgument, None),
        Answer::Grpc(tonic::Code::ResourceExhausted, None),
        Answer::Partial(1),
    ]);
    let exporter = Running::<OtlpExporter>::start(
        "otelcol.exporter.otlp.retry",
        grpc_args(&addr.to_string(), plaintext()),
    );
    exporter.send(some_traces()).await.unwrap();
    assert_eq!(
        peer.count(),
        3,
        "UNAVAILABLE and RESOURCE_EXHAUSTED+RetryInfo retried"
    );
    let arrivals = peer.arrivals();
    assert!(
        arrivals[2] - arrivals[1] >= Duration::from_millis(300),
        "RetryInfo's delay honoured"
    );

    let err = exporter.send(some_traces()).await.unwrap_err();
    assert!(!err.is_retryable());
    assert!(err.message.contains("InvalidArgument"), "{}", err.message);
    assert_eq!(peer.count(), 4, "INVALID_ARGUMENT not retried");
    assert_eq!(exporter.health(), HealthState::Unhealthy);
    let err = exporter.send(some_traces()).await.unwrap_err();
    assert!(!err.is_retryable(), "RESOURCE_EXHAUSTED without RetryInfo");
    assert_eq!(peer.count(), 5);

    exporter.send(some_traces()).await.unwrap();
    assert_eq!(
        exporter.metric("otelcol_exporter_sent_spans_total"),
        3.0 + 2.0
    );
    assert_eq!(
        exporter.metric("otelcol_exporter_send_failed_spans_total"),
        3.0 + 3.0 + 1.0,
        "two dropped requests and one partially rejected span"
    );
    assert_eq!(exporter.health(), HealthState::Healthy);
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

#[tokio::test]
async fn grpc_tls_with_a_ca_server_name_client_certificate_and_skip_verify() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    testutil::tls::test_ca(dir.path(), "DNS:localhost");
    let identity = tonic::transport::Identity::from_pem(
        read(dir.path(), "server.pem"),
        read(dir.path(), "server.key"),
    );
    let server_tls = tonic::transport::ServerTlsConfig::new()
        .identity(identity)
        .client_ca_root(tonic::transport::Certificate::from_pem(read(
            dir.path(),
            "ca.pem",
        )));
    let (listener, addr) = listener().await;
    let peer = serve_grpc(listener, Some(server_tls));
    let client_cert = ClientTls {
        cert_file: dir.path().join("client.pem").to_string_lossy().into(),
        key_file: dir.path().join("client.key").to_string_lossy().into(),
        ..ClientTls::default()
    };

    // The CA by file; connecting by IP, the certificate is checked for `server_name`.
    let mut args = grpc_args(
        &addr.to_string(),
        ClientTls {
            ca_file: dir.path().join("ca.pem").to_string_lossy().into(),
            server_name: "localhost".into(),
            ..client_cert.clone()
        },
    );
    args.client.auth = Some(Handler(Arc::new(Token)));
    let exporter = Running::<OtlpExporter>::start("otelcol.exporter.otlp.tls", args);
    exporter.send(some_traces()).await.unwrap();
    assert_eq!(
        header(&peer.received.lock()[0].1, "authorization"),
        "Bearer s3cret"
    );

    // The CA inline; the host name in the endpoint.
    let exporter = Running::<OtlpExporter>::start(
        "otelcol.exporter.otlp.tls_pem",
        grpc_args(
            &format!("localhost:{}", addr.port()),
            ClientTls {
                ca_pem: read(dir.path(), "ca.pem"),
                ..client_cert.clone()
            },
        ),
    );
    exporter.send(some_traces()).await.unwrap();

    // Without the CA the server is not trusted, unless verification is skipped.
    let mut no_retry = grpc_args(&format!("localhost:{}", addr.port()), ClientTls::default());
    no_retry.retry_on_failure.enabled = false;
    no_retry.client.tls = ClientTls {
        server_name: "localhost".into(),
        ..client_cert.clone()
    };
    let untrusted_once =
        Running::<OtlpExporter>::start("otelcol.exporter.otlp.untrusted_once", no_retry);
    assert!(untrusted_once.send(some_traces()).await.is_err());
    assert_eq!(untrusted_once.health(), HealthState::Unhealthy);
    let skip = Running::<OtlpExporter>::start(
        "otelcol.exporter.otlp.skip",
        grpc_args(
            &addr.to_string(),
            ClientTls {
                insecure_skip_verify: true,
                ..client_cert.clone()
            },
        ),
    );
    skip.send(some_traces()).await.unwrap();

    // The server requires a client certificate.
    let mut anonymous = grpc_args(
        &addr.to_string(),
        ClientTls {
            insecure_skip_verify: true,
            ..ClientTls::default()
        },
    );
    anonymous.retry_on_failure.enabled = false;
    let anonymous = Running::<OtlpExporter>::start("otelcol.exporter.otlp.anon", anonymous);
    assert!(anonymous.send(some_traces()).await.is_err());
    assert_eq!(peer.count(), 3);
}

// ---------------------------------------------------------------- HTTP

#[tokio::test]
async fn http_sends_every_signal_unchanged_compressed_with_headers_and_auth() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (listener, addr) = listener().await;
    let peer = serve_http(listener);
    let mut args = http_args(addr);
    args.client.headers = BTreeMap::from([("X-Scope-OrgID".into(), "tenant-1".into())]);
    args.client.auth = Some(Handler(Arc::new(Token)));
    let exporter = Running::<OtlpHttpExporter>::start("otelcol.exporter.otlphttp.all", args);
    let sent = all_signals();
    for (data, _) in &sent {
        exporter.send(data.clone()).await.unwrap();
    }
    assert_all_arrived(&peer, &sent);
    for (_, headers, _, _) in peer.received.lock().iter() {
        assert_eq!(header(headers, "content-encoding"), "gzip");
        assert_eq!(header(headers, "content-type"), "application/x-protobuf");
        assert_eq!(header(headers, "x-scope-orgid"), "tenant-1");
        assert_eq!(header(headers, "authorization"), "Bearer s3cret");
    }
    assert_eq!(
        exporter.metric("otelcol_exporter_sent_log_records_total"),
        1.0
    );

    // zstd, and a signal's own endpoint.
    let mut args = http_args(addr);
    args.client.compression = "zstd".into();
    args.traces_endpoint = format!("http://{addr}/v1/traces");
    args.client.endpoint = "http://127.0.0.1:1".into();
    let exporter = Running::<OtlpHttpExporter>::start("otelcol.exporter.otlphttp.zstd", args);
    exporter.send(sent[0].0.clone()).await.unwrap();
    // zlib at the level asked for.
    let mut args = http_args(addr);
    args.client.compression = "zlib".into();
    args.client.compression_params = Some(CompressionParams { level: 9 });
    let exporter = Running::<OtlpHttpExporter>::start("otelcol.exporter.otlphttp.zlib", args);
    exporter.send(sent[2].0.clone()).await.unwrap();

    // Through a proxy: the peer serves the absolute-form request.
    let mut args = http_args(addr);
    args.client.endpoint = "http://collector.invalid:4318".into();
    args.client.proxy_url = format!("http://{addr}");
    let exporter = Running::<OtlpHttpExporter>::start("otelcol.exporter.otlphttp.proxy", args);
    exporter.send(sent[1].0.clone()).await.unwrap();

    let received = peer.received.lock();
    assert_eq!(received[5].2, sent[1].1);
    assert_eq!(header(&received[3].1, "content-encoding"), "zstd");
    assert_eq!(received[3].2, sent[0].1);
    assert_eq!(header(&received[4].1, "content-encoding"), "zlib");
    assert_eq!(received[4].2, sent[2].1);
}

#[tokio::test]
async fn https_with_a_ca_server_name_and_client_certificate() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().unwrap();
    testutil::tls::test_ca(dir.path(), "DNS:localhost");
    let (listener, addr) = listener().await;
    let peer = serve_https(listener, dir.path());
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let client_cert = ClientTls {
        cert_file: path("client.pem"),
        key_file: path("client.key"),
        ..ClientTls::default()
    };
    let start = |id: &str, tls: ClientTls| {
        let mut args = http_args(addr);
        args.client.endpoint = format!("https://{addr}");
        args.client.tls = tls;
        args.retry_on_failure.enabled = false;
        Running::<OtlpHttpExporter>::start(id, args)
    };

    let trusted = start(
        "otelcol.exporter.otlphttp.tls",
        ClientTls {
            ca_pem: read(dir.path(), "ca.pem"),
            server_name: "localhost".into(),
            ..client_cert.clone()
        },
    );
    trusted.send(some_traces()).await.unwrap();
    let skip = start(
        "otelcol.exporter.otlphttp.skip",
        ClientTls {
            insecure_skip_verify: true,
            ..client_cert.clone()
        },
    );
    skip.send(some_traces()).await.unwrap();
    assert_eq!(peer.count(), 2);

    // Connecting by IP, the certificate (for localhost) does not match.
    let by_ip = start(
        "otelcol.exporter.otlphttp.by_ip",
        ClientTls {
            ca_pem: read(dir.path(), "ca.pem"),
            ..client_cert.clone()
        },
    );
    assert!(by_ip.send(some_traces()).await.is_err());
    // The server requires a client certificate.
    let anonymous = start(
        "otelcol.exporter.otlphttp.anonymous",
        ClientTls {
            ca_pem: read(dir.path(), "ca.pem"),
            server_name: "localhost".into(),
            ..ClientTls::default()
        },
    );
    assert!(anonymous.send(some_traces()).await.is_err());
    assert_eq!(peer.count(), 2);
}

#[tokio::test]
async fn http_retries_429_and_503_after_the_asked_delay_and_drops_400() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (listener, addr) = listener().await;
    let peer = serve_http(listener);
    peer.script.lock().extend([
        Answer::Http(429, Some(1)),
        Answer::Http(503, None),
        Answer::Partial(0),
        Answer::Http(400, None),
        Answer::Partial(2),
    ]);
    let exporter =
        Running::<OtlpHttpExporter>::start("otelcol.exporter.otlphttp.retry", http_args(addr));
    exporter.send(some_traces()).await.unwrap();
    let arrivals = peer.arrivals();
    assert_eq!(arrivals.len(), 3);
    assert!(
        arrivals[1] - arrivals[0] >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert!(
        arrivals[2] - arrivals[1] >= Duration::from_millis(25),
        "backoff"
    );

    let err = exporter.send(some_traces()).await.unwrap_err();
    assert!(!err.is_retryable());
    assert!(
        err.message
            .contains("HTTP Status Code 400, Message=answer 400"),
        "{}",
        err.message
    );
    assert_eq!(peer.count(), 4, "400 is not retried");
    assert_eq!(exporter.health(), HealthState::Unhealthy);

    exporter.send(some_traces()).await.unwrap();
    assert_eq!(
        exporter.metric("otelcol_exporter_sent_spans_total"),
        3.0 + 1.0
    );
    assert_eq!(
        exporter.metric("otelcol_exporter_send_failed_spans_total"),
        3.0 + 2.0,
        "the dropped request and the partial success's rejected spans"
    );
    assert_eq!(exporter.health(), HealthState::Healthy);
}

#[tokio::test]
async fn http_sends_json_when_asked() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (listener, addr) = listener().await;
    let peer = serve_http(listener);
    peer.script.lock().push_back(Answer::Partial(1));
    let mut args = http_args(addr);
    args.encoding = "json".into();
    let exporter = Running::<OtlpHttpExporter>::start("otelcol.exporter.otlphttp.json", args);
    let sent = all_signals();
    for (data, _) in &sent {
        exporter.send(data.clone()).await.unwrap();
    }
    assert_all_arrived(&peer, &sent);
    for (_, headers, _, _) in peer.received.lock().iter() {
        assert_eq!(header(headers, "content-type"), "application/json");
    }
    assert_eq!(
        exporter.metric("otelcol_exporter_send_failed_spans_total"),
        1.0,
        "a JSON partial success is read"
    );
}

#[tokio::test]
async fn an_attempt_without_an_answer_times_out_and_is_retried() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (listener, addr) = listener().await;
    let peer = serve_http(listener);
    let stall = Answer::Stall(Duration::from_secs(30));
    peer.script.lock().push_back(stall.clone());
    let mut args = http_args(addr);
    args.client.timeout = GoDuration::from_std(Duration::from_millis(200));
    let exporter =
        Running::<OtlpHttpExporter>::start("otelcol.exporter.otlphttp.timeout", args.clone());
    exporter.send(some_traces()).await.unwrap();
    assert_eq!(peer.count(), 2, "the first attempt timed out");

    peer.script.lock().push_back(stall);

    args.retry_on_failure.enabled = false;
    let once = Running::<OtlpHttpExporter>::start("otelcol.exporter.otlphttp.timeout_once", args);
    let err = once.send(some_traces()).await.unwrap_err();
    assert!(err.is_retryable());
    assert!(
        err.message.starts_with("context deadline exceeded"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn queued_data_waits_for_a_peer_that_comes_up() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let addr = free_port().await;
    let mut args = http_args(addr);
    args.sending_queue = SendingQueue {
        num_consumers: 2,
        ..SendingQueue::default()
    };
    args.retry_on_failure.max_elapsed_time = GoDuration(0);
    let exporter = Running::<OtlpHttpExporter>::start("otelcol.exporter.otlphttp.down", args);
    for _ in 0..5 {
        exporter.send(some_traces()).await.unwrap();
    }
    eventually("the peer being reported down", || {
        exporter.health() == HealthState::Unhealthy
    })
    .await;
    assert_eq!(exporter.metric("otelcol_exporter_queue_size"), 5.0);
    assert_eq!(exporter.metric("otelcol_exporter_queue_capacity"), 1000.0);

    let peer = serve_http(TcpListener::bind(addr).await.unwrap());
    eventually("every queued request", || peer.count() == 5).await;
    eventually("the queue emptied", || {
        exporter.metric("otelcol_exporter_queue_size") == 0.0
    })
    .await;
    assert_eq!(exporter.metric("otelcol_exporter_sent_spans_total"), 15.0);
    assert_eq!(exporter.health(), HealthState::Healthy);
}

#[tokio::test]
async fn a_full_queue_refuses_or_blocks() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let addr = free_port().await;
    let queue = SendingQueue {
        num_consumers: 1,
        queue_size: 6,
        sizer: "items".into(),
        ..SendingQueue::default()
    };
    let mut args = http_args(addr);
    args.sending_queue = queue.clone();
    args.retry_on_failure.max_elapsed_time = GoDuration(0);
    let exporter =
        Running::<OtlpHttpExporter>::start("otelcol.exporter.otlphttp.full", args.clone());
    exporter.send(some_traces()).await.unwrap();
    exporter.send(some_traces()).await.unwrap();
    let err = exporter.send(some_traces()).await.unwrap_err();
    assert!(err.is_retryable(), "a full queue asks the caller to retry");
    assert_eq!(err.message, "sending queue is full");
    assert_eq!(
        exporter.metric("otelcol_exporter_enqueue_failed_spans_total"),
        3.0
    );

    args.sending_queue.block_on_overflow = true;
    let blocking = Arc::new(Running::<OtlpHttpExporter>::start(
        "otelcol.exporter.otlphttp.block",
        args,
    ));
    blocking.send(some_traces()).await.unwrap();
    blocking.send(some_traces()).await.unwrap();
    let third = tokio::spawn({
        let blocking = blocking.clone();
        async move { blocking.send(some_traces()).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!third.is_finished(), "waits for room");
    let peer = serve_http(TcpListener::bind(addr).await.unwrap());
    third.await.unwrap().unwrap();
    eventually("all requests of both exporters", || peer.count() == 5).await;
}

#[tokio::test]
async fn wait_for_result_returns_the_outcome() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (listener, addr) = listener().await;
    let peer = serve_http(listener);
    peer.script.lock().push_back(Answer::Http(400, None));
    let mut args = http_args(addr);
    args.sending_queue = SendingQueue {
        wait_for_result: true,
        ..SendingQueue::default()
    };
    let exporter = Running::<OtlpHttpExporter>::start("otelcol.exporter.otlphttp.wait", args);
    assert!(exporter.send(some_traces()).await.is_err());
    exporter.send(some_traces()).await.unwrap();
}

#[test]
fn configuration_errors_in_alloys_words() {
    use syntax::decode::Validate;
    let queue = SendingQueue {
        queue_size: 0,
        ..SendingQueue::default()
    };
    assert_eq!(
        queue.validate().unwrap_err(),
        "`queue_size` must be positive"
    );
    let retry = RetryOnFailure {
        multiplier: 1.0,
        ..RetryOnFailure::default()
    };
    assert_eq!(
        retry.validate().unwrap_err(),
        "multiplier must be greater than 1.0"
    );
    let client = GrpcClient {
        compression: "brotli".into(),
        ..GrpcClient::default()
    };
    assert_eq!(
        client.validate().unwrap_err(),
        "unsupported compression type \"brotli\""
    );
    let http = HttpClient {
        compression_params: Some(CompressionParams { level: 12 }),
        ..HttpClient::default()
    };
    assert_eq!(
        http.validate().unwrap_err(),
        "unsupported compression level 12 for Gzip"
    );
    let (opts, _) = options("otelcol.exporter.otlphttp.no_scheme");
    let mut args = http_args("127.0.0.1:4318".parse().unwrap());
    args.client.endpoint = "localhost:4318".into();
    assert_eq!(
        OtlpHttpExporter::build(opts, args).err().unwrap(),
        "invalid endpoint \"localhost:4318/v1/traces\": the scheme must be http or https"
    );
    let http = HttpClient {
        cookies: Some(Cookies { enabled: true }),
        ..HttpClient::default()
    };
    assert_eq!(
        http.validate().unwrap_err(),
        "cookies are not supported yet"
    );
}
