//! The Prometheus data plane (ARCHITECTURE.md): batches of samples, exemplars
//! and metadata appended to [`MetricsReceiver`]s — `prometheus.scrape` →
//! `prometheus.relabel` → `prometheus.remote_write` / `storage.metrics`.
//!
//! A batch is one transaction: a receiver either takes all of it or refuses it
//! (Prometheus's appender `Commit`/`Rollback`). Label sets are shared `Arc`s so
//! that a scrape loop can keep one per series and hand out clones without
//! allocating per sample.

use crate::labels::Labels;
use std::fmt;
use std::sync::Arc;

/// The bit pattern Prometheus writes as a staleness marker: a NaN that no
/// arithmetic produces, so it survives storage and is told apart from real NaNs.
pub const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

/// A staleness marker value.
pub fn stale_nan() -> f64 {
    f64::from_bits(STALE_NAN_BITS)
}

/// Whether `value` is a staleness marker (not just any NaN).
pub fn is_stale_nan(value: f64) -> bool {
    value.to_bits() == STALE_NAN_BITS
}

/// The labels of one series, `__name__` included, shared between the samples of
/// the series.
pub type SeriesLabels = Arc<Labels>;

/// A float sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub labels: SeriesLabels,
    /// Milliseconds since the Unix epoch.
    pub timestamp: i64,
    pub value: f64,
}

/// An exemplar attached to a series (OpenMetrics `# {trace_id="…"} 1.0 123`).
#[derive(Clone, Debug, PartialEq)]
pub struct Exemplar {
    pub series: SeriesLabels,
    pub labels: Labels,
    pub value: f64,
    /// Milliseconds since the Unix epoch, when the exposition gave one.
    pub timestamp: Option<i64>,
}

/// A metric family's type: the exposition parser's, so that scraped metadata passes through unchanged.
pub use textparse::MetricType;

/// What an exposition says about a metric family.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Metadata {
    /// The family name (`http_requests`, without `_total` for OpenMetrics counters).
    pub family: String,
    pub metric_type: MetricType,
    pub help: String,
    pub unit: String,
}

/// What one append carries.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct MetricsBatch {
    pub samples: Vec<Sample>,
    pub exemplars: Vec<Exemplar>,
    pub metadata: Vec<Metadata>,
}

impl MetricsBatch {
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty() && self.exemplars.is_empty() && self.metadata.is_empty()
    }
}

/// Why a receiver refused a batch.
#[derive(Clone, Debug, PartialEq)]
pub struct AppendError {
    pub message: String,
    /// Whether sending the same batch later may succeed (a full queue or disk),
    /// as opposed to data the receiver will never take.
    pub retryable: bool,
}

impl AppendError {
    pub fn retryable(message: impl Into<String>) -> AppendError {
        AppendError {
            message: message.into(),
            retryable: true,
        }
    }

    pub fn permanent(message: impl Into<String>) -> AppendError {
        AppendError {
            message: message.into(),
            retryable: false,
        }
    }
}

impl fmt::Display for AppendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppendError {}

/// Something samples can be appended to. Appends are synchronous and short
/// (memory, a buffered WAL write); a receiver that must wait for the network
/// queues instead and refuses with a retryable error when its queue is full.
pub trait Appender: Send + Sync {
    fn append(&self, batch: &MetricsBatch) -> Result<(), AppendError>;
}

/// A `storage.Appendable` capsule: what `forward_to` lists hold and what
/// `prometheus.remote_write.X.receiver` exports.
#[derive(Clone)]
pub struct MetricsReceiver(pub Arc<dyn Appender>);

crate::arc_capsule!(MetricsReceiver, "storage.Appendable", receiver = true);

impl MetricsReceiver {
    pub fn new(appender: impl Appender + 'static) -> MetricsReceiver {
        MetricsReceiver(Arc::new(appender))
    }
}

/// Appends `batch` to every receiver, even when one refuses it; the first
/// refusal is returned.
pub fn append_all(receivers: &[MetricsReceiver], batch: &MetricsBatch) -> Result<(), AppendError> {
    let mut first_error = None;
    for receiver in receivers {
        if let Err(e) = receiver.0.append(batch) {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use parking_lot::Mutex;
    use syntax::decode::Codec;

    #[derive(Default)]
    struct Collect(Mutex<Vec<MetricsBatch>>, bool);

    impl Appender for Collect {
        fn append(&self, batch: &MetricsBatch) -> Result<(), AppendError> {
            if self.1 {
                return Err(AppendError::retryable("full"));
            }
            self.0.lock().push(batch.clone());
            Ok(())
        }
    }

    #[test]
    fn stale_markers_are_a_particular_nan() {
        assert!(is_stale_nan(stale_nan()));
        assert!(!is_stale_nan(f64::NAN));
        assert!(stale_nan().is_nan());
    }

    #[test]
    fn receivers_are_capsules_equal_by_identity() {
        let a = MetricsReceiver::new(Collect::default());
        let b = MetricsReceiver::new(Collect::default());
        let decoded = MetricsReceiver::decode(&a.encode()).unwrap();
        assert_eq!(decoded, a);
        assert_ne!(a, b);
        assert_eq!(
            MetricsReceiver::decode(&syntax::value::Value::string("x"))
                .unwrap_err()
                .to_string(),
            "expected capsule, got string"
        );
    }

    #[test]
    fn append_all_reaches_every_receiver() {
        let ok = Arc::new(Collect::default());
        let full = Arc::new(Collect(Mutex::default(), true));
        let receivers = [MetricsReceiver(full.clone()), MetricsReceiver(ok.clone())];
        let batch = MetricsBatch {
            samples: vec![Sample {
                labels: Arc::new(Labels::from_pairs([("__name__", "up")])),
                timestamp: 1,
                value: 1.0,
            }],
            ..MetricsBatch::default()
        };
        let err = append_all(&receivers, &batch).unwrap_err();
        assert!(err.retryable);
        assert_eq!(ok.0.lock().as_slice(), [batch]);
    }
}
