//! `prometheus.receive_http`: a remote-write 1.0 receiver on its own HTTP
//! server (`POST /api/v1/metrics/write`, Alloy's path); each request becomes
//! one batch for the `forward_to` receivers.
//!
//! The `http` block's `conn_limit` bounds concurrent requests (not raw
//! connections), `server_read_timeout`/`server_write_timeout` bound a whole
//! request; TLS and the `grpc` block are not supported.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use model::labels::Labels;
use model::metrics::{Exemplar, Metadata, MetricsBatch, MetricsReceiver, Sample, append_all};
use model::remote_write::{MetricMetadataType, WriteRequest, decode_request, labels_from_wire};
use parking_lot::Mutex;
use runtime::component::{Component, Options};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use syntax::decode::{Block, GoDuration};
use tokio_util::sync::CancellationToken;

/// Alloy's route for remote-write requests.
pub const WRITE_PATH: &str = "/api/v1/metrics/write";
/// Compressed request bodies larger than this are refused.
const MAX_BODY: usize = 32 << 20;
/// Decompressed messages larger than this are refused.
const MAX_DECODED: usize = 128 << 20;

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Arguments {
    #[alloy(attr)]
    pub forward_to: Vec<MetricsReceiver>,
    #[alloy(block, optional)]
    pub http: HttpServer,
    #[alloy(attr, optional)]
    pub graceful_shutdown_timeout: Option<GoDuration>,
}

#[derive(Clone, PartialEq, Debug, Block)]
pub struct HttpServer {
    #[alloy(attr, optional)]
    pub listen_address: String,
    #[alloy(attr, optional)]
    pub listen_port: u16,
    #[alloy(attr, optional)]
    pub conn_limit: u64,
    #[alloy(attr, optional)]
    pub server_read_timeout: GoDuration,
    #[alloy(attr, optional)]
    pub server_write_timeout: GoDuration,
    #[alloy(attr, optional)]
    pub server_idle_timeout: GoDuration,
}

impl Default for HttpServer {
    fn default() -> HttpServer {
        let secs = |s| GoDuration::from_std(Duration::from_secs(s));
        HttpServer {
            listen_address: String::new(),
            listen_port: 8080,
            conn_limit: 0,
            server_read_timeout: secs(30),
            server_write_timeout: secs(30),
            server_idle_timeout: secs(120),
        }
    }
}

impl HttpServer {
    fn bind(&self) -> Result<TcpListener, String> {
        let host = match self.listen_address.as_str() {
            "" => "0.0.0.0",
            host => host,
        };
        let addr = format!("{host}:{}", self.listen_port);
        let listener = TcpListener::bind(&addr)
            .map_err(|e| format!("failed to create server: listen tcp {addr}: {e}"))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| format!("failed to create server: {e}"))?;
        Ok(listener)
    }
}

/// The receivers a write request is appended to (shared with `storage.metrics`).
pub type Receivers = Arc<Mutex<Arc<[MetricsReceiver]>>>;

pub struct ReceiveHttp {
    receivers: Receivers,
    state: Mutex<ServerState>,
}

struct ServerState {
    config: HttpServer,
    /// Bound in `build` or `update`, served once `run` starts.
    unserved: Option<TcpListener>,
    runtime: Option<tokio::runtime::Handle>,
    stop: CancellationToken,
    server: Option<tokio::task::JoinHandle<()>>,
    shutdown_timeout: Duration,
}

impl ReceiveHttp {
    fn serve(&self, state: &mut ServerState) -> Result<(), String> {
        let (Some(runtime), Some(listener)) = (state.runtime.clone(), state.unserved.take()) else {
            return Ok(());
        };
        let _entered = runtime.enter();
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| format!("failed to create server: {e}"))?;
        let config = &state.config;
        let timeout = config
            .server_read_timeout
            .to_std()
            .into_iter()
            .chain(config.server_write_timeout.to_std())
            .filter(|d| !d.is_zero())
            .sum::<Duration>();
        let mut app = router(self.receivers.clone());
        if !timeout.is_zero() {
            app = app.layer(tower_http::timeout::TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                timeout,
            ));
        }
        if config.conn_limit > 0 {
            app = app.layer(tower::limit::ConcurrencyLimitLayer::new(
                config.conn_limit as usize,
            ));
        }
        let stop = state.stop.clone();
        state.server = Some(tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(stop.cancelled_owned())
                .await;
            if let Err(e) = served {
                tracing::error!("prometheus.receive_http server failed: {e}");
            }
        }));
        Ok(())
    }
}

/// The routes, for a server or for tests.
pub fn router(receivers: Receivers) -> axum::Router {
    axum::Router::new()
        .route(WRITE_PATH, axum::routing::post(write))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(receivers)
}

/// The remote-write 1.0 handler: one request, one batch (also `storage.metrics`'s `/api/v1/write`).
pub async fn write(
    State(receivers): State<Receivers>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(encoding) = headers.get(header::CONTENT_ENCODING)
        && !encoding.as_bytes().eq_ignore_ascii_case(b"snappy")
    {
        let message = format!(
            "unsupported compression: {}",
            String::from_utf8_lossy(encoding.as_bytes())
        );
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, message).into_response();
    }
    if let Some(content_type) = headers.get(header::CONTENT_TYPE)
        && !is_remote_write_v1(content_type.to_str().unwrap_or(""))
    {
        let message = format!(
            "unsupported content type: {}",
            String::from_utf8_lossy(content_type.as_bytes())
        );
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, message).into_response();
    }
    let request = match decode_request(&body, MAX_DECODED) {
        Ok(request) => request,
        Err(e) => return (StatusCode::BAD_REQUEST, e).into_response(),
    };
    let batch = match to_batch(request) {
        Ok(batch) => batch,
        Err(e) => return (StatusCode::BAD_REQUEST, e).into_response(),
    };
    if batch.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let receivers = receivers.lock().clone();
    // Appends are synchronous and may touch the disk (remote_write's WAL).
    let appended = tokio::task::spawn_blocking(move || append_all(&receivers, &batch)).await;
    match appended {
        Ok(Ok(())) => StatusCode::NO_CONTENT.into_response(),
        Ok(Err(e)) if e.retryable => (StatusCode::INTERNAL_SERVER_ERROR, e.message).into_response(),
        Ok(Err(e)) => (StatusCode::BAD_REQUEST, e.message).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// `application/x-protobuf`, optionally naming the 1.0 message.
fn is_remote_write_v1(content_type: &str) -> bool {
    let mut parts = content_type.split(';').map(str::trim);
    if !parts
        .next()
        .unwrap_or("")
        .eq_ignore_ascii_case("application/x-protobuf")
    {
        return false;
    }
    parts.all(|p| match p.split_once('=') {
        Some((key, value)) if key.trim().eq_ignore_ascii_case("proto") => {
            value.trim() == "prometheus.WriteRequest"
        }
        _ => true,
    })
}

fn to_batch(request: WriteRequest) -> Result<MetricsBatch, String> {
    let mut batch = MetricsBatch {
        samples: Vec::with_capacity(request.timeseries.iter().map(|t| t.samples.len()).sum()),
        ..MetricsBatch::default()
    };
    for series in request.timeseries {
        if series.labels.is_empty() {
            return Err("invalid series: no labels".into());
        }
        let labels = labels_from_wire(&series.labels);
        if labels.len() != series.labels.len() {
            return Err(format!("invalid series {labels}: duplicate label names"));
        }
        let labels = Arc::new(labels);
        for s in series.samples {
            batch.samples.push(Sample {
                labels: labels.clone(),
                timestamp: s.timestamp,
                value: s.value,
            });
        }
        for e in series.exemplars {
            batch.exemplars.push(Exemplar {
                series: labels.clone(),
                labels: Labels::from_pairs(
                    e.labels.iter().map(|l| (l.name.as_str(), l.value.as_str())),
                ),
                value: e.value,
                timestamp: Some(e.timestamp),
            });
        }
    }
    for m in request.metadata {
        let metric_type =
            MetricMetadataType::try_from(m.r#type).unwrap_or(MetricMetadataType::Unknown);
        batch.metadata.push(Metadata {
            family: m.metric_family_name,
            metric_type: metric_type.into(),
            help: m.help,
            unit: m.unit,
        });
    }
    Ok(batch)
}

impl Component for ReceiveHttp {
    type Arguments = Arguments;

    fn build(_opts: Options, args: Arguments) -> Result<ReceiveHttp, String> {
        let listener = args.http.bind()?;
        Ok(ReceiveHttp {
            receivers: Arc::new(Mutex::new(args.forward_to.into())),
            state: Mutex::new(ServerState {
                config: args.http,
                unserved: Some(listener),
                runtime: None,
                stop: CancellationToken::new(),
                server: None,
                shutdown_timeout: shutdown_timeout(args.graceful_shutdown_timeout),
            }),
        })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        {
            let mut state = self.state.lock();
            state.runtime = Some(tokio::runtime::Handle::current());
            self.serve(&mut state)?;
        }
        shutdown.cancelled().await;
        let (server, wait) = {
            let mut state = self.state.lock();
            state.stop.cancel();
            (state.server.take(), state.shutdown_timeout)
        };
        // In-flight requests get the grace period to finish.
        if let Some(server) = server
            && tokio::time::timeout(wait, server).await.is_err()
        {
            tracing::warn!(
                "prometheus.receive_http: requests still running after the graceful shutdown timeout"
            );
        }
        Ok(())
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        *self.receivers.lock() = args.forward_to.into();
        let mut state = self.state.lock();
        state.shutdown_timeout = shutdown_timeout(args.graceful_shutdown_timeout);
        if state.config == args.http {
            return Ok(());
        }
        // Free the old port first: the new server may want the same one.
        state.stop.cancel();
        state.stop = CancellationToken::new();
        state.unserved = None;
        let listener = args.http.bind()?;
        state.config = args.http;
        state.unserved = Some(listener);
        self.serve(&mut state)
    }
}

fn shutdown_timeout(configured: Option<GoDuration>) -> Duration {
    configured
        .and_then(GoDuration::to_std)
        .unwrap_or(Duration::from_secs(30))
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::metrics::{AppendError, Appender};
    use model::remote_write::{Label, MetricMetadata, TimeSeries, encode_request};
    use tower::ServiceExt;

    #[derive(Default)]
    struct Collect {
        batches: Mutex<Vec<MetricsBatch>>,
        refuse: Mutex<Option<AppendError>>,
    }

    impl Appender for Collect {
        fn append(&self, batch: &MetricsBatch) -> Result<(), AppendError> {
            if let Some(e) = self.refuse.lock().clone() {
                return Err(e);
            }
            self.batches.lock().push(batch.clone());
            Ok(())
        }
    }

    fn label(name: &str, value: &str) -> Label {
        Label {
            name: name.into(),
            value: value.into(),
        }
    }

    fn request() -> WriteRequest {
        WriteRequest {
            timeseries: vec![TimeSeries {
                labels: vec![label("__name__", "up"), label("job", "a")],
                samples: vec![
                    model::remote_write::Sample {
                        value: 1.0,
                        timestamp: 10,
                    },
                    model::remote_write::Sample {
                        value: 0.0,
                        timestamp: 20,
                    },
                ],
                exemplars: vec![],
            }],
            metadata: vec![MetricMetadata {
                r#type: MetricMetadataType::Gauge as i32,
                metric_family_name: "up".into(),
                help: "Up.".into(),
                unit: String::new(),
            }],
        }
    }

    async fn post(app: &axum::Router, body: Vec<u8>, content_type: &str) -> (StatusCode, String) {
        let request = axum::http::Request::post(WRITE_PATH)
            .header("content-encoding", "snappy")
            .header("content-type", content_type)
            .body(axum::body::Body::from(body))
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn accepts_a_request_as_one_batch() {
        let collect = Arc::new(Collect::default());
        let app = router(Arc::new(Mutex::new(
            vec![MetricsReceiver(collect.clone())].into(),
        )));
        let (status, _) = post(&app, encode_request(&request()), "application/x-protobuf").await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let batches = collect.batches.lock();
        assert_eq!(batches.len(), 1);
        let batch = &batches[0];
        assert_eq!(batch.samples.len(), 2);
        assert_eq!(
            batch.samples[1].labels.to_string(),
            r#"{__name__="up", job="a"}"#
        );
        assert_eq!(
            (batch.samples[1].timestamp, batch.samples[1].value),
            (20, 0.0)
        );
        assert!(Arc::ptr_eq(
            &batch.samples[0].labels,
            &batch.samples[1].labels
        ));
        assert_eq!(
            batch.metadata[0].metric_type,
            model::metrics::MetricType::Gauge
        );
    }

    #[tokio::test]
    async fn bad_input_and_refusals_get_their_status() {
        let collect = Arc::new(Collect::default());
        let app = router(Arc::new(Mutex::new(
            vec![MetricsReceiver(collect.clone())].into(),
        )));
        let (status, text) = post(&app, b"not snappy".to_vec(), "application/x-protobuf").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(text.starts_with("snappy:"), "{text}");
        let (status, _) = post(&app, encode_request(&request()), "application/json").await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let v2 = "application/x-protobuf;proto=io.prometheus.write.v2.Request";
        assert_eq!(
            post(&app, encode_request(&request()), v2).await.0,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
        let mut no_labels = request();
        no_labels.timeseries[0].labels.clear();
        let (status, text) = post(&app, encode_request(&no_labels), "application/x-protobuf").await;
        assert_eq!(
            (status, text.as_str()),
            (StatusCode::BAD_REQUEST, "invalid series: no labels")
        );

        *collect.refuse.lock() = Some(AppendError::retryable("WAL full"));
        let (status, text) = post(&app, encode_request(&request()), "application/x-protobuf").await;
        assert_eq!(
            (status, text.as_str()),
            (StatusCode::INTERNAL_SERVER_ERROR, "WAL full")
        );
        *collect.refuse.lock() = Some(AppendError::permanent("out of order"));
        assert_eq!(
            post(&app, encode_request(&request()), "application/x-protobuf")
                .await
                .0,
            StatusCode::BAD_REQUEST
        );
        assert!(collect.batches.lock().is_empty());
    }

    #[tokio::test]
    async fn serves_on_the_configured_port() {
        let collect = Arc::new(Collect::default());
        let args = Arguments {
            forward_to: vec![MetricsReceiver(collect.clone())],
            http: HttpServer {
                listen_address: "127.0.0.1".into(),
                listen_port: 0,
                ..HttpServer::default()
            },
            graceful_shutdown_timeout: None,
        };
        let (opts, _) = crate::testing::options("prometheus.receive_http.t");
        let component = Arc::new(ReceiveHttp::build(opts, args).unwrap());
        let addr = component
            .state
            .lock()
            .unserved
            .as_ref()
            .unwrap()
            .local_addr()
            .unwrap();
        let shutdown = CancellationToken::new();
        let task = tokio::spawn(component.clone().run(shutdown.clone()));
        let _ = rustls::crypto::ring::default_provider().install_default();
        let response = reqwest::Client::new()
            .post(format!("http://{addr}{WRITE_PATH}"))
            .header("content-encoding", "snappy")
            .header("content-type", "application/x-protobuf")
            .body(encode_request(&request()))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::NO_CONTENT);
        assert_eq!(collect.batches.lock().len(), 1);
        shutdown.cancel();
        task.await.unwrap().unwrap();
    }
}
