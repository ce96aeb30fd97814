//! The Collector's exporter self-metrics (`otelcol_exporter_sent_spans_total`,
//! `…_send_failed_…`, `…_enqueue_failed_…`, queue size and capacity).

use model::otlp::Signal;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

/// Counters per signal, indexed by [`index`].
#[derive(Default)]
pub struct ExporterMetrics {
    sent: [Counter; 3],
    send_failed: [Counter; 3],
    enqueue_failed: [Counter; 3],
    pub queue_size: Gauge,
    pub queue_capacity: Gauge,
}

fn index(signal: Signal) -> usize {
    match signal {
        Signal::Traces => 0,
        Signal::Metrics => 1,
        Signal::Logs => 2,
    }
}

impl ExporterMetrics {
    pub fn register(&self, registry: &mut Registry) {
        for signal in Signal::ALL {
            let (i, item) = (index(signal), signal.item_name());
            registry.register(
                format!("otelcol_exporter_sent_{item}"),
                format!("Number of {item} successfully sent to destination"),
                self.sent[i].clone(),
            );
            registry.register(
                format!("otelcol_exporter_send_failed_{item}"),
                format!("Number of {item} in failed attempts to send to destination"),
                self.send_failed[i].clone(),
            );
            registry.register(
                format!("otelcol_exporter_enqueue_failed_{item}"),
                format!("Number of {item} failed to be added to the sending queue"),
                self.enqueue_failed[i].clone(),
            );
        }
        registry.register(
            "otelcol_exporter_queue_size",
            "Current size of the retry queue (in batches)",
            self.queue_size.clone(),
        );
        registry.register(
            "otelcol_exporter_queue_capacity",
            "Fixed capacity of the retry queue (in batches)",
            self.queue_capacity.clone(),
        );
    }

    pub fn sent(&self, signal: Signal, items: u64) {
        self.sent[index(signal)].inc_by(items);
    }

    pub fn send_failed(&self, signal: Signal, items: u64) {
        self.send_failed[index(signal)].inc_by(items);
    }

    pub fn enqueue_failed(&self, signal: Signal, items: u64) {
        self.enqueue_failed[index(signal)].inc_by(items);
    }
}
