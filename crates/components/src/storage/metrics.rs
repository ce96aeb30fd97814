//! `storage.metrics "LABEL"` (ferroalloy's own): the embedded TSDB behind a
//! `receiver` export and a remote-write 1.0 endpoint (`POST /api/v1/write`),
//! served under the component's mount point and, with `listen_address`, at
//! the root of an extra listener.
//!
//! `GET /debug/samples?<label>=<value>…` lists the stored series matching the
//! given label equalities with their samples, until the query API exists.
//! Compaction and retention run every [`MAINTENANCE_INTERVAL`] on the
//! blocking pool. `out_of_order_window` is capped at half the 2 h block
//! range, so late samples always land in the head. Exemplars and metadata
//! of appended batches are not stored.

use crate::prometheus::receive_http::{self, Receivers};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use model::metrics::{AppendError, Appender, MetricsBatch, MetricsReceiver};
use parking_lot::{Mutex, RwLock};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use runtime::component::{Component, Options};
use runtime::health::{Health, HealthState};
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use syntax::decode::{Block, ByteSize, Codec, GoDuration, PromDuration, Validate};
use syntax::value::Value;
use tokio_util::sync::CancellationToken;
use tsdb::{Db, Matcher};

const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(15);
const DAY: Duration = Duration::from_secs(24 * 3600);

#[derive(Clone, PartialEq, Debug, Block)]
#[alloy(validate)]
pub struct Arguments {
    /// Where the data lives; default: the component's folder under `--storage.path`.
    #[alloy(attr, optional)]
    pub path: String,
    #[alloy(attr, optional)]
    pub retention: PromDuration,
    /// 0: no size limit.
    #[alloy(attr, optional)]
    pub retention_size: ByteSize,
    #[alloy(attr, optional)]
    pub out_of_order_window: GoDuration,
    #[alloy(attr, optional)]
    pub listen_address: String,
}

impl Default for Arguments {
    fn default() -> Arguments {
        Arguments {
            path: String::new(),
            retention: PromDuration(GoDuration::from_std(15 * DAY)),
            retention_size: ByteSize(0),
            out_of_order_window: GoDuration::default(),
            listen_address: String::new(),
        }
    }
}

impl Validate for Arguments {
    fn validate(&self) -> Result<(), String> {
        if self.retention.0.nanos() <= 0 {
            return Err(format!(
                "retention must be positive and is {}",
                self.retention
            ));
        }
        if self.out_of_order_window.nanos() < 0 {
            return Err(format!(
                "out_of_order_window must not be negative and is {}",
                self.out_of_order_window
            ));
        }
        if self.retention_size.0 < 0 {
            return Err("retention_size must not be negative".into());
        }
        Ok(())
    }
}

impl Arguments {
    fn db_options(&self) -> tsdb::Options {
        let millis = |d: GoDuration| d.nanos() / 1_000_000;
        tsdb::Options {
            retention: millis(self.retention.0),
            retention_size: (self.retention_size.0 > 0).then_some(self.retention_size.0 as u64),
            out_of_order_window: millis(self.out_of_order_window),
            ..tsdb::Options::default()
        }
    }

    fn db_path(&self, opts: &Options) -> PathBuf {
        match self.path.as_str() {
            "" => opts.data_path.clone(),
            path => PathBuf::from(path),
        }
    }
}

/// The open database; reopened when the arguments change, so the exported
/// receiver stays the same. Appends hold the read lock, so a reopen waits for
/// them and no append reaches a Db being replaced.
struct Store(RwLock<Option<Arc<Db>>>);

impl Store {
    fn db(&self) -> Option<Arc<Db>> {
        self.0.read().clone()
    }
}

impl super::api::DbSource for Store {
    fn db(&self) -> Option<Arc<Db>> {
        Store::db(self)
    }
}

impl Appender for Store {
    fn append(&self, batch: &MetricsBatch) -> Result<(), AppendError> {
        match self.0.read().as_deref() {
            Some(db) => Appender::append(db, batch),
            None => Err(AppendError::retryable(
                "storage.metrics is reopening its database",
            )),
        }
    }
}

struct SelfMetrics {
    head_series: Gauge,
    blocks: Gauge,
    bytes_on_disk: Gauge,
    appended: Counter,
}

impl SelfMetrics {
    fn register(opts: &Options) -> SelfMetrics {
        let metrics = SelfMetrics {
            head_series: Gauge::default(),
            blocks: Gauge::default(),
            bytes_on_disk: Gauge::default(),
            appended: Counter::default(),
        };
        let mut registry = opts.metrics.lock();
        registry.register(
            "storage_metrics_head_series",
            "Series in the in-memory head",
            metrics.head_series.clone(),
        );
        registry.register(
            "storage_metrics_blocks",
            "Persisted blocks",
            metrics.blocks.clone(),
        );
        registry.register(
            "storage_metrics_bytes_on_disk",
            "Bytes of blocks and write-ahead log",
            metrics.bytes_on_disk.clone(),
        );
        registry.register(
            "storage_metrics_samples_appended",
            "Samples appended",
            metrics.appended.clone(),
        );
        metrics
    }

    fn observe(&self, stats: &tsdb::Stats, appended_before: &mut u64) {
        self.head_series.set(stats.head_series as i64);
        self.blocks.set(stats.blocks as i64);
        self.bytes_on_disk.set(stats.bytes_on_disk as i64);
        // A reopened Db counts from zero again.
        let delta = stats
            .appended_samples
            .checked_sub(*appended_before)
            .unwrap_or(stats.appended_samples);
        self.appended.inc_by(delta);
        *appended_before = stats.appended_samples;
    }
}

pub struct StorageMetrics {
    opts: Options,
    args: Mutex<Arguments>,
    store: Arc<Store>,
    receivers: Receivers,
    health: Mutex<Health>,
    metrics: SelfMetrics,
    api: Arc<super::api::Api>,
    /// Bound in `build`, served once `run` starts.
    listener: Mutex<Option<TcpListener>>,
}

fn open(args: &Arguments, opts: &Options) -> Result<Db, String> {
    let path = args.db_path(opts);
    let db = Db::open(&path, args.db_options())
        .map_err(|e| format!("opening {}: {e}", path.display()))?;
    for q in &db.stats().quarantined {
        tracing::error!(component = %opts.id, "corrupt block quarantined: {q}");
    }
    Ok(db)
}

fn bind(address: &str) -> Result<Option<TcpListener>, String> {
    if address.is_empty() {
        return Ok(None);
    }
    let listener = TcpListener::bind(address)
        .map_err(|e| format!("failed to create server: listen tcp {address}: {e}"))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("failed to create server: {e}"))?;
    Ok(Some(listener))
}

impl StorageMetrics {
    fn router(&self) -> axum::Router {
        let debug = axum::Router::new()
            .route("/debug/samples", axum::routing::get(samples))
            .with_state(self.store.clone());
        axum::Router::new()
            .route("/api/v1/write", axum::routing::post(receive_http::write))
            .with_state(self.receivers.clone())
            .merge(debug)
            .merge(super::api::router(self.api.clone()))
    }

    fn maintain(&self, appended_before: &mut u64) {
        let Some(db) = self.store.db() else { return };
        let health = match db.maintain() {
            Ok(()) => Health::new(HealthState::Healthy, "maintenance done"),
            Err(e) => Health::new(
                HealthState::Unhealthy,
                format!("compaction or retention failed: {e}"),
            ),
        };
        *self.health.lock() = health;
        self.metrics.observe(&db.stats(), appended_before);
    }
}

/// The stored series matching every `label=value` of the query, with their samples.
async fn samples(
    State(store): State<Arc<Store>>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let matchers: Vec<Matcher> = query
        .into_iter()
        .map(|(n, v)| Matcher::equal(n, v))
        .collect();
    let Some(db) = store.db() else {
        return (axum::http::StatusCode::SERVICE_UNAVAILABLE, "reopening").into_response();
    };
    let found = tokio::task::spawn_blocking(move || {
        db.select(&matchers, i64::MIN, i64::MAX)
            .iter()
            .map(|s| {
                let labels: serde_json::Map<_, _> = s
                    .labels
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.into()))
                    .collect();
                let samples: Vec<_> = s
                    .samples()
                    .map(|(t, v)| serde_json::json!([t, v.to_string()]))
                    .collect();
                serde_json::json!({ "labels": labels, "samples": samples })
            })
            .collect::<Vec<_>>()
    })
    .await;
    match found {
        Ok(series) => axum::Json(series).into_response(),
        Err(e) => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

impl Component for StorageMetrics {
    type Arguments = Arguments;

    fn build(opts: Options, args: Arguments) -> Result<StorageMetrics, String> {
        let db = open(&args, &opts)?;
        let listener = bind(&args.listen_address)?;
        let store = Arc::new(Store(RwLock::new(Some(Arc::new(db)))));
        let limits = super::api::Limits::default();
        let api = Arc::new(super::api::Api::new(
            store.clone(),
            limits,
            &mut opts.metrics.lock(),
        ));
        let recorder =
            super::api::metadata::MetadataRecorder::new(store.clone(), api.metadata.clone());
        let receiver = MetricsReceiver(Arc::new(recorder));
        opts.export_value(Value::Object(
            [("receiver".to_string(), receiver.encode())]
                .into_iter()
                .collect(),
        ));
        let metrics = SelfMetrics::register(&opts);
        Ok(StorageMetrics {
            receivers: Arc::new(Mutex::new(vec![receiver].into())),
            opts,
            args: Mutex::new(args),
            store,
            health: Mutex::new(Health::new(HealthState::Healthy, "opened")),
            metrics,
            listener: Mutex::new(listener),
            api,
        })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        let stop = shutdown.child_token();
        let mut server = None;
        if let Some(listener) = self.listener.lock().take() {
            let listener = tokio::net::TcpListener::from_std(listener)
                .map_err(|e| format!("failed to create server: {e}"))?;
            let app = self.router();
            let stop = stop.clone();
            server = Some(tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, app)
                    .with_graceful_shutdown(stop.cancelled_owned())
                    .await
                {
                    tracing::error!("storage.metrics server failed: {e}");
                }
            }));
        }
        let mut appended_before = 0;
        let mut tick = tokio::time::interval(MAINTENANCE_INTERVAL);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tick.tick() => {
                    let this = self.clone();
                    let mut before = appended_before;
                    appended_before = tokio::task::spawn_blocking(move || {
                        this.maintain(&mut before);
                        before
                    })
                    .await
                    .map_err(|e| e.to_string())?;
                }
            }
        }
        stop.cancel();
        if let Some(server) = server {
            let _ = server.await;
        }
        let Some(db) = self.store.db() else {
            return Ok(());
        };
        tokio::task::spawn_blocking(move || db.sync())
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("syncing the write-ahead log: {e}"))
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        let mut current = self.args.lock();
        if args.listen_address != current.listen_address {
            return Err("listen_address cannot be changed without a restart".into());
        }
        if args.db_options() != current.db_options()
            || args.db_path(&self.opts) != current.db_path(&self.opts)
        {
            let mut slot = self.store.0.write();
            // The old Db is closed (its WAL synced) before the new one
            // replays the folder; readers may still hold it, read-only.
            drop(slot.take());
            *slot = Some(Arc::new(open(&args, &self.opts)?));
        }
        *current = args;
        Ok(())
    }

    fn health(&self) -> Option<Health> {
        Some(self.health.lock().clone())
    }

    fn handler(&self) -> Option<axum::Router> {
        Some(self.router())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::options;
    use axum::http::StatusCode;
    use model::labels::Labels;
    use model::remote_write::{Label, TimeSeries, WriteRequest, encode_request};
    use syntax::value::Value;
    use tower::ServiceExt;

    fn args(dir: &std::path::Path) -> Arguments {
        Arguments {
            path: dir.display().to_string(),
            ..Arguments::default()
        }
    }

    fn write_request(job: &str, samples: &[(i64, f64)]) -> Vec<u8> {
        let label = |name: &str, value: &str| Label {
            name: name.into(),
            value: value.into(),
        };
        encode_request(&WriteRequest {
            timeseries: vec![TimeSeries {
                labels: vec![label("__name__", "up"), label("job", job)],
                samples: samples
                    .iter()
                    .map(|&(timestamp, value)| model::remote_write::Sample { value, timestamp })
                    .collect(),
                exemplars: vec![],
            }],
            metadata: vec![],
        })
    }

    async fn call(
        app: &axum::Router,
        request: axum::http::Request<axum::body::Body>,
    ) -> (StatusCode, String) {
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    async fn post(app: &axum::Router, body: Vec<u8>) -> (StatusCode, String) {
        let request = axum::http::Request::post("/api/v1/write")
            .header("content-encoding", "snappy")
            .header("content-type", "application/x-protobuf")
            .body(axum::body::Body::from(body))
            .unwrap();
        call(app, request).await
    }

    async fn stored(app: &axum::Router, query: &str) -> serde_json::Value {
        let request = axum::http::Request::get(format!("/debug/samples?{query}"))
            .body(axum::body::Body::empty())
            .unwrap();
        let (status, body) = call(app, request).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    #[tokio::test]
    async fn remote_write_and_the_receiver_store_samples() {
        let dir = tempfile::tempdir().unwrap();
        let (opts, exports) = options("storage.metrics.test");
        let component = StorageMetrics::build(opts, args(dir.path())).unwrap();
        let Some(Value::Object(fields)) = exports.last() else {
            panic!("no exports")
        };
        let receiver = MetricsReceiver::decode(&fields["receiver"]).unwrap();
        let labels = Arc::new(Labels::from_pairs([("__name__", "up"), ("job", "scraped")]));
        receiver
            .0
            .append(&MetricsBatch {
                samples: vec![model::metrics::Sample {
                    labels,
                    timestamp: 5,
                    value: 1.0,
                }],
                ..MetricsBatch::default()
            })
            .unwrap();
        let app = component.handler().unwrap();
        assert_eq!(
            post(&app, write_request("pushed", &[(10, 1.0), (20, 2.0)]))
                .await
                .0,
            StatusCode::NO_CONTENT
        );
        let got = stored(&app, "job=pushed").await;
        assert_eq!(got[0]["samples"], serde_json::json!([[10, "1"], [20, "2"]]));
        assert_eq!(
            stored(&app, "__name__=up").await.as_array().unwrap().len(),
            2
        );

        let (status, text) = post(&app, write_request("pushed", &[(15, 1.5)])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(text.starts_with("out of order sample"), "{text}");
        assert_eq!(
            post(&app, b"garbage".to_vec()).await.0,
            StatusCode::BAD_REQUEST
        );
    }

    #[tokio::test]
    async fn data_survives_a_rebuild_and_arguments_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let (opts, _) = options("storage.metrics.reopen");
        let component = StorageMetrics::build(opts, args(dir.path())).unwrap();
        let app = component.handler().unwrap();
        assert_eq!(
            post(&app, write_request("a", &[(10, 1.0)])).await.0,
            StatusCode::NO_CONTENT
        );
        let longer = Arguments {
            retention: PromDuration(GoDuration::from_std(30 * DAY)),
            ..args(dir.path())
        };
        component.update(longer).unwrap();
        assert_eq!(
            stored(&app, "job=a").await[0]["samples"],
            serde_json::json!([[10, "1"]])
        );
        drop(component);
        let (opts, _) = options("storage.metrics.reopen");
        let component = StorageMetrics::build(opts, args(dir.path())).unwrap();
        let app = component.handler().unwrap();
        assert_eq!(
            stored(&app, "job=a").await[0]["samples"],
            serde_json::json!([[10, "1"]])
        );

        let bad = Arguments {
            retention: PromDuration::default(),
            ..args(dir.path())
        };
        assert_eq!(
            bad.validate().unwrap_err(),
            "retention must be positive and is 0s"
        );
    }
}
