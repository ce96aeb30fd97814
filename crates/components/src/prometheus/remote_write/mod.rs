//! `prometheus.remote_write` (SPEC §2.17): appends go to a write-ahead log in
//! the component's data directory and are acknowledged once written there;
//! one queue per `endpoint` tails the WAL and ships remote-write 1.0 requests.
//! Every `truncate_frequency` the WAL drops what all queues sent (and what is
//! older than the max keepalive) after checkpointing the live series.
//!
//! Not supported: native histograms (the data plane has none) and the
//! `sigv4`, `azuread` and `google_iam` blocks, which are unknown blocks here.

mod args;
mod metrics;
mod queue;
mod send;
pub mod wal;

pub use args::{Arguments, Endpoint, MetadataOptions, QueueOptions, WalOptions};

use crate::prometheus::http_client::HttpClient;
use metrics::{Metrics, QueueMetrics};
use model::labels::Labels;
use model::metrics::{AppendError, Appender, Metadata, MetricsBatch, MetricsReceiver};
use model::remote_write::{MetricMetadata, MetricMetadataType, WriteRequest};
use parking_lot::Mutex;
use queue::{Progress, QueueSettings};
use runtime::component::{Component, Options};
use runtime::health::Health;
use send::Sender;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio_util::sync::CancellationToken;
use wal::Wal;

/// Segments are cut at this size, as Prometheus's WAL does.
const SEGMENT_SIZE: u64 = 128 << 20;
const USER_AGENT: &str = concat!("ferroalloy/", env!("CARGO_PKG_VERSION"));

/// What appends share with the component.
struct Storage {
    wal: Arc<Wal>,
    metrics: Metrics,
    /// The newest metadata of each metric family, sent every `send_interval`.
    metadata: Mutex<HashMap<String, Metadata, foldhash::fast::RandomState>>,
    health: Mutex<Health>,
}

impl Appender for Storage {
    fn append(&self, batch: &MetricsBatch) -> Result<(), AppendError> {
        let result = self.wal.append(batch);
        match &result {
            Ok(written) => {
                self.metrics.samples_appended.inc_by(*written as u64);
                self.metrics
                    .active_series
                    .set(self.wal.active_series() as i64);
                if let Some(max) = batch.samples.iter().map(|s| s.timestamp).max() {
                    let seconds = max as f64 / 1000.0;
                    if seconds > self.metrics.highest_timestamp.get() {
                        self.metrics.highest_timestamp.set(seconds);
                    }
                }
                if !batch.metadata.is_empty() {
                    let mut known = self.metadata.lock();
                    for m in &batch.metadata {
                        known.insert(m.family.clone(), m.clone());
                    }
                }
            }
            Err(e) => tracing::warn!("refusing samples: {e}"),
        }
        self.set_health(result.as_ref().err().map(|e| e.message.clone()));
        result.map(|_| ())
    }
}

impl Storage {
    fn set_health(&self, error: Option<String>) {
        let mut health = self.health.lock();
        let wanted = match error {
            Some(message) => Health::unhealthy(message),
            None => Health::healthy("WAL writable"),
        };
        if health.state != wanted.state || health.message != wanted.message {
            *health = wanted;
        }
    }
}

pub struct RemoteWrite {
    opts: Options,
    storage: Arc<Storage>,
    state: Mutex<State>,
}

struct State {
    args: Arguments,
    /// Set once `run` started; queues are started with it.
    runtime: Option<tokio::runtime::Handle>,
    queues: Option<Queues>,
}

/// The running queues of one set of arguments.
struct Queues {
    cancel: CancellationToken,
    progress: Vec<(String, String, Arc<Progress>)>,
}

impl RemoteWrite {
    fn start_queues(&self, args: &Arguments) -> Result<Queues, String> {
        let cancel = CancellationToken::new();
        let mut progress = Vec::new();
        let external = Labels::from_pairs(
            args.external_labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        for endpoint in &args.endpoints {
            let name = remote_name(endpoint);
            let q = &endpoint.queue_config;
            let sender = Arc::new(Sender {
                client: HttpClient::new(
                    &endpoint.http_client,
                    false,
                    USER_AGENT,
                    endpoint.remote_timeout.to_std(),
                )?,
                url: endpoint.url.clone(),
                headers: Sender::headers(&endpoint.headers)?,
                min_backoff: q.min_backoff.to_std().unwrap_or_default(),
                max_backoff: q.max_backoff.to_std().unwrap_or_default(),
                retry_on_http_429: q.retry_on_http_429,
            });
            let queue_metrics = self.storage.metrics.queue(&name, &endpoint.url);
            let settings = QueueSettings {
                name: name.clone(),
                shards: q.min_shards.clamp(1, q.max_shards.max(1)) as usize,
                capacity: q.capacity as usize,
                max_samples_per_send: q.max_samples_per_send as usize,
                batch_send_deadline: q.batch_send_deadline.to_std().unwrap_or_default(),
                sample_age_limit: q.sample_age_limit.to_std().filter(|d| !d.is_zero()),
                external_labels: external.clone(),
                rules: endpoint.write_relabel_configs.clone().into(),
                send_exemplars: endpoint.send_exemplars,
            };
            let p = queue::start(
                self.storage.wal.clone(),
                settings,
                sender.clone(),
                queue_metrics.clone(),
                self.opts.data_path.join("queues"),
                cancel.clone(),
            )?;
            let m = &endpoint.metadata_config;
            if m.send {
                tokio::spawn(send_metadata(
                    self.storage.clone(),
                    sender,
                    queue_metrics,
                    m.send_interval.to_std().unwrap_or(Duration::from_secs(60)),
                    m.max_samples_per_send.max(1) as usize,
                    cancel.clone(),
                ));
            }
            progress.push((name, endpoint.url.clone(), p));
        }
        Ok(Queues { cancel, progress })
    }

    /// Replaces the running queues by ones for `args`.
    fn restart_queues(&self, state: &mut State) -> Result<(), String> {
        if let Some(old) = state.queues.take() {
            old.cancel.cancel();
            for (name, url, _) in &old.progress {
                self.storage.metrics.remove_queue(name, url);
            }
        }
        let Some(runtime) = state.runtime.clone() else {
            return Ok(());
        };
        let _entered = runtime.enter();
        state.queues = Some(self.start_queues(&state.args)?);
        Ok(())
    }

    fn truncate(&self) {
        let (sent_before, wal_options) = {
            let state = self.state.lock();
            let sent = state
                .queues
                .as_ref()
                .and_then(|q| q.progress.iter().map(|(_, _, p)| p.acked().segment).min());
            (sent, state.args.wal.clone())
        };
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis() as i64;
        let ms = |d: syntax::decode::GoDuration| d.0 / 1_000_000;
        let min_keep = now - ms(wal_options.min_keepalive_time);
        let max_keep = now - ms(wal_options.max_keepalive());
        match self.storage.wal.truncate(sent_before, min_keep, max_keep) {
            Ok(t) => {
                self.storage
                    .metrics
                    .active_series
                    .set(self.storage.wal.active_series() as i64);
                tracing::debug!(component = %self.opts.id, ?t, "WAL truncated");
            }
            Err(e) => tracing::error!(component = %self.opts.id, "WAL truncation failed: {e}"),
        }
    }
}

/// Publishes `{ receiver = … }`.
pub fn export_receiver(opts: &Options, receiver: MetricsReceiver) {
    let mut exports = syntax::value::Object::new();
    exports.insert("receiver".into(), syntax::decode::Codec::encode(&receiver));
    opts.export_value(syntax::value::Value::Object(exports));
}

/// The endpoint's name, or one derived from its URL (Prometheus derives it
/// from a hash of the settings).
fn remote_name(endpoint: &Endpoint) -> String {
    if !endpoint.name.is_empty() {
        return endpoint.name.clone();
    }
    // FNV-1a: stable across builds, unlike the hashers of std.
    let hash = endpoint.url.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{:06x}", hash & 0xff_ffff)
}

fn check_names(args: &Arguments) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for endpoint in &args.endpoints {
        let name = remote_name(endpoint);
        if !seen.insert(name.clone()) {
            return Err(format!(
                "duplicate remote write configs are not allowed, found duplicate for name: {name}"
            ));
        }
    }
    Ok(())
}

fn warn_about_aliases(id: &str, args: &Arguments) {
    if args.wal.max_age.is_some() {
        tracing::warn!(
            component = %id,
            "wal: \"max_age\" is not an Alloy attribute; it is read as \"max_keepalive_time\", the standard name — use that instead"
        );
    }
}

/// Sends the known metadata every `interval`, at most `per_request` entries
/// per request, in requests without samples (as Prometheus does).
async fn send_metadata(
    storage: Arc<Storage>,
    sender: Arc<Sender>,
    metrics: QueueMetrics,
    interval: Duration,
    per_request: usize,
    cancel: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(interval) => {}
        }
        let entries: Vec<MetricMetadata> = storage
            .metadata
            .lock()
            .values()
            .map(|m| MetricMetadata {
                r#type: MetricMetadataType::from(m.metric_type) as i32,
                metric_family_name: m.family.clone(),
                help: m.help.clone(),
                unit: m.unit.clone(),
            })
            .collect();
        for chunk in entries.chunks(per_request) {
            let request = WriteRequest {
                timeseries: Vec::new(),
                metadata: chunk.to_vec(),
            };
            let body = model::remote_write::encode_request(&request).into();
            match sender.send(body, 0, &metrics, &cancel).await {
                send::Delivery::Sent => {
                    metrics.metadata.inc_by(chunk.len() as u64);
                }
                send::Delivery::Dropped(reason) => {
                    tracing::error!(url = %sender.url, "metadata refused: {reason}")
                }
                send::Delivery::Cancelled => return,
            }
        }
    }
}

impl Component for RemoteWrite {
    type Arguments = Arguments;

    fn build(opts: Options, args: Arguments) -> Result<RemoteWrite, String> {
        check_names(&args)?;
        warn_about_aliases(&opts.id, &args);
        let wal_dir = opts.data_path.join("wal");
        let (wal, replay) = Wal::open(&wal_dir, SEGMENT_SIZE)
            .map_err(|e| format!("failed to open the WAL in {}: {e}", wal_dir.display()))?;
        if replay.samples > 0 || !replay.truncated.is_empty() {
            tracing::info!(component = %opts.id, series = replay.series, samples = replay.samples, truncated = ?replay.truncated, "replayed the WAL");
        }
        let metrics = Metrics::register(&mut opts.metrics.lock());
        metrics.active_series.set(wal.active_series() as i64);
        let storage = Arc::new(Storage {
            wal: Arc::new(wal),
            metrics,
            metadata: Mutex::default(),
            health: Mutex::new(Health::healthy("WAL writable")),
        });
        export_receiver(&opts, MetricsReceiver(storage.clone()));
        Ok(RemoteWrite {
            opts,
            storage,
            state: Mutex::new(State {
                args,
                runtime: None,
                queues: None,
            }),
        })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        {
            let mut state = self.state.lock();
            state.runtime = Some(tokio::runtime::Handle::current());
            self.restart_queues(&mut state)?;
        }
        loop {
            let every = self.state.lock().args.wal.truncate_frequency.to_std();
            let every = every.unwrap_or(Duration::from_secs(7200));
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tokio::time::sleep(every) => {}
            }
            let this = self.clone();
            let _ = tokio::task::spawn_blocking(move || this.truncate()).await;
        }
        if let Some(queues) = self.state.lock().queues.take() {
            queues.cancel.cancel();
        }
        Ok(())
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        check_names(&args)?;
        warn_about_aliases(&self.opts.id, &args);
        let mut state = self.state.lock();
        state.args = args;
        self.restart_queues(&mut state)
    }

    fn health(&self) -> Option<Health> {
        Some(self.storage.health.lock().clone())
    }

    /// The WAL's end and each queue's acknowledged position.
    fn debug_info(&self) -> Option<syntax::value::Value> {
        use syntax::value::{Object, Value};
        let position = |pos: wal::Pos| {
            let mut o = Object::new();
            o.insert("segment".into(), Value::uint(pos.segment));
            o.insert("offset".into(), Value::uint(pos.offset));
            Value::Object(o)
        };
        let wal = &self.storage.wal;
        let queues = self
            .state
            .lock()
            .queues
            .as_ref()
            .map_or_else(Vec::new, |q| {
                q.progress
                    .iter()
                    .map(|(name, url, progress)| {
                        let mut o = Object::new();
                        o.insert("name".into(), Value::string(name));
                        o.insert("url".into(), Value::string(url));
                        o.insert("acknowledged".into(), position(progress.acked()));
                        Value::Object(o)
                    })
                    .collect()
            });
        let mut info = Object::new();
        info.insert("wal_end".into(), position(wal.end()));
        info.insert(
            "active_series".into(),
            Value::uint(wal.active_series() as u64),
        );
        info.insert("queues".into(), Value::Array(queues));
        Some(Value::Object(info))
    }
}

#[cfg(test)]
mod tests;
