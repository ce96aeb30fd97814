//! `prometheus.scrape` (SPEC §2.15): one Prometheus scrape loop per target,
//! each appending a batch per scrape to the `forward_to` receivers.
//!
//! The component keeps a loop per target hash. An update that only changes
//! the targets keeps the loops of unchanged targets running, starts new ones
//! and stops removed ones (which mark their series stale); an update of any
//! other setting restarts every loop but hands each its series cache, so
//! staleness tracking survives the restart — unless the change alters how
//! series labels are built (`honor_labels`, label limits, name validation), in which case the
//! old series are marked stale and the new loops start with empty caches.

mod cache;
mod failure_log;
mod fetch;
mod metadata;
mod sample_labels;
mod scrape_loop;
mod target;

use crate::prometheus::http_client::{HttpClient, HttpClientConfig};
use model::metrics::MetricsReceiver;
use model::target::Target;
use parking_lot::Mutex;
use prometheus_client::metrics::gauge::Gauge;
use runtime::component::{Component, Options};
use sample_labels::{LabelLimits, LabelRules};
use scrape_loop::{LoopState, ScrapeLoop, Settings, Shared, TargetStatus};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use syntax::decode::{Block, ByteSize, GoDuration, Validate};
use syntax::stability::Stability;
use syntax::value::{Object, Value};
use target::{ScrapeTarget, TargetDefaults};
use textparse::Format;
use tokio_util::sync::CancellationToken;

/// The scrape protocols Prometheus knows, with the media type each asks for.
const PROTOCOLS: [(&str, &str); 5] = [
    (
        "PrometheusProto",
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
    ),
    ("PrometheusText0.0.4", "text/plain;version=0.0.4"),
    ("PrometheusText1.0.0", "text/plain;version=1.0.0"),
    (
        "OpenMetricsText0.0.1",
        "application/openmetrics-text;version=0.0.1",
    ),
    (
        "OpenMetricsText1.0.0",
        "application/openmetrics-text;version=1.0.0",
    ),
];

const PROTOBUF: &str = "PrometheusProto";

fn default_protocols() -> Vec<String> {
    [
        "OpenMetricsText1.0.0",
        "OpenMetricsText0.0.1",
        "PrometheusText1.0.0",
        "PrometheusText0.0.4",
    ]
    .map(String::from)
    .to_vec()
}

const ESCAPING_SCHEMES: [&str; 4] = ["allow-utf-8", "underscores", "dots", "values"];

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Clustering {
    #[alloy(attr, optional)]
    pub enabled: bool,
}

#[derive(Clone, PartialEq, Debug, Block)]
#[alloy(validate)]
pub struct Arguments {
    #[alloy(attr)]
    pub targets: Vec<Target>,
    #[alloy(attr)]
    pub forward_to: Vec<MetricsReceiver>,
    #[alloy(attr, optional)]
    pub job_name: String,
    #[alloy(attr, optional)]
    pub extra_metrics: bool,
    #[alloy(attr, optional)]
    pub honor_labels: bool,
    #[alloy(attr, optional)]
    pub honor_timestamps: bool,
    #[alloy(attr, optional)]
    pub honor_metadata: bool,
    #[alloy(attr, optional)]
    pub track_timestamps_staleness: bool,
    #[alloy(attr, optional)]
    pub params: BTreeMap<String, Vec<String>>,
    #[alloy(attr, optional)]
    pub scrape_interval: GoDuration,
    #[alloy(attr, optional)]
    pub scrape_timeout: GoDuration,
    #[alloy(attr, optional)]
    pub scrape_protocols: Vec<String>,
    #[alloy(attr, optional)]
    pub scrape_fallback_protocol: String,
    #[alloy(attr, optional)]
    pub scrape_native_histograms: bool,
    #[alloy(attr, optional)]
    pub scrape_classic_histograms: bool,
    #[alloy(attr, optional)]
    pub convert_classic_histograms_to_nhcb: bool,
    #[alloy(attr, optional)]
    pub native_histogram_bucket_limit: u64,
    #[alloy(attr, optional)]
    pub native_histogram_min_bucket_factor: f64,
    #[alloy(attr, optional)]
    pub start_timestamp_zero_ingestion: bool,
    #[alloy(attr, optional)]
    pub enable_type_and_unit_labels: bool,
    #[alloy(attr, optional)]
    pub enable_compression: bool,
    #[alloy(attr, optional)]
    pub enable_protobuf_negotiation: bool,
    #[alloy(attr, optional)]
    pub metrics_path: String,
    #[alloy(attr, optional)]
    pub scheme: String,
    #[alloy(attr, optional)]
    pub body_size_limit: ByteSize,
    #[alloy(attr, optional)]
    pub sample_limit: u64,
    #[alloy(attr, optional)]
    pub target_limit: u64,
    #[alloy(attr, optional)]
    pub label_limit: u64,
    #[alloy(attr, optional)]
    pub label_name_length_limit: u64,
    #[alloy(attr, optional)]
    pub label_value_length_limit: u64,
    #[alloy(attr, optional)]
    pub metric_name_validation_scheme: String,
    #[alloy(attr, optional)]
    pub metric_name_escaping_scheme: String,
    #[alloy(attr, optional)]
    pub scrape_failure_log_file: String,
    #[alloy(squash)]
    pub http_client_config: HttpClientConfig,
    #[alloy(block, optional)]
    pub clustering: Clustering,
}

impl Default for Arguments {
    fn default() -> Arguments {
        Arguments {
            targets: Vec::new(),
            forward_to: Vec::new(),
            job_name: String::new(),
            extra_metrics: false,
            honor_labels: false,
            honor_timestamps: true,
            honor_metadata: false,
            track_timestamps_staleness: false,
            params: BTreeMap::new(),
            scrape_interval: GoDuration::from_secs(60),
            scrape_timeout: GoDuration::from_secs(10),
            scrape_protocols: default_protocols(),
            scrape_fallback_protocol: "PrometheusText0.0.4".to_owned(),
            scrape_native_histograms: false,
            scrape_classic_histograms: false,
            convert_classic_histograms_to_nhcb: false,
            native_histogram_bucket_limit: 0,
            native_histogram_min_bucket_factor: 0.0,
            start_timestamp_zero_ingestion: false,
            enable_type_and_unit_labels: false,
            enable_compression: true,
            enable_protobuf_negotiation: false,
            metrics_path: "/metrics".to_owned(),
            scheme: "http".to_owned(),
            body_size_limit: ByteSize(0),
            sample_limit: 0,
            target_limit: 0,
            label_limit: 0,
            label_name_length_limit: 0,
            label_value_length_limit: 0,
            metric_name_validation_scheme: "legacy".to_owned(),
            metric_name_escaping_scheme: String::new(),
            scrape_failure_log_file: String::new(),
            http_client_config: HttpClientConfig::default(),
            clustering: Clustering::default(),
        }
    }
}

fn check_protocol(protocol: &str) -> Result<(), String> {
    if PROTOCOLS.iter().any(|(name, _)| *name == protocol) {
        return Ok(());
    }
    let mut supported: Vec<&str> = PROTOCOLS.iter().map(|(name, _)| *name).collect();
    supported.sort_unstable();
    Err(format!(
        "unknown scrape protocol {protocol}, supported: [{}]",
        supported.join(" ")
    ))
}

impl Validate for Arguments {
    fn validate(&self) -> Result<(), String> {
        if self.scrape_timeout > self.scrape_interval {
            return Err(format!(
                "scrape_timeout ({}) greater than scrape_interval ({}) for scrape config with job name {:?}",
                self.scrape_timeout, self.scrape_interval, self.job_name
            ));
        }
        if self.enable_protobuf_negotiation && self.scrape_protocols != default_protocols() {
            return Err("both enable_protobuf_negotiation and scrape_protocols are set, only one can be set at a time".to_owned());
        }
        let protocols = self.effective_protocols();
        if self.scrape_native_histograms && !protocols.iter().any(|p| p == PROTOBUF) {
            return Err("scrape_native_histograms is set to true, but PrometheusProto is not in scrape_protocols".to_owned());
        }
        for (i, protocol) in protocols.iter().enumerate() {
            if protocols[..i].contains(protocol) {
                return Err(format!(
                    "duplicate scrape protocol {protocol:?}: make sure the scrape protocols provided are unique"
                ));
            }
            check_protocol(protocol)
                .map_err(|e| format!("invalid scrape protocol {protocol:?}: {e}"))?;
        }
        if !self.scrape_fallback_protocol.is_empty() {
            check_protocol(&self.scrape_fallback_protocol).map_err(|e| {
                format!(
                    "invalid scrape_fallback_protocol {:?}: {e}",
                    self.scrape_fallback_protocol
                )
            })?;
        }
        let validation = self.metric_name_validation_scheme.as_str();
        if validation != "utf8" && validation != "legacy" {
            return Err(format!(
                "invalid metric_name_validation_scheme {validation:?}: must be either \"utf8\" or \"legacy\""
            ));
        }
        let escaping = self.escaping_scheme();
        if !ESCAPING_SCHEMES.contains(&escaping) {
            return Err(format!(
                "invalid metric_name_escaping_scheme: {escaping:?}, supported values: [{}]",
                ESCAPING_SCHEMES.join(" ")
            ));
        }
        if escaping == "allow-utf-8" && validation != "utf8" {
            return Err("metric_name_escaping_scheme cannot be set to 'allow-utf-8' while metric_name_validation_scheme is not set to 'utf8'".to_owned());
        }
        self.http_client_config.validate()
    }
}

impl Arguments {
    /// The protocols to negotiate, after the deprecated switch and native
    /// histograms moved protobuf first, as Alloy does.
    fn effective_protocols(&self) -> Vec<String> {
        let proto_first = self.enable_protobuf_negotiation
            || (self.scrape_native_histograms && self.scrape_protocols == default_protocols());
        if proto_first {
            let mut protocols = vec![PROTOBUF.to_owned()];
            protocols.extend(default_protocols());
            return protocols;
        }
        self.scrape_protocols.clone()
    }

    fn escaping_scheme(&self) -> &str {
        match self.metric_name_escaping_scheme.as_str() {
            "" if self.metric_name_validation_scheme == "legacy" => "underscores",
            "" => "allow-utf-8",
            other => other,
        }
    }

    /// Prometheus's `Accept` header: the protocols in order of preference
    /// with falling q-values, then anything. Protobuf is left out: ferroalloy
    /// parses only the text formats, so a target must not be asked for it.
    fn accept_header(&self) -> String {
        let mut weight = PROTOCOLS.len() + 1;
        let mut parts = Vec::new();
        for protocol in self.effective_protocols() {
            let Some((_, media_type)) = PROTOCOLS.iter().find(|(name, _)| *name == protocol) else {
                continue;
            };
            if protocol != PROTOBUF {
                let mut part = (*media_type).to_owned();
                if protocol == "PrometheusText1.0.0" || protocol == "OpenMetricsText1.0.0" {
                    part.push_str(";escaping=");
                    part.push_str(self.escaping_scheme());
                }
                parts.push(format!("{part};q=0.{weight}"));
            }
            weight -= 1;
        }
        parts.push(format!("*/*;q=0.{weight}"));
        parts.join(",")
    }

    fn settings(&self) -> Result<Settings, String> {
        let fallback = match self.scrape_fallback_protocol.as_str() {
            p if p.starts_with("PrometheusText") => Some(Format::PrometheusText),
            p if p.starts_with("OpenMetricsText") => Some(Format::OpenMetrics),
            _ => None,
        };
        let limit = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
        let user_agent = format!("ferroalloy/{}", env!("CARGO_PKG_VERSION"));
        Ok(Settings {
            honor_timestamps: self.honor_timestamps,
            track_timestamps_staleness: self.track_timestamps_staleness,
            extra_metrics: self.extra_metrics,
            accept: self.accept_header(),
            compression: self.enable_compression,
            body_size_limit: usize::try_from(self.body_size_limit.0.max(0)).unwrap_or(usize::MAX),
            fallback,
            sample_limit: limit(self.sample_limit),
            failure_log: (!self.scrape_failure_log_file.is_empty())
                .then(|| PathBuf::from(&self.scrape_failure_log_file)),
            label_rules: LabelRules {
                honor_labels: self.honor_labels,
                limits: LabelLimits {
                    labels: limit(self.label_limit),
                    name_length: limit(self.label_name_length_limit),
                    value_length: limit(self.label_value_length_limit),
                },
                legacy_names: self.metric_name_validation_scheme == "legacy",
            },
            // Each scrape is bounded by its target's timeout instead.
            client: HttpClient::new(&self.http_client_config, true, &user_agent, None)?,
            offset_seed: *OFFSET_SEED,
        })
    }

    /// Whether `other` differs in more than its targets and receivers, which
    /// is what restarts the loops.
    /// The switches ferroalloy accepts for compatibility but does not act on
    /// (native histograms need the protobuf format; no clustering yet).
    fn ignored_switches(&self) -> Vec<&'static str> {
        [
            ("scrape_native_histograms", self.scrape_native_histograms),
            ("scrape_classic_histograms", self.scrape_classic_histograms),
            (
                "convert_classic_histograms_to_nhcb",
                self.convert_classic_histograms_to_nhcb,
            ),
            (
                "native_histogram_bucket_limit",
                self.native_histogram_bucket_limit != 0,
            ),
            (
                "native_histogram_min_bucket_factor",
                self.native_histogram_min_bucket_factor != 0.0,
            ),
            (
                "enable_type_and_unit_labels",
                self.enable_type_and_unit_labels,
            ),
            (
                "start_timestamp_zero_ingestion",
                self.start_timestamp_zero_ingestion,
            ),
            ("clustering", self.clustering.enabled),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }

    /// Alloy refuses the experimental switches unless the stability level
    /// allows them.
    fn check_experimental(&self, min_stability: Stability) -> Result<(), String> {
        let switches = [
            ("honor_metadata", self.honor_metadata),
            (
                "enable_type_and_unit_labels",
                self.enable_type_and_unit_labels,
            ),
            (
                "start_timestamp_zero_ingestion",
                self.start_timestamp_zero_ingestion,
            ),
        ];
        for (name, set) in switches {
            if set && min_stability > Stability::Experimental {
                return Err(format!(
                    "{name} is an experimental feature, and must be enabled by setting the stability.level flag to experimental"
                ));
            }
        }
        Ok(())
    }

    fn same_settings(&self, other: &Arguments) -> bool {
        let strip = |a: &Arguments| Arguments {
            targets: Vec::new(),
            forward_to: Vec::new(),
            ..a.clone()
        };
        strip(self) == strip(other)
    }
}

/// Per process, so that two ferroalloy processes scraping the same targets
/// spread their scrapes differently.
static OFFSET_SEED: std::sync::LazyLock<u64> =
    std::sync::LazyLock::new(|| RandomState::new().hash_one("prometheus.scrape offsets"));

struct LoopHandle {
    target: ScrapeTarget,
    stop: CancellationToken,
    mark_stale: Arc<AtomicBool>,
    state: Arc<tokio::sync::Mutex<LoopState>>,
    status: Arc<Mutex<TargetStatus>>,
    task: tokio::task::JoinHandle<()>,
}

/// Ordered from the least to the most thorough.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Restart {
    #[default]
    No,
    /// New settings; the cached label sets are still right.
    KeepCaches,
    /// New settings that change the label sets: start over.
    Fresh,
}

struct Inner {
    args: Arguments,
    settings: Arc<Settings>,
    /// How the loops must restart after a settings change, if at all.
    restart: Restart,
    loops: HashMap<u64, LoopHandle>,
}

pub struct PrometheusScrape {
    opts: Options,
    /// `prometheus_scrape_targets_gauge`: the targets being scraped.
    targets_gauge: Gauge,
    inner: Mutex<Inner>,
    shared: Arc<Shared>,
    changed: tokio::sync::Notify,
}

impl PrometheusScrape {
    fn job_name(&self, args: &Arguments) -> String {
        if args.job_name.is_empty() {
            self.opts.id.clone()
        } else {
            args.job_name.clone()
        }
    }

    /// Brings the running loops in line with the arguments.
    fn reconcile(&self) {
        let mut inner = self.inner.lock();
        let inner = &mut *inner;
        let job = self.job_name(&inner.args);
        let defaults = TargetDefaults {
            job: &job,
            scheme: &inner.args.scheme,
            metrics_path: &inner.args.metrics_path,
            params: &inner.args.params,
            interval: inner.args.scrape_interval,
            timeout: inner.args.scrape_timeout,
        };
        let mut wanted = HashMap::new();
        for target in &inner.args.targets {
            match ScrapeTarget::new(target, &defaults) {
                Ok(t) => {
                    wanted.entry(t.hash).or_insert(t);
                }
                Err(e) => {
                    tracing::warn!(component = %self.opts.id, target = %target, error = %e, "dropping target")
                }
            }
        }
        self.targets_gauge
            .set(i64::try_from(wanted.len()).unwrap_or(i64::MAX));
        let target_limit = usize::try_from(inner.args.target_limit).unwrap_or(usize::MAX);
        *self.shared.forced_error.write() =
            (target_limit > 0 && wanted.len() > target_limit).then(|| {
                format!(
                    "target_limit exceeded (number of targets: {}, limit: {target_limit})",
                    wanted.len()
                )
            });
        let restart = std::mem::take(&mut inner.restart);
        let mut previous = std::mem::take(&mut inner.loops);
        for (hash, target) in wanted {
            let (state, status) = match previous.remove(&hash) {
                Some(old) if restart == Restart::No && old.target == target => {
                    inner.loops.insert(hash, old);
                    continue;
                }
                Some(old) if restart != Restart::Fresh => {
                    // Restarted with new settings or a new interval: the old
                    // loop ends without staleness markers and the new one
                    // takes its cache.
                    old.mark_stale.store(false, Ordering::Release);
                    old.stop.cancel();
                    (old.state, old.status)
                }
                Some(old) => {
                    old.stop.cancel();
                    Default::default()
                }
                None => Default::default(),
            };
            inner.loops.insert(
                hash,
                self.spawn(target, inner.settings.clone(), state, status),
            );
        }
        for (_, gone) in previous {
            gone.stop.cancel();
        }
    }

    fn spawn(
        &self,
        target: ScrapeTarget,
        settings: Arc<Settings>,
        state: Arc<tokio::sync::Mutex<LoopState>>,
        status: Arc<Mutex<TargetStatus>>,
    ) -> LoopHandle {
        let stop = CancellationToken::new();
        let mark_stale = Arc::new(AtomicBool::new(true));
        let scrape_loop = ScrapeLoop::new(
            target.clone(),
            settings,
            self.shared.clone(),
            state.clone(),
            status.clone(),
        );
        let task = tokio::spawn(scrape_loop.run(stop.clone(), mark_stale.clone()));
        LoopHandle {
            target,
            stop,
            mark_stale,
            state,
            status,
            task,
        }
    }
}

fn warn_ignored(id: &str, args: &Arguments) {
    let ignored = args.ignored_switches();
    if !ignored.is_empty() {
        tracing::warn!(
            component = id,
            "ferroalloy does not support these settings yet and scrapes without them: {}",
            ignored.join(", ")
        );
    }
}

impl Component for PrometheusScrape {
    type Arguments = Arguments;

    fn build(opts: Options, args: Arguments) -> Result<PrometheusScrape, String> {
        args.check_experimental(opts.min_stability)?;
        warn_ignored(&opts.id, &args);
        let settings = Arc::new(args.settings()?);
        let targets_gauge = Gauge::default();
        opts.metrics.lock().register(
            "prometheus_scrape_targets_gauge",
            "Number of targets this component is configured to scrape",
            targets_gauge.clone(),
        );
        Ok(PrometheusScrape {
            opts,
            targets_gauge,
            shared: Arc::new(Shared::new(args.forward_to.clone())),
            inner: Mutex::new(Inner {
                args,
                settings,
                restart: Restart::No,
                loops: HashMap::new(),
            }),
            changed: tokio::sync::Notify::new(),
        })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        loop {
            self.reconcile();
            tokio::select! {
                () = self.changed.notified() => {}
                () = shutdown.cancelled() => break,
            }
        }
        let loops = std::mem::take(&mut self.inner.lock().loops);
        for handle in loops.values() {
            handle.stop.cancel();
        }
        for (_, handle) in loops {
            let _ = handle.task.await;
        }
        Ok(())
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        args.check_experimental(self.opts.min_stability)?;
        warn_ignored(&self.opts.id, &args);
        let mut inner = self.inner.lock();
        let old_rules = inner.settings.label_rules;
        if !inner.args.same_settings(&args) {
            inner.settings = Arc::new(args.settings()?);
            let relabel = inner.settings.label_rules != old_rules;
            inner.restart = inner.restart.max(if relabel {
                Restart::Fresh
            } else {
                Restart::KeepCaches
            });
        }
        *self.shared.receivers.write() = args.forward_to.clone();
        inner.args = args;
        drop(inner);
        self.changed.notify_one();
        Ok(())
    }

    fn debug_info(&self) -> Option<Value> {
        let inner = self.inner.lock();
        let job = self.job_name(&inner.args);
        let mut targets: Vec<(&ScrapeTarget, TargetStatus)> = inner
            .loops
            .values()
            .map(|l| (&l.target, l.status.lock().clone()))
            .collect();
        targets.sort_by(|a, b| a.0.url.as_str().cmp(b.0.url.as_str()));
        let targets = targets
            .into_iter()
            .map(|(target, status)| {
                let labels: Object = target
                    .labels
                    .iter()
                    .map(|(n, v)| (n.to_owned(), Value::string(v)))
                    .collect();
                let mut object = Object::new();
                object.insert("job".into(), Value::string(job.clone()));
                object.insert("url".into(), Value::string(target.url.as_str()));
                object.insert("health".into(), Value::string(status.health.as_str()));
                object.insert("labels".into(), Value::Object(labels));
                object.insert("last_error".into(), Value::string(status.last_error));
                object.insert(
                    "last_scrape".into(),
                    Value::string(
                        status
                            .last_scrape
                            .map(failure_log::rfc3339)
                            .unwrap_or_default(),
                    ),
                );
                object.insert(
                    "last_scrape_duration".into(),
                    Value::string(GoDuration::from_std(status.last_duration).to_string()),
                );
                Value::Object(object)
            })
            .collect();
        let mut info = Object::new();
        info.insert("targets".into(), Value::Array(targets));
        Some(Value::Object(info))
    }
}

#[cfg(test)]
mod peers;
#[cfg(test)]
mod tests;
