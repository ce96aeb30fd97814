//! `prometheus.relabel` (SPEC §2.16): relabels the series of every batch
//! appended to its receiver and forwards what is left, as one batch, to
//! `forward_to`.
//!
//! Results are cached per input label set, so a series seen on every scrape is
//! relabelled once and its output `Arc` handed out again. A staleness marker
//! evicts its series' entry (the series is gone), and the cache is bounded by
//! size (`max_cache_size`) and, in TTL mode, by age (`cache_ttl`).

use foldhash::fast::RandomState;
use model::labels::Labels;
use model::metrics::{
    AppendError, Appender, Exemplar, Metadata, MetricsBatch, MetricsReceiver, Sample, append_all,
    is_stale_nan,
};
use model::relabel::{self, Rule, Rules};
use parking_lot::Mutex;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use runtime::component::{Component, Options};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use syntax::decode::{Block, Codec, GoDuration, Validate};
use syntax::value::Value;
use tokio_util::sync::CancellationToken;

const DEFAULT_MAX_CACHE_SIZE: i64 = 100_000;
const MIN_CACHE_TTL: Duration = Duration::from_secs(60);

#[derive(Clone, PartialEq, Debug, Block)]
#[alloy(validate)]
pub struct Arguments {
    #[alloy(attr)]
    pub forward_to: Vec<MetricsReceiver>,
    #[alloy(block, optional, name = "rule")]
    pub rules: Vec<Rule>,
    #[alloy(attr, optional)]
    pub max_cache_size: i64,
    #[alloy(attr, optional)]
    pub cache_ttl: GoDuration,
}

impl Default for Arguments {
    fn default() -> Arguments {
        Arguments {
            forward_to: Vec::new(),
            rules: Vec::new(),
            max_cache_size: DEFAULT_MAX_CACHE_SIZE,
            cache_ttl: GoDuration::default(),
        }
    }
}

impl Validate for Arguments {
    fn validate(&self) -> Result<(), String> {
        if self.cache_ttl.nanos() < 0 {
            return Err(format!(
                "cache_ttl must not be negative and is {}",
                self.cache_ttl
            ));
        }
        if self.cache_ttl.nanos() > 0 && self.ttl() < Some(MIN_CACHE_TTL) {
            return Err(format!(
                "cache_ttl must be at least 1m and is {}",
                self.cache_ttl
            ));
        }
        if self.cache_ttl.nanos() == 0 && self.max_cache_size <= 0 {
            return Err(format!(
                "max_cache_size must be greater than 0 and is {}",
                self.max_cache_size
            ));
        }
        Ok(())
    }
}

impl Arguments {
    /// The TTL of cache entries, in TTL mode.
    fn ttl(&self) -> Option<Duration> {
        self.cache_ttl.to_std().filter(|ttl| !ttl.is_zero())
    }

    /// The most entries the cache holds. TTL mode ages entries out but keeps
    /// the size bound too (the default when `max_cache_size` is 0), so memory
    /// stays bounded whatever the series churn.
    fn capacity(&self) -> usize {
        let size = if self.max_cache_size > 0 {
            self.max_cache_size
        } else {
            DEFAULT_MAX_CACHE_SIZE
        };
        usize::try_from(size).unwrap_or(usize::MAX)
    }
}

/// A relabelling result: the output labels, or `None` when the series is dropped.
type Relabelled = Option<Arc<Labels>>;

struct Entry {
    output: Relabelled,
    created: Instant,
}

/// Relabelling results by input label set: two generations of at most half the
/// capacity each, so recently used entries survive and eviction is O(1).
struct Cache {
    generation_size: usize,
    ttl: Option<Duration>,
    current: HashMap<Arc<Labels>, Entry, RandomState>,
    previous: HashMap<Arc<Labels>, Entry, RandomState>,
}

impl Cache {
    fn new(capacity: usize, ttl: Option<Duration>) -> Cache {
        Cache {
            generation_size: (capacity / 2).max(1),
            ttl,
            current: HashMap::default(),
            previous: HashMap::default(),
        }
    }

    fn fresh(&self, entry: &Entry, now: Instant) -> bool {
        self.ttl
            .is_none_or(|ttl| now.duration_since(entry.created) < ttl)
    }

    /// The cached result for `input`, if any and not expired.
    fn get(&mut self, input: &Arc<Labels>, now: Instant) -> Option<Relabelled> {
        if let Some(entry) = self.current.get(&**input) {
            if self.fresh(entry, now) {
                return Some(entry.output.clone());
            }
            self.current.remove(&**input);
            return None;
        }
        let entry = self.previous.remove(&**input)?;
        if !self.fresh(&entry, now) {
            return None;
        }
        let output = entry.output.clone();
        self.insert_entry(input.clone(), entry);
        Some(output)
    }

    fn insert(&mut self, input: Arc<Labels>, output: Relabelled, now: Instant) {
        self.insert_entry(
            input,
            Entry {
                output,
                created: now,
            },
        );
    }

    fn insert_entry(&mut self, input: Arc<Labels>, entry: Entry) {
        if self.current.len() >= self.generation_size {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(input, entry);
    }

    /// Forgets `input`; whether it was cached.
    fn remove(&mut self, input: &Labels) -> bool {
        self.current.remove(input).is_some() | self.previous.remove(input).is_some()
    }

    /// Drops the entries older than the TTL.
    fn expire(&mut self, now: Instant) {
        let Some(ttl) = self.ttl else { return };
        let fresh = |entry: &Entry| now.duration_since(entry.created) < ttl;
        self.current.retain(|_, e| fresh(e));
        self.previous.retain(|_, e| fresh(e));
    }

    fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }
}

/// What an update replaces at once: the rules, the cache computed with them,
/// and where results go.
struct State {
    rules: Arc<[Rule]>,
    cache: Cache,
    forward_to: Vec<MetricsReceiver>,
}

struct SelfMetrics {
    processed: Counter,
    written: Counter,
    cache_hits: Counter,
    cache_misses: Counter,
    cache_deletes: Counter,
    cache_size: Gauge,
}

impl SelfMetrics {
    fn register(opts: &Options) -> SelfMetrics {
        let metrics = SelfMetrics {
            processed: Counter::default(),
            written: Counter::default(),
            cache_hits: Counter::default(),
            cache_misses: Counter::default(),
            cache_deletes: Counter::default(),
            cache_size: Gauge::default(),
        };
        let mut registry = opts.metrics.lock();
        let counters = [
            (
                "metrics_processed",
                "Total number of metrics processed",
                &metrics.processed,
            ),
            (
                "metrics_written",
                "Total number of metrics written",
                &metrics.written,
            ),
            (
                "cache_misses",
                "Total number of cache misses",
                &metrics.cache_misses,
            ),
            (
                "cache_hits",
                "Total number of cache hits",
                &metrics.cache_hits,
            ),
            (
                "cache_deletes",
                "Total number of cache deletes",
                &metrics.cache_deletes,
            ),
        ];
        for (name, help, counter) in counters {
            registry.register(
                format!("alloy_prometheus_relabel_{name}"),
                help,
                counter.clone(),
            );
        }
        registry.register(
            "alloy_prometheus_relabel_cache_size",
            "Total size of relabel cache",
            metrics.cache_size.clone(),
        );
        metrics
    }
}

/// The receiver other components append to.
struct Relabeler {
    id: String,
    state: Mutex<State>,
    metrics: SelfMetrics,
    exited: AtomicBool,
}

impl Relabeler {
    /// The output labels of `input`, from the cache or computed and cached.
    fn relabel(&self, state: &mut State, input: &Arc<Labels>, now: Instant) -> Relabelled {
        if let Some(output) = state.cache.get(input, now) {
            self.metrics.cache_hits.inc();
            return output;
        }
        self.metrics.cache_misses.inc();
        let mut labels = (**input).clone();
        let kept = relabel::process(&mut labels, &state.rules) && !labels.is_empty();
        let output = if !kept {
            None
        } else if labels == **input {
            // Unchanged series keep their label set: no copy downstream.
            Some(input.clone())
        } else {
            Some(Arc::new(labels))
        };
        state.cache.insert(input.clone(), output.clone(), now);
        output
    }
}

impl Appender for Relabeler {
    fn append(&self, batch: &MetricsBatch) -> Result<(), AppendError> {
        if self.exited.load(Ordering::Acquire) {
            return Err(AppendError::permanent(format!("{} has exited", self.id)));
        }
        let now = Instant::now();
        let mut out = MetricsBatch {
            samples: Vec::with_capacity(batch.samples.len()),
            ..MetricsBatch::default()
        };
        let forward_to = {
            let mut state = self.state.lock();
            for sample in &batch.samples {
                let output = self.relabel(&mut state, &sample.labels, now);
                if is_stale_nan(sample.value) && state.cache.remove(&sample.labels) {
                    self.metrics.cache_deletes.inc();
                }
                if let Some(labels) = output {
                    out.samples.push(Sample {
                        labels,
                        timestamp: sample.timestamp,
                        value: sample.value,
                    });
                }
            }
            for exemplar in &batch.exemplars {
                if let Some(series) = self.relabel(&mut state, &exemplar.series, now) {
                    out.exemplars.push(Exemplar {
                        series,
                        ..exemplar.clone()
                    });
                }
            }
            self.metrics.cache_size.set(state.cache.len() as i64);
            state.forward_to.clone()
        };
        out.metadata = surviving_metadata(batch, &out);
        self.metrics.processed.inc_by(batch.samples.len() as u64);
        self.metrics.written.inc_by(out.samples.len() as u64);
        if out.is_empty() {
            return Ok(());
        }
        append_all(&forward_to, &out)
    }
}

/// The metadata of the families that still have series after relabelling
/// (matched by the relabelled metric names, so renamed families lose theirs).
fn surviving_metadata(input: &MetricsBatch, output: &MetricsBatch) -> Vec<Metadata> {
    if input.metadata.is_empty() {
        return Vec::new();
    }
    // The families the output's series can belong to: each metric name as
    // it is and without a histogram, summary or counter suffix.
    const SUFFIXES: [&str; 5] = ["_total", "_bucket", "_count", "_sum", "_created"];
    let mut families: HashSet<&str, RandomState> = HashSet::default();
    for sample in &output.samples {
        let name = sample.labels.value("__name__");
        families.insert(name);
        families.extend(
            SUFFIXES
                .iter()
                .filter_map(|suffix| name.strip_suffix(suffix)),
        );
    }
    input
        .metadata
        .iter()
        .filter(|m| families.contains(m.family.as_str()))
        .cloned()
        .collect()
}

pub struct PrometheusRelabel {
    opts: Options,
    relabeler: Arc<Relabeler>,
    receiver: MetricsReceiver,
    ttl: Mutex<Option<Duration>>,
    ttl_changed: tokio::sync::Notify,
}

impl PrometheusRelabel {
    /// Exports `receiver` (the same for the component's life) and `rules`.
    fn publish(&self, rules: &Arc<[Rule]>) {
        let exports = [
            ("receiver".to_string(), self.receiver.encode()),
            ("rules".to_string(), Rules(rules.clone()).encode()),
        ];
        self.opts
            .export_value(Value::Object(exports.into_iter().collect()));
    }
}

impl Component for PrometheusRelabel {
    type Arguments = Arguments;

    fn build(opts: Options, args: Arguments) -> Result<PrometheusRelabel, String> {
        let rules: Arc<[Rule]> = args.rules.clone().into();
        let relabeler = Arc::new(Relabeler {
            id: opts.id.clone(),
            state: Mutex::new(State {
                rules: rules.clone(),
                cache: Cache::new(args.capacity(), args.ttl()),
                forward_to: args.forward_to.clone(),
            }),
            metrics: SelfMetrics::register(&opts),
            exited: AtomicBool::new(false),
        });
        let component = PrometheusRelabel {
            receiver: MetricsReceiver(relabeler.clone()),
            relabeler,
            ttl: Mutex::new(args.ttl()),
            ttl_changed: tokio::sync::Notify::new(),
            opts,
        };
        component.publish(&rules);
        Ok(component)
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        loop {
            // In TTL mode, sweep expired entries every TTL so that series that
            // never come back do not stay cached.
            let ttl = *self.ttl.lock();
            let sweep = async {
                match ttl {
                    Some(ttl) => tokio::time::sleep(ttl).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = self.ttl_changed.notified() => {}
                _ = sweep => {
                    let mut state = self.relabeler.state.lock();
                    state.cache.expire(Instant::now());
                    self.relabeler.metrics.cache_size.set(state.cache.len() as i64);
                }
            }
        }
        self.relabeler.exited.store(true, Ordering::Release);
        Ok(())
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        let rules: Arc<[Rule]> = args.rules.clone().into();
        {
            let mut state = self.relabeler.state.lock();
            state.rules = rules.clone();
            state.cache = Cache::new(args.capacity(), args.ttl());
            state.forward_to = args.forward_to.clone();
            self.relabeler.metrics.cache_size.set(0);
        }
        *self.ttl.lock() = args.ttl();
        self.ttl_changed.notify_one();
        self.publish(&rules);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{field, options};
    use model::metrics::{MetricType, stale_nan};
    use model::relabel::{Action, Regex};

    #[derive(Default)]
    struct Collect(Mutex<Vec<MetricsBatch>>);

    impl Appender for Collect {
        fn append(&self, batch: &MetricsBatch) -> Result<(), AppendError> {
            self.0.lock().push(batch.clone());
            Ok(())
        }
    }

    fn series(pairs: &[(&str, &str)]) -> Arc<Labels> {
        Arc::new(Labels::from_pairs(pairs.iter().copied()))
    }

    fn sample(labels: &Arc<Labels>, value: f64) -> Sample {
        Sample {
            labels: labels.clone(),
            timestamp: 1000,
            value,
        }
    }

    fn drop_debug() -> Rule {
        Rule {
            source_labels: vec!["level".into()],
            regex: Regex::new("debug").unwrap(),
            action: Action::Drop,
            ..Rule::default()
        }
    }

    fn add_env() -> Rule {
        Rule {
            target_label: "env".into(),
            replacement: "prod".into(),
            ..Rule::default()
        }
    }

    struct Fixture {
        component: PrometheusRelabel,
        sink: Arc<Collect>,
        receiver: MetricsReceiver,
        exports: crate::testing::Exports,
    }

    fn fixture(rules: Vec<Rule>) -> Fixture {
        let sink = Arc::new(Collect::default());
        let (opts, exports) = options("prometheus.relabel.test");
        let component = PrometheusRelabel::build(
            opts,
            Arguments {
                forward_to: vec![MetricsReceiver(sink.clone())],
                rules,
                ..Arguments::default()
            },
        )
        .unwrap();
        let receiver =
            MetricsReceiver::decode(field(&exports.last().unwrap(), "receiver")).unwrap();
        Fixture {
            component,
            sink,
            receiver,
            exports,
        }
    }

    fn cache_len(f: &Fixture) -> usize {
        f.component.relabeler.state.lock().cache.len()
    }

    #[test]
    fn relabels_drops_and_forwards_one_batch() {
        let f = fixture(vec![drop_debug(), add_env()]);
        let kept = series(&[("__name__", "up"), ("level", "info")]);
        let dropped = series(&[("__name__", "up"), ("level", "debug")]);
        let batch = MetricsBatch {
            samples: vec![sample(&kept, 1.0), sample(&dropped, 2.0)],
            exemplars: vec![Exemplar {
                series: dropped.clone(),
                labels: Labels::from_pairs([("trace_id", "a")]),
                value: 2.0,
                timestamp: None,
            }],
            metadata: vec![Metadata {
                family: "up".into(),
                metric_type: MetricType::Gauge,
                help: "Up.".into(),
                unit: String::new(),
            }],
        };
        f.receiver.0.append(&batch).unwrap();
        let got = f.sink.0.lock().clone();
        assert_eq!(got.len(), 1, "one batch out per batch in");
        assert_eq!(
            got[0].samples,
            [Sample {
                labels: series(&[("__name__", "up"), ("env", "prod"), ("level", "info")]),
                timestamp: 1000,
                value: 1.0,
            }]
        );
        assert!(
            got[0].exemplars.is_empty(),
            "the exemplar's series was dropped"
        );
        assert_eq!(got[0].metadata, batch.metadata);
        assert_eq!(f.component.relabeler.metrics.processed.get(), 2);
        assert_eq!(f.component.relabeler.metrics.written.get(), 1);
    }

    #[test]
    fn metadata_follows_its_series() {
        let drop_debug_names = Rule {
            source_labels: vec!["__name__".into()],
            regex: Regex::new("debug_.*").unwrap(),
            action: Action::Drop,
            ..Rule::default()
        };
        let f = fixture(vec![drop_debug_names]);
        let metadata = |family: &str| Metadata {
            family: family.into(),
            metric_type: MetricType::Counter,
            help: String::new(),
            unit: String::new(),
        };
        let batch = MetricsBatch {
            samples: vec![
                sample(&series(&[("__name__", "requests_total")]), 1.0),
                sample(&series(&[("__name__", "latency_bucket"), ("le", "1")]), 1.0),
                sample(&series(&[("__name__", "debug_events_total")]), 1.0),
            ],
            exemplars: Vec::new(),
            metadata: vec![
                metadata("requests"),
                metadata("latency"),
                metadata("debug_events"),
            ],
        };
        f.receiver.0.append(&batch).unwrap();
        let got = f.sink.0.lock();
        assert_eq!(got[0].metadata, [metadata("requests"), metadata("latency")]);
    }

    #[test]
    fn cached_results_share_their_labels() {
        let f = fixture(vec![add_env()]);
        let input = series(&[("__name__", "up")]);
        for _ in 0..3 {
            f.receiver
                .0
                .append(&MetricsBatch {
                    samples: vec![sample(&input, 1.0)],
                    ..MetricsBatch::default()
                })
                .unwrap();
        }
        let got = f.sink.0.lock();
        assert!(Arc::ptr_eq(
            &got[0].samples[0].labels,
            &got[2].samples[0].labels
        ));
        assert_eq!(f.component.relabeler.metrics.cache_misses.get(), 1);
        assert_eq!(f.component.relabeler.metrics.cache_hits.get(), 2);
        assert_eq!(cache_len(&f), 1);
    }

    #[test]
    fn empty_results_are_dropped() {
        let drop_all = Rule {
            regex: Regex::new(".*").unwrap(),
            action: Action::LabelDrop,
            ..Rule::default()
        };
        let f = fixture(vec![drop_all]);
        let input = series(&[("__name__", "up"), ("a", "b")]);
        f.receiver
            .0
            .append(&MetricsBatch {
                samples: vec![sample(&input, 1.0)],
                ..MetricsBatch::default()
            })
            .unwrap();
        assert!(
            f.sink.0.lock().is_empty(),
            "nothing left, nothing forwarded"
        );
    }

    #[test]
    fn staleness_markers_pass_and_evict() {
        let f = fixture(vec![add_env()]);
        let input = series(&[("__name__", "up")]);
        let append = |value| {
            f.receiver
                .0
                .append(&MetricsBatch {
                    samples: vec![sample(&input, value)],
                    ..MetricsBatch::default()
                })
                .unwrap()
        };
        append(1.0);
        assert_eq!(cache_len(&f), 1);
        append(stale_nan());
        assert_eq!(cache_len(&f), 0);
        assert_eq!(f.component.relabeler.metrics.cache_deletes.get(), 1);
        let got = f.sink.0.lock();
        assert!(is_stale_nan(got[1].samples[0].value));
        assert_eq!(got[1].samples[0].labels.value("env"), "prod");
    }

    #[test]
    fn the_cache_is_bounded() {
        let mut cache = Cache::new(4, None);
        let now = Instant::now();
        for i in 0..100 {
            let input = series(&[("i", &i.to_string())]);
            assert!(cache.get(&input, now).is_none());
            cache.insert(input, None, now);
            assert!(cache.len() <= 4);
        }
    }

    #[test]
    fn ttl_entries_expire() {
        let mut cache = Cache::new(100, Some(MIN_CACHE_TTL));
        let start = Instant::now();
        let input = series(&[("a", "1")]);
        cache.insert(input.clone(), Some(input.clone()), start);
        assert!(cache.get(&input, start + Duration::from_secs(59)).is_some());
        assert!(cache.get(&input, start + Duration::from_secs(61)).is_none());
        cache.insert(input.clone(), None, start);
        cache.expire(start + Duration::from_secs(61));
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn update_swaps_rules_and_clears_the_cache() {
        let f = fixture(vec![add_env()]);
        let input = series(&[("__name__", "up"), ("level", "debug")]);
        let batch = MetricsBatch {
            samples: vec![sample(&input, 1.0)],
            ..MetricsBatch::default()
        };
        f.receiver.0.append(&batch).unwrap();
        f.component
            .update(Arguments {
                forward_to: vec![MetricsReceiver(f.sink.clone())],
                rules: vec![drop_debug()],
                ..Arguments::default()
            })
            .unwrap();
        f.receiver.0.append(&batch).unwrap();
        assert_eq!(f.sink.0.lock().len(), 1, "the new rule drops the series");
        let rules = Rules::decode(field(&f.exports.last().unwrap(), "rules")).unwrap();
        assert_eq!(rules, Rules(vec![drop_debug()].into()));
    }

    #[test]
    fn validation_words() {
        let bad_size = Arguments {
            max_cache_size: 0,
            ..Arguments::default()
        };
        assert_eq!(
            bad_size.validate().unwrap_err(),
            "max_cache_size must be greater than 0 and is 0"
        );
        let short_ttl = Arguments {
            cache_ttl: GoDuration::from_secs(30),
            ..Arguments::default()
        };
        assert_eq!(
            short_ttl.validate().unwrap_err(),
            "cache_ttl must be at least 1m and is 30s"
        );
        let ttl_mode = Arguments {
            cache_ttl: GoDuration::from_secs(300),
            max_cache_size: 0,
            ..Arguments::default()
        };
        assert_eq!(ttl_mode.validate(), Ok(()));
    }

    #[tokio::test]
    async fn refuses_batches_after_exit() {
        let f = fixture(Vec::new());
        let component = Arc::new(f.component);
        let shutdown = CancellationToken::new();
        shutdown.cancel();
        component.clone().run(shutdown).await.unwrap();
        let err = f.receiver.0.append(&MetricsBatch::default()).unwrap_err();
        assert_eq!(err.message, "prometheus.relabel.test has exited");
    }
}
