//! The component's own metrics, with Prometheus's and Alloy's names; queue
//! metrics carry the `remote_name` and `url` labels.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;

type QueueLabels = Vec<(String, String)>;
type FloatGauge = Gauge<f64, AtomicU64>;

#[derive(Clone, Default)]
pub struct Metrics {
    pub samples_appended: Counter,
    pub active_series: Gauge,
    pub highest_timestamp: FloatGauge,
    samples: Family<QueueLabels, Counter>,
    samples_failed: Family<QueueLabels, Counter>,
    samples_dropped: Family<QueueLabels, Counter>,
    samples_retried: Family<QueueLabels, Counter>,
    samples_pending: Family<QueueLabels, Gauge>,
    shards: Family<QueueLabels, Gauge>,
    highest_sent: Family<QueueLabels, FloatGauge>,
    metadata: Family<QueueLabels, Counter>,
}

/// The metrics of one endpoint's queue.
#[derive(Clone, Default)]
pub struct QueueMetrics {
    pub samples: Counter,
    pub samples_failed: Counter,
    pub samples_dropped: Counter,
    pub samples_retried: Counter,
    pub samples_pending: Gauge,
    pub shards: Gauge,
    pub highest_sent: FloatGauge,
    pub metadata: Counter,
}

impl Metrics {
    pub fn register(registry: &mut Registry) -> Metrics {
        let m = Metrics::default();
        registry.register(
            "prometheus_remote_write_wal_samples_appended",
            "Total number of samples appended to the WAL",
            m.samples_appended.clone(),
        );
        registry.register(
            "prometheus_remote_write_wal_storage_active_series",
            "Current number of active series being tracked by the WAL storage",
            m.active_series.clone(),
        );
        registry.register(
            "prometheus_remote_storage_highest_timestamp_in_seconds",
            "Highest timestamp that has come into the remote storage via the Appender interface, in seconds since epoch.",
            m.highest_timestamp.clone(),
        );
        let queue_families = [
            (
                "prometheus_remote_storage_samples",
                "Total number of samples sent to remote storage.",
                &m.samples,
            ),
            (
                "prometheus_remote_storage_samples_failed",
                "Total number of samples which failed on send to remote storage, non-recoverable errors.",
                &m.samples_failed,
            ),
            (
                "prometheus_remote_storage_samples_dropped",
                "Total number of samples which were dropped after being read from the WAL before being sent via remote write, either via relabelling or due to being too old.",
                &m.samples_dropped,
            ),
            (
                "prometheus_remote_storage_samples_retried",
                "Total number of samples which failed on send to remote storage but were retried because the send error was recoverable.",
                &m.samples_retried,
            ),
            (
                "prometheus_remote_storage_metadata",
                "Total number of metadata entries sent to remote storage.",
                &m.metadata,
            ),
        ];
        for (name, help, family) in queue_families {
            registry.register(name, help, family.clone());
        }
        registry.register(
            "prometheus_remote_storage_samples_pending",
            "The number of samples pending in the queues shards to be sent to the remote storage.",
            m.samples_pending.clone(),
        );
        registry.register(
            "prometheus_remote_storage_shards",
            "Number of shards used for parallel sending to the remote storage.",
            m.shards.clone(),
        );
        registry.register(
            "prometheus_remote_storage_queue_highest_sent_timestamp_seconds",
            "Timestamp from a WAL sample, the highest timestamp successfully sent by this queue, in seconds since epoch.",
            m.highest_sent.clone(),
        );
        m
    }

    pub fn queue(&self, remote_name: &str, url: &str) -> QueueMetrics {
        let labels = queue_labels(remote_name, url);
        QueueMetrics {
            samples: self.samples.get_or_create(&labels).clone(),
            samples_failed: self.samples_failed.get_or_create(&labels).clone(),
            samples_dropped: self.samples_dropped.get_or_create(&labels).clone(),
            samples_retried: self.samples_retried.get_or_create(&labels).clone(),
            samples_pending: self.samples_pending.get_or_create(&labels).clone(),
            shards: self.shards.get_or_create(&labels).clone(),
            highest_sent: self.highest_sent.get_or_create(&labels).clone(),
            metadata: self.metadata.get_or_create(&labels).clone(),
        }
    }

    /// Forgets the series of a queue that no longer exists.
    pub fn remove_queue(&self, remote_name: &str, url: &str) {
        let labels = queue_labels(remote_name, url);
        self.samples.remove(&labels);
        self.samples_failed.remove(&labels);
        self.samples_dropped.remove(&labels);
        self.samples_retried.remove(&labels);
        self.samples_pending.remove(&labels);
        self.shards.remove(&labels);
        self.highest_sent.remove(&labels);
        self.metadata.remove(&labels);
    }
}

fn queue_labels(remote_name: &str, url: &str) -> QueueLabels {
    vec![
        ("remote_name".to_string(), remote_name.to_string()),
        ("url".to_string(), url.to_string()),
    ]
}
