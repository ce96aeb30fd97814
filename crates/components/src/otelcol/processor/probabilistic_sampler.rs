//! `otelcol.processor.probabilistic_sampler` (SPEC §2.5): keeps a share of
//! spans and log records, decided consistently from each item's randomness
//! (its trace id, an `rv` value, or a hash of an attribute) so that every
//! instance makes the same decision for the same trace.
//!
//! Modes, as in the Collector: `proportional` (the default) multiplies the
//! arriving sampling probability by the configured one, `equalizing` samples
//! at the configured probability unless the item already was more strongly
//! sampled, `hash_seed` keeps the Collector's original FNV-1a hashing of seed
//! and trace id over 2^14 buckets. Sampled items carry the threshold used (`th`
//! in the span's `tracestate`, `sampling.threshold` on log records).

use super::sampling::{MIN_SAMPLING_PROBABILITY, Randomness, SamplingState, Threshold, TraceState};
use super::{Process, Stage, export_input};
use crate::otelcol::{DebugMetrics, Output};
use model::otlp::{ClientInfo, ConsumeError, Consumer, Telemetry};
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::logs::v1::LogRecord;
use opentelemetry_proto::tonic::trace::v1::Span;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use runtime::component::{Component, Options};
use std::sync::Arc;
use syntax::decode::{Block, Validate};
use tokio_util::sync::CancellationToken;

const TRACE_ID_SOURCE: &str = "traceID";
const RECORD_SOURCE: &str = "record";
const RANDOMNESS_ATTRIBUTE: &str = "sampling.randomness";
const THRESHOLD_ATTRIBUTE: &str = "sampling.threshold";

/// The original hashing's buckets: 2^14.
const HASH_BUCKETS_LG2: u32 = 14;
const HASH_BUCKETS: u64 = 1 << HASH_BUCKETS_LG2;

#[derive(Clone, Debug, PartialEq, Block)]
#[alloy(validate)]
pub struct Arguments {
    #[alloy(attr, optional)]
    pub sampling_percentage: f32,
    #[alloy(attr, optional)]
    pub hash_seed: u32,
    #[alloy(attr, optional)]
    pub mode: String,
    #[alloy(attr, optional)]
    pub fail_closed: bool,
    #[alloy(attr, optional)]
    pub sampling_precision: i64,
    #[alloy(attr, optional)]
    pub attribute_source: String,
    #[alloy(attr, optional)]
    pub from_attribute: String,
    #[alloy(attr, optional)]
    pub sampling_priority: String,
    #[alloy(block)]
    pub output: Output,
    #[alloy(block, optional)]
    pub debug_metrics: DebugMetrics,
}

impl Default for Arguments {
    fn default() -> Arguments {
        Arguments {
            sampling_percentage: 0.0,
            hash_seed: 0,
            mode: String::new(),
            fail_closed: true,
            sampling_precision: 4,
            attribute_source: TRACE_ID_SOURCE.into(),
            from_attribute: String::new(),
            sampling_priority: String::new(),
            output: Output::default(),
            debug_metrics: DebugMetrics::default(),
        }
    }
}

impl Validate for Arguments {
    fn validate(&self) -> Result<(), String> {
        let pct = f64::from(self.sampling_percentage);
        if !pct.is_finite() {
            return Err(format!("sampling rate is invalid: {}%", go_float(pct)));
        }
        let ratio = pct / 100.0;
        if ratio < 0.0 {
            return Err(format!("sampling rate is negative: {pct:.6}%"));
        }
        if ratio > 0.0 && ratio < MIN_SAMPLING_PROBABILITY {
            return Err(format!("sampling rate is too small: {pct:e}%"));
        }
        if !self.attribute_source.is_empty()
            && self.attribute_source != TRACE_ID_SOURCE
            && self.attribute_source != RECORD_SOURCE
        {
            return Err(format!(
                "invalid attribute source: {}. Expected: {TRACE_ID_SOURCE} or {RECORD_SOURCE}",
                self.attribute_source
            ));
        }
        if self.sampling_precision == 0 {
            return Err("invalid sampling precision: 0".into());
        }
        if self.sampling_precision > 14 {
            return Err(format!(
                "sampling precision is too great, should be <= 14: {}",
                self.sampling_precision
            ));
        }
        if !matches!(
            self.mode.as_str(),
            "" | "proportional" | "equalizing" | "hash_seed"
        ) {
            return Err(format!("unsupported sampler mode {:?}", self.mode));
        }
        Ok(())
    }
}

/// Go's `%f` of an infinity or NaN.
fn go_float(x: f64) -> &'static str {
    if x.is_nan() {
        "NaN"
    } else if x > 0.0 {
        "+Inf"
    } else {
        "-Inf"
    }
}

/// How the threshold of an item is decided.
#[derive(Clone, Copy, Debug)]
enum Decide {
    Never,
    /// The original hashing: randomness from FNV-1a, a fixed threshold.
    Hash(Threshold),
    Equalizing(Threshold),
    Proportional {
        ratio: f64,
        precision: i32,
    },
}

/// Why an item's sampling information could not be used (the Collector's
/// wording); `fail_closed` decides whether such items are dropped.
const MISSING_RANDOMNESS: &str = "missing randomness";
const INCONSISTENT_THRESHOLD: &str =
    "inconsistent arriving t-value: span should not have been sampled";
const RANDOMNESS_IN_USE: &str =
    "item has sampling randomness, equalizing or proportional mode recommended";
const THRESHOLD_IN_USE: &str =
    "item has sampling threshold, equalizing or proportional mode recommended";

/// The decision rules of one configuration, for one signal.
pub struct Sampler {
    decide: Decide,
    hash_seed: u32,
    fail_closed: bool,
    precision: i32,
    /// Logs: hash the trace id in `hash_seed` mode.
    logs_trace_id: bool,
    from_attribute: String,
    sampling_priority: String,
}

/// What an item says about its sampling.
struct Found {
    /// `None`: the item has none.
    randomness: Option<Randomness>,
    /// `None`: unreadable.
    state: Option<SamplingState>,
    /// Whether randomness and state can be used.
    check: Result<(), String>,
    policy: Policy,
}

/// Where an item's randomness came from: the `policy` label of the
/// Collector's `count_*_sampled` metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Policy {
    TraceIdHash,
    TraceIdW3c,
    SamplingRandomness,
    Attribute,
    SamplingPriority,
    Missing,
}

impl Policy {
    const ALL: [Policy; 6] = [
        Policy::TraceIdHash,
        Policy::TraceIdW3c,
        Policy::SamplingRandomness,
        Policy::Attribute,
        Policy::SamplingPriority,
        Policy::Missing,
    ];

    fn label(self, attribute: &str) -> &str {
        match self {
            Policy::TraceIdHash => "trace_id_hash",
            Policy::TraceIdW3c => "trace_id_w3c",
            Policy::SamplingRandomness => "sampling_randomness",
            Policy::Attribute => attribute,
            Policy::SamplingPriority => "sampling_priority",
            Policy::Missing => "missing_randomness",
        }
    }
}

/// Decisions of one request, counted before they are added to the metric.
#[derive(Default)]
struct Tally([[u64; 2]; Policy::ALL.len()]);

impl Tally {
    fn count(&mut self, policy: Policy, sampled: bool) {
        let i = Policy::ALL.iter().position(|p| *p == policy).unwrap_or(0);
        self.0[i][usize::from(sampled)] += 1;
    }

    fn publish(&self, family: &SampledCount, attribute: &str) {
        for (policy, counts) in Policy::ALL.iter().zip(&self.0) {
            for (sampled, n) in ["false", "true"].iter().zip(counts) {
                if *n > 0 {
                    family
                        .get_or_create(&vec![
                            ("policy".to_owned(), policy.label(attribute).to_owned()),
                            ("sampled".to_owned(), (*sampled).to_owned()),
                        ])
                        .inc_by(*n);
                }
            }
        }
    }
}

type SampledCount = Family<Vec<(String, String)>, Counter>;

/// Where consistent-mode randomness was found.
fn source(state: &SamplingState, from_id: bool, from_attribute: bool) -> Policy {
    if state.randomness.is_some() {
        Policy::SamplingRandomness
    } else if from_id {
        Policy::TraceIdW3c
    } else if from_attribute {
        Policy::Attribute
    } else {
        Policy::Missing
    }
}

impl Sampler {
    fn new(args: &Arguments, logs: bool) -> Sampler {
        let pct = args.sampling_percentage.min(100.0);
        let mode = match args.mode.as_str() {
            "" if args.hash_seed != 0 || (logs && args.attribute_source != TRACE_ID_SOURCE) => {
                "hash_seed"
            }
            "" => "proportional",
            m => m,
        };
        let precision = args.sampling_precision as i32;
        let ratio = (f64::from(pct) / 100.0).max(MIN_SAMPLING_PROBABILITY);
        let decide = if pct <= 0.0 {
            Decide::Never
        } else {
            match mode {
                "equalizing" => Decide::Equalizing(
                    Threshold::from_probability(ratio, precision).unwrap_or(Threshold::NEVER),
                ),
                "proportional" => Decide::Proportional { ratio, precision },
                _ => {
                    // As the Collector: the product in 32-bit floats, truncated.
                    let accepted = (pct * (HASH_BUCKETS as f32 / 100.0)) as u64;
                    match accepted {
                        0 => Decide::Never,
                        _ => Decide::Hash(
                            Threshold::from_unsigned((HASH_BUCKETS - accepted) << 42)
                                .unwrap_or(Threshold::ALWAYS),
                        ),
                    }
                }
            }
        };
        Sampler {
            decide,
            hash_seed: args.hash_seed,
            fail_closed: args.fail_closed,
            precision,
            logs_trace_id: args.attribute_source == TRACE_ID_SOURCE,
            from_attribute: args.from_attribute.clone(),
            sampling_priority: args.sampling_priority.clone(),
        }
    }

    fn hashing(&self) -> bool {
        matches!(self.decide, Decide::Hash(_))
    }

    fn threshold(&self, state: &SamplingState) -> Threshold {
        match self.decide {
            Decide::Never => Threshold::NEVER,
            Decide::Hash(t) | Decide::Equalizing(t) => t,
            Decide::Proportional { ratio, precision } => {
                let incoming = state.threshold.map_or(1.0, Threshold::probability);
                Threshold::from_probability(incoming * ratio, precision).unwrap_or(Threshold::NEVER)
            }
        }
    }

    /// In hash mode an item that already carries sampling information is left
    /// alone; otherwise it gets the hash's randomness written out.
    fn adopt_hash(
        &self,
        randomness: Randomness,
        mut state: SamplingState,
        policy: Policy,
    ) -> Found {
        let check = if state.randomness.is_some() {
            Err(RANDOMNESS_IN_USE.into())
        } else if state.threshold.is_some() {
            Err(THRESHOLD_IN_USE.into())
        } else {
            state.randomness = Some(randomness);
            Ok(())
        };
        Found {
            randomness: Some(randomness),
            state: Some(state),
            check,
            policy,
        }
    }

    /// The span's sampling information, and the other vendors' tracestate
    /// entries to write back with it.
    fn span_randomness(&self, span: &Span) -> (Found, Vec<String>) {
        let (parsed, vendors) = match TraceState::parse(&span.trace_state) {
            Ok(ts) => (Ok(ts.otel), ts.others),
            Err(e) => (Err(e), Vec::new()),
        };
        if self.hashing() {
            let randomness = hash_randomness(&span.trace_id, self.hash_seed);
            let found = match parsed {
                Err(e) => Found {
                    randomness: Some(randomness),
                    state: None,
                    check: Err(e),
                    policy: Policy::TraceIdHash,
                },
                Ok(state) => self.adopt_hash(randomness, state, Policy::TraceIdHash),
            };
            return (found, vendors);
        }
        let found = match parsed {
            Err(e) => Found {
                randomness: None,
                state: None,
                check: Err(e),
                policy: Policy::Missing,
            },
            Ok(state) => {
                let from_id = !is_empty_id(&span.trace_id);
                let randomness = state
                    .randomness
                    .or_else(|| from_id.then(|| Randomness::from_trace_id(&span.trace_id)));
                Found {
                    randomness,
                    policy: source(&state, from_id, false),
                    state: Some(state),
                    check: Ok(()),
                }
            }
        };
        (found, vendors)
    }

    fn log_randomness(&self, log: &LogRecord) -> Found {
        let parsed = log_state(&log.attributes);
        let from_attribute = || {
            if self.from_attribute.is_empty() {
                return None;
            }
            super::attributes::attribute(&log.attributes, &self.from_attribute)
                .map(|v| hash_randomness(&value_bytes(v), self.hash_seed))
        };
        if self.hashing() {
            let (randomness, policy) = if self.logs_trace_id {
                let r = hash_randomness(&log.trace_id, self.hash_seed);
                (Some(r), Policy::TraceIdHash)
            } else {
                let r = from_attribute();
                (
                    r,
                    if r.is_some() {
                        Policy::Attribute
                    } else {
                        Policy::Missing
                    },
                )
            };
            return match (parsed, randomness) {
                (Err(e), randomness) => Found {
                    randomness,
                    state: None,
                    check: Err(e),
                    policy,
                },
                (Ok(state), Some(r)) => self.adopt_hash(r, state, policy),
                (Ok(state), None) => Found {
                    randomness: None,
                    check: if state.randomness.is_some() {
                        Err(RANDOMNESS_IN_USE.into())
                    } else if state.threshold.is_some() {
                        Err(THRESHOLD_IN_USE.into())
                    } else {
                        Ok(())
                    },
                    state: Some(state),
                    policy,
                },
            };
        }
        match parsed {
            Err(e) => Found {
                randomness: None,
                state: None,
                check: Err(e),
                policy: Policy::Missing,
            },
            Ok(state) => {
                let from_id = !is_empty_id(&log.trace_id);
                let hashed = if state.randomness.is_none() && !from_id {
                    from_attribute()
                } else {
                    None
                };
                let randomness = state
                    .randomness
                    .or_else(|| from_id.then(|| Randomness::from_trace_id(&log.trace_id)))
                    .or(hashed);
                Found {
                    randomness,
                    policy: source(&state, from_id, hashed.is_some()),
                    state: Some(state),
                    check: Ok(()),
                }
            }
        }
    }

    /// Decides one item: its randomness and sampling state, and a threshold
    /// the item asks for (sampling priority) if any. Returns whether it is
    /// kept and, when kept, the state to write back.
    fn decide(
        &self,
        found: Found,
        priority: Priority,
        tally: &mut Tally,
    ) -> (bool, Option<SamplingState>) {
        let Found {
            randomness,
            mut state,
            mut check,
            mut policy,
        } = found;
        if check.is_ok() {
            check = consistency(randomness, state.as_mut());
        }
        let mut threshold = match (&check, &state) {
            (Ok(()), Some(state)) => self.threshold(state),
            (Ok(()), None) => self.threshold(&SamplingState::default()),
            (Err(e), _) => {
                tracing::debug!(error = %e, "probabilistic sampler");
                if self.fail_closed {
                    Threshold::NEVER
                } else {
                    Threshold::ALWAYS
                }
            }
        };
        match priority {
            Priority::Defer => {}
            Priority::Never => {
                tally.count(Policy::SamplingPriority, false);
                return (false, None);
            }
            Priority::Always => {
                threshold = Threshold::ALWAYS;
                policy = Policy::SamplingPriority;
            }
            Priority::AtLeast(t) => threshold = threshold.min(t),
        }
        let randomness = randomness.unwrap_or(Randomness::ALL_PROBABILITIES);
        let sampled = threshold.should_sample(randomness);
        tally.count(policy, sampled);
        if !sampled {
            return (false, None);
        }
        if let Some(state) = &mut state
            && let Err(e) = state.update_threshold(threshold)
        {
            tracing::debug!(error = %e, "probabilistic sampler");
        }
        (true, state)
    }

    fn span_priority(span: &Span) -> Priority {
        let Some(value) = super::attributes::attribute(&span.attributes, "sampling.priority")
        else {
            return Priority::Defer;
        };
        let number = match value {
            Any::IntValue(i) => *i as f64,
            Any::DoubleValue(d) => *d,
            Any::StringValue(s) => match s.parse::<f64>() {
                Ok(n) => n,
                Err(_) => return Priority::Defer,
            },
            _ => return Priority::Defer,
        };
        if number == 0.0 {
            Priority::Never
        } else if number > 0.0 {
            Priority::Always
        } else {
            Priority::Defer
        }
    }

    /// Logs: `sampling_priority` names an attribute holding a percentage the
    /// record asks to be sampled at, at least.
    fn log_priority(&self, log: &LogRecord) -> Priority {
        if self.sampling_priority.is_empty() {
            return Priority::Defer;
        }
        let percent = match super::attributes::attribute(&log.attributes, &self.sampling_priority) {
            Some(Any::IntValue(i)) => *i as f64,
            Some(Any::DoubleValue(d)) => *d,
            _ => return Priority::Defer,
        };
        match Threshold::from_probability((percent / 100.0).min(1.0), self.precision) {
            Some(t) if percent > 0.0 => Priority::AtLeast(t),
            _ => Priority::Defer,
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Priority {
    Defer,
    Never,
    Always,
    /// Sampled at least with this threshold's probability.
    AtLeast(Threshold),
}

/// An arriving threshold the item's own randomness contradicts is dropped.
fn consistency(
    randomness: Option<Randomness>,
    state: Option<&mut SamplingState>,
) -> Result<(), String> {
    let Some(randomness) = randomness else {
        return Err(MISSING_RANDOMNESS.into());
    };
    if let Some(state) = state
        && state
            .threshold
            .is_some_and(|t| !t.should_sample(randomness))
    {
        state.threshold = None;
        return Err(INCONSISTENT_THRESHOLD.into());
    }
    Ok(())
}

fn is_empty_id(id: &[u8]) -> bool {
    id.iter().all(|b| *b == 0)
}

/// The Collector's FNV-1a (32-bit) of the seed's 4 little-endian bytes and
/// `bytes`.
fn fnv1a(bytes: &[u8], seed: u32) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in seed.to_le_bytes().iter().chain(bytes) {
        hash ^= u32::from(*b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// Randomness from the hash, laid out so that the specification's rule (R ≥
/// T) makes the original decision (bucket < accepted buckets).
fn hash_randomness(bytes: &[u8], seed: u32) -> Randomness {
    let hashed32 = fnv1a(bytes, seed);
    let hashed = u64::from(hashed32) & (HASH_BUCKETS - 1);
    let reversed = HASH_BUCKETS - 1 - hashed;
    let unused18 = u64::from(hashed32 >> (32 - HASH_BUCKETS_LG2));
    let mixed28 = unused18 ^ (unused18 << 10);
    let value = (reversed << 42) | (mixed28 << 14) | hashed;
    Randomness::from_unsigned(value).unwrap_or(Randomness::ALL_PROBABILITIES)
}

/// The bytes of an attribute value to hash: raw bytes, or its text.
fn value_bytes(value: &Any) -> Vec<u8> {
    match value {
        Any::BytesValue(b) => b.clone(),
        other => super::attributes::value_text(other).into_bytes(),
    }
}

/// The sampling state a log record carries in its attributes.
fn log_state(attributes: &[KeyValue]) -> Result<SamplingState, String> {
    let text = |key| match super::attributes::attribute(attributes, key) {
        Some(Any::StringValue(s)) => Some(s.as_str()),
        _ => None,
    };
    Ok(SamplingState {
        randomness: text(RANDOMNESS_ATTRIBUTE)
            .map(Randomness::from_rvalue)
            .transpose()?,
        threshold: text(THRESHOLD_ATTRIBUTE)
            .map(Threshold::from_tvalue)
            .transpose()?,
        extra: Vec::new(),
    })
}

fn write_log_state(attributes: &mut Vec<KeyValue>, state: &SamplingState) {
    if let Some(r) = state.randomness {
        super::attributes::set_attribute(
            attributes,
            RANDOMNESS_ATTRIBUTE,
            Any::StringValue(r.rvalue()),
        );
    }
    match state.threshold {
        Some(t) => super::attributes::set_attribute(
            attributes,
            THRESHOLD_ATTRIBUTE,
            Any::StringValue(t.tvalue()),
        ),
        None => attributes.retain(|kv| kv.key != THRESHOLD_ATTRIBUTE),
    }
}

/// The samplers for the two signals (their default modes differ).
pub struct Samplers {
    traces: Sampler,
    logs: Sampler,
    traces_sampled: SampledCount,
    logs_sampled: SampledCount,
}

/// The decision counters, registered once and kept across updates.
#[derive(Clone, Default)]
struct Counts {
    traces: SampledCount,
    logs: SampledCount,
}

impl Counts {
    fn register(opts: &Options) -> Counts {
        let counts = Counts::default();
        let mut registry = opts.metrics.lock();
        registry.register(
            "otelcol_processor_probabilistic_sampler_count_traces_sampled",
            "Count of spans that were sampled or not",
            counts.traces.clone(),
        );
        registry.register(
            "otelcol_processor_probabilistic_sampler_count_logs_sampled",
            "Count of log records that were sampled or not",
            counts.logs.clone(),
        );
        counts
    }
}

impl Process for Samplers {
    fn process(&self, data: &mut Telemetry, _: &ClientInfo) -> Result<(), ConsumeError> {
        match data {
            Telemetry::Traces(payload) => payload.modify(|request| {
                let sampler = &self.traces;
                let mut tally = Tally::default();
                for rs in &mut request.resource_spans {
                    for ss in &mut rs.scope_spans {
                        ss.spans.retain_mut(|span| {
                            let priority = Sampler::span_priority(span);
                            let (found, others) = sampler.span_randomness(span);
                            let (keep, state) = sampler.decide(found, priority, &mut tally);
                            if let Some(otel) = state {
                                span.trace_state = TraceState { otel, others }.serialize();
                            }
                            keep
                        });
                    }
                    rs.scope_spans.retain(|s| !s.spans.is_empty());
                }
                request.resource_spans.retain(|r| !r.scope_spans.is_empty());
                tally.publish(&self.traces_sampled, &sampler.from_attribute);
            }),
            Telemetry::Logs(payload) => payload.modify(|request| {
                let sampler = &self.logs;
                let mut tally = Tally::default();
                for rl in &mut request.resource_logs {
                    for sl in &mut rl.scope_logs {
                        sl.log_records.retain_mut(|log| {
                            let priority = sampler.log_priority(log);
                            let found = sampler.log_randomness(log);
                            let (keep, state) = sampler.decide(found, priority, &mut tally);
                            if let Some(state) = state {
                                write_log_state(&mut log.attributes, &state);
                            }
                            keep
                        });
                    }
                    rl.scope_logs.retain(|s| !s.log_records.is_empty());
                }
                request.resource_logs.retain(|r| !r.scope_logs.is_empty());
                tally.publish(&self.logs_sampled, &sampler.from_attribute);
            }),
            // `build` refuses a metrics output, so none arrive from it; a
            // sender that still tries is told so.
            Telemetry::Metrics(_) => {
                return Err(ConsumeError::permanent("telemetry type is not supported"));
            }
        }
        Ok(())
    }
}

impl Samplers {
    fn new(args: &Arguments, counts: &Counts) -> Result<Samplers, String> {
        if !args.output.metrics.is_empty() {
            return Err(
                "otelcol.processor.probabilistic_sampler does not support metrics: telemetry type is not supported"
                    .into(),
            );
        }
        Ok(Samplers {
            traces: Sampler::new(args, false),
            logs: Sampler::new(args, true),
            traces_sampled: counts.traces.clone(),
            logs_sampled: counts.logs.clone(),
        })
    }
}

pub struct ProbabilisticSampler {
    stage: Arc<Stage<Samplers>>,
    counts: Counts,
}

impl Component for ProbabilisticSampler {
    type Arguments = Arguments;

    fn build(opts: Options, args: Arguments) -> Result<ProbabilisticSampler, String> {
        let counts = Counts::register(&opts);
        let stage = Stage::new(Samplers::new(&args, &counts)?, args.output);
        export_input(&opts, Consumer(stage.clone()));
        Ok(ProbabilisticSampler { stage, counts })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        Ok(())
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        self.stage
            .set(Samplers::new(&args, &self.counts)?, args.output);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otelcol::processor::testing::kv;
    use crate::otelcol::processor::testing::{Recorder, input_of, logs, metrics, traces};
    use crate::testing::options;
    use model::otlp::{
        Context, ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest,
    };
    use opentelemetry_proto::tonic::logs::v1::{ResourceLogs, ScopeLogs};
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans};

    /// Reproducible pseudo-random trace ids (SplitMix64).
    fn trace_ids(n: usize, seed: u64) -> Vec<Vec<u8>> {
        let mut state = seed;
        let mut next = move || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        (0..n)
            .map(|_| {
                let mut id = next().to_be_bytes().to_vec();
                id.extend(next().to_be_bytes());
                id
            })
            .collect()
    }

    fn spans(spans: Vec<Span>) -> ExportTraceServiceRequest {
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans,
                    ..ScopeSpans::default()
                }],
                ..ResourceSpans::default()
            }],
        }
    }

    fn span(trace_id: Vec<u8>) -> Span {
        Span {
            trace_id,
            span_id: vec![1; 8],
            ..Span::default()
        }
    }

    fn sampled_spans(samplers: &Samplers, input: Vec<Span>) -> Vec<Span> {
        let mut data = traces(spans(input));
        samplers.process(&mut data, &ClientInfo::default()).unwrap();
        let Telemetry::Traces(payload) = data else {
            unreachable!()
        };
        payload
            .into_message()
            .resource_spans
            .into_iter()
            .flat_map(|r| r.scope_spans)
            .flat_map(|s| s.spans)
            .collect()
    }

    fn samplers(args: Arguments) -> Samplers {
        args.validate().unwrap();
        Samplers::new(&args, &Counts::default()).unwrap()
    }

    fn percent(pct: f32) -> Arguments {
        Arguments {
            sampling_percentage: pct,
            ..Arguments::default()
        }
    }

    /// Kept count within 5 standard deviations of the expectation.
    fn assert_share(kept: usize, n: usize, p: f64) {
        let expected = n as f64 * p;
        let sd = (n as f64 * p * (1.0 - p)).sqrt();
        assert!(
            (kept as f64 - expected).abs() < 5.0 * sd,
            "kept {kept} of {n}, expected about {expected}"
        );
    }

    #[test]
    fn proportional_keeps_the_share_and_writes_the_threshold() {
        let n = 20_000;
        let ids = trace_ids(n, 1);
        let kept = sampled_spans(
            &samplers(percent(25.0)),
            ids.iter().cloned().map(span).collect(),
        );
        assert_share(kept.len(), n, 0.25);
        assert!(kept.iter().all(|s| s.trace_state == "ot=th:c"));
        // Every kept span has randomness ≥ the threshold.
        let th = Threshold::from_tvalue("c").unwrap();
        assert!(
            kept.iter()
                .all(|s| th.should_sample(Randomness::from_trace_id(&s.trace_id)))
        );
    }

    #[test]
    fn decisions_are_the_same_across_instances() {
        let ids = trace_ids(2000, 7);
        let a = sampled_spans(
            &samplers(percent(10.0)),
            ids.iter().cloned().map(span).collect(),
        );
        let b = sampled_spans(
            &samplers(percent(10.0)),
            ids.iter().cloned().map(span).collect(),
        );
        assert_eq!(a, b);
        assert_share(a.len(), 2000, 0.1);
    }

    #[test]
    fn proportional_multiplies_an_arriving_threshold_and_equalizing_keeps_the_stronger() {
        // Randomness 0xf0…: sampled at 50% (th:8) upstream; 50% more gives 25% (th:c).
        let mut s = span(vec![0xff; 16]);
        s.trace_state = "ot=th:8;rv:f0000000000000,vendor=1".into();
        let kept = sampled_spans(&samplers(percent(50.0)), vec![s.clone()]);
        assert_eq!(kept[0].trace_state, "ot=rv:f0000000000000;th:c,vendor=1");
        let equalizing = samplers(Arguments {
            mode: "equalizing".into(),
            ..percent(75.0)
        });
        let kept = sampled_spans(&equalizing, vec![s]);
        assert_eq!(
            kept[0].trace_state, "ot=rv:f0000000000000;th:8,vendor=1",
            "th:4 would lower it"
        );
    }

    #[test]
    fn inconsistent_or_missing_randomness_follows_fail_closed() {
        // rv below the arriving threshold: that threshold is a lie.
        let mut lie = span(vec![1; 16]);
        lie.trace_state = "ot=th:8;rv:10000000000000".into();
        let no_id = span(vec![0; 16]);
        assert!(
            sampled_spans(&samplers(percent(100.0)), vec![lie.clone(), no_id.clone()]).is_empty()
        );
        let open = samplers(Arguments {
            fail_closed: false,
            ..percent(100.0)
        });
        let kept = sampled_spans(&open, vec![lie, no_id]);
        assert_eq!(kept.len(), 2);
        assert_eq!(
            kept[0].trace_state, "ot=rv:10000000000000;th:0",
            "the false threshold is replaced"
        );
    }

    #[test]
    fn sampling_priority_overrides_the_decision() {
        let ids = trace_ids(3, 3);
        let with_priority = |id: &Vec<u8>, value: Any| {
            let mut s = span(id.clone());
            s.attributes.push(kv("sampling.priority", value));
            s
        };
        let none = samplers(percent(0.0));
        let kept = sampled_spans(
            &none,
            vec![
                with_priority(&ids[0], Any::IntValue(1)),
                with_priority(&ids[1], Any::StringValue("2".into())),
                span(ids[2].clone()),
            ],
        );
        assert_eq!(kept.len(), 2);
        assert!(kept.iter().all(|s| s.trace_state == "ot=th:0"));
        let all = samplers(percent(100.0));
        let kept = sampled_spans(&all, vec![with_priority(&ids[0], Any::DoubleValue(0.0))]);
        assert!(kept.is_empty());
        let count = |samplers: &Samplers, policy: &str, sampled: &str| {
            samplers
                .traces_sampled
                .get_or_create(&vec![
                    ("policy".to_owned(), policy.to_owned()),
                    ("sampled".to_owned(), sampled.to_owned()),
                ])
                .get()
        };
        assert_eq!(count(&none, "sampling_priority", "true"), 2);
        assert_eq!(count(&none, "trace_id_w3c", "false"), 1);
        assert_eq!(count(&all, "sampling_priority", "false"), 1);
    }

    #[test]
    fn hash_seed_mode_is_the_collectors_bucket_rule() {
        let args = Arguments {
            hash_seed: 22,
            ..percent(33.0)
        };
        let ids = trace_ids(10_000, 5);
        let kept = sampled_spans(&samplers(args), ids.iter().cloned().map(span).collect());
        let accepted = (33.0f32 * (16384.0 / 100.0)) as u32;
        let expected: Vec<&Vec<u8>> = ids
            .iter()
            .filter(|id| fnv1a(id, 22) & 0x3fff < accepted)
            .collect();
        assert_eq!(kept.len(), expected.len());
        assert!(kept.iter().zip(expected).all(|(s, id)| &s.trace_id == id));
        assert_share(kept.len(), 10_000, 0.33);
        assert!(
            kept[0].trace_state.starts_with("ot=rv:"),
            "{}",
            kept[0].trace_state
        );
        // FNV-1a of nothing is the offset basis.
        let mut h: u32 = 0x811c_9dc5;
        for b in [0u8; 4] {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
        assert_eq!(fnv1a(&[], 0), h);
    }

    fn log_records(records: Vec<LogRecord>) -> ExportLogsServiceRequest {
        ExportLogsServiceRequest {
            resource_logs: vec![ResourceLogs {
                scope_logs: vec![ScopeLogs {
                    log_records: records,
                    ..ScopeLogs::default()
                }],
                ..ResourceLogs::default()
            }],
        }
    }

    fn sampled_logs(samplers: &Samplers, input: Vec<LogRecord>) -> Vec<LogRecord> {
        let mut data = logs(log_records(input));
        samplers.process(&mut data, &ClientInfo::default()).unwrap();
        let Telemetry::Logs(payload) = data else {
            unreachable!()
        };
        payload
            .into_message()
            .resource_logs
            .into_iter()
            .flat_map(|r| r.scope_logs)
            .flat_map(|s| s.log_records)
            .collect()
    }

    #[test]
    fn logs_by_trace_id_by_attribute_and_priority() {
        let n = 10_000;
        let ids = trace_ids(n, 9);
        let by_trace: Vec<LogRecord> = ids
            .iter()
            .map(|id| LogRecord {
                trace_id: id.clone(),
                ..LogRecord::default()
            })
            .collect();
        let kept = sampled_logs(&samplers(percent(50.0)), by_trace);
        assert_share(kept.len(), n, 0.5);
        assert!(
            kept[0]
                .attributes
                .contains(&kv(THRESHOLD_ATTRIBUTE, Any::StringValue("8".into())))
        );

        // attribute_source = "record": hash_seed mode over an attribute.
        let by_user: Vec<LogRecord> = (0..n)
            .map(|i| LogRecord {
                attributes: vec![kv("user", Any::StringValue(format!("user-{i}")))],
                ..LogRecord::default()
            })
            .collect();
        let record = samplers(Arguments {
            attribute_source: RECORD_SOURCE.into(),
            from_attribute: "user".into(),
            ..percent(20.0)
        });
        let kept = sampled_logs(&record, by_user.clone());
        assert_share(kept.len(), n, 0.2);
        assert_eq!(sampled_logs(&record, by_user), kept, "deterministic");

        // No randomness at all: dropped unless fail_closed is off.
        let bare = vec![LogRecord::default()];
        assert!(sampled_logs(&samplers(percent(100.0)), bare.clone()).is_empty());
        let open = samplers(Arguments {
            fail_closed: false,
            ..percent(100.0)
        });
        assert_eq!(sampled_logs(&open, bare).len(), 1);

        // A record asking for 100% is kept at 1%.
        let priority = samplers(Arguments {
            sampling_priority: "priority".into(),
            ..percent(1.0)
        });
        let records: Vec<LogRecord> = ids[..100]
            .iter()
            .map(|id| LogRecord {
                trace_id: id.clone(),
                attributes: vec![kv("priority", Any::IntValue(100))],
                ..LogRecord::default()
            })
            .collect();
        assert_eq!(sampled_logs(&priority, records).len(), 100);
    }

    #[tokio::test]
    async fn forwards_what_is_kept_and_refuses_metrics_outputs() {
        let (recorder, consumer) = Recorder::new();
        let (opts, exports) = options("otelcol.processor.probabilistic_sampler.test");
        let args = Arguments {
            output: Output {
                traces: vec![consumer.clone()],
                ..Output::default()
            },
            ..percent(100.0)
        };
        let _c = ProbabilisticSampler::build(opts.clone(), args.clone()).unwrap();
        let input = input_of(&exports);
        let ids = trace_ids(3, 11);
        input
            .consume(
                traces(spans(ids.into_iter().map(span).collect())),
                Context::default(),
            )
            .await
            .unwrap();
        // A request left empty is not forwarded.
        input
            .consume(traces(spans(vec![span(vec![0; 16])])), Context::default())
            .await
            .unwrap();
        assert_eq!(recorder.sizes(), [3]);
        let err = ProbabilisticSampler::build(
            opts,
            Arguments {
                output: Output {
                    metrics: vec![consumer],
                    ..Output::default()
                },
                ..args
            },
        )
        .err()
        .unwrap();
        assert!(err.contains("telemetry type is not supported"), "{err}");
        let mut m = metrics(ExportMetricsServiceRequest::default());
        assert!(
            samplers(percent(1.0))
                .process(&mut m, &ClientInfo::default())
                .is_err()
        );
    }

    #[test]
    fn validation_in_the_collectors_words() {
        let err = |a: Arguments| a.validate().unwrap_err();
        assert_eq!(err(percent(-1.0)), "sampling rate is negative: -1.000000%");
        assert_eq!(
            err(percent(f32::INFINITY)),
            "sampling rate is invalid: +Inf%"
        );
        assert_eq!(
            err(Arguments {
                sampling_precision: 0,
                ..percent(1.0)
            }),
            "invalid sampling precision: 0"
        );
        assert_eq!(
            err(Arguments {
                sampling_precision: 15,
                ..percent(1.0)
            }),
            "sampling precision is too great, should be <= 14: 15"
        );
        assert_eq!(
            err(Arguments {
                attribute_source: "span".into(),
                ..percent(1.0)
            }),
            "invalid attribute source: span. Expected: traceID or record"
        );
        assert_eq!(
            err(Arguments {
                mode: "random".into(),
                ..percent(1.0)
            }),
            "unsupported sampler mode \"random\""
        );
    }
}
