//! `otelcol.exporter.prometheus`: OTLP metrics in, Prometheus samples out.
//! Each request on `input` becomes one [`MetricsBatch`] appended to every
//! `forward_to` receiver ([`convert`] has the mapping, [`naming`] the names).
//! Only metrics are accepted, as Alloy's component exports a consumer for
//! metrics alone.

mod convert;
mod naming;

pub use convert::{Converter, Dropped, Options};
pub use naming::{NameKind, label_name, metric_name};

use super::component::Exports;
use crate::otelcol::DebugMetrics;
use model::metrics::{MetricsBatch, MetricsReceiver, append_all};
use model::otlp::{Consume, ConsumeError, ConsumeFuture, Consumer, Context, Telemetry};
use parking_lot::{Mutex, RwLock};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use runtime::component::{Component, Options as ComponentOptions};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use syntax::decode::{Block, GoDuration, Validate};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// How long a series may go unseen before the converter forgets it (Alloy's
/// fixed five minutes; `gc_frequency` only says how often to look).
const STALE_AFTER: Duration = Duration::from_secs(5 * 60);

#[derive(Clone, Debug, PartialEq, Block)]
#[alloy(validate)]
pub struct Arguments {
    #[alloy(attr)]
    pub forward_to: Vec<MetricsReceiver>,
    #[alloy(attr, optional)]
    pub include_target_info: bool,
    #[alloy(attr, optional)]
    pub include_scope_info: bool,
    #[alloy(attr, optional)]
    pub include_scope_labels: bool,
    #[alloy(attr, optional)]
    pub gc_frequency: GoDuration,
    #[alloy(attr, optional)]
    pub add_metric_suffixes: bool,
    #[alloy(attr, optional)]
    pub resource_to_telemetry_conversion: bool,
    #[alloy(attr, optional)]
    pub keep_identifying_resource_attributes: bool,
    #[alloy(attr, optional)]
    pub honor_metadata: bool,
    #[alloy(attr, optional)]
    pub convert_classic_histograms_to_nhcb: bool,
    #[alloy(attr, optional)]
    pub start_timestamp_zero_ingestion: bool,
    #[alloy(block, optional)]
    pub debug_metrics: DebugMetrics,
}

impl Default for Arguments {
    fn default() -> Arguments {
        Arguments {
            forward_to: Vec::new(),
            include_target_info: true,
            include_scope_info: false,
            include_scope_labels: true,
            gc_frequency: GoDuration::from_secs(5 * 60),
            add_metric_suffixes: true,
            resource_to_telemetry_conversion: false,
            keep_identifying_resource_attributes: false,
            honor_metadata: false,
            convert_classic_histograms_to_nhcb: false,
            start_timestamp_zero_ingestion: false,
            debug_metrics: DebugMetrics::default(),
        }
    }
}

impl Validate for Arguments {
    fn validate(&self) -> Result<(), String> {
        if self.gc_frequency.nanos() <= 0 {
            return Err("gc_frequency must be greater than 0".into());
        }
        if self.convert_classic_histograms_to_nhcb {
            // Batches carry float samples only; pretending to convert would
            // silently send classic histograms instead.
            return Err(
                "convert_classic_histograms_to_nhcb is not supported: ferroalloy has no native histograms"
                    .into(),
            );
        }
        Ok(())
    }
}

impl Arguments {
    fn options(&self) -> Options {
        Options {
            include_target_info: self.include_target_info,
            include_scope_info: self.include_scope_info,
            include_scope_labels: self.include_scope_labels,
            add_metric_suffixes: self.add_metric_suffixes,
            resource_to_telemetry_conversion: self.resource_to_telemetry_conversion,
            keep_identifying_resource_attributes: self.keep_identifying_resource_attributes,
            honor_metadata: self.honor_metadata,
            start_timestamp_zero_ingestion: self.start_timestamp_zero_ingestion,
        }
    }

    fn gc_interval(&self) -> Duration {
        self.gc_frequency.to_std().unwrap_or(STALE_AFTER)
    }
}

/// Alloy's fanout metrics, and the points this component drops.
struct SelfMetrics {
    fanout_latency: Histogram,
    forwarded_samples: Counter,
    dropped: Family<Vec<(&'static str, &'static str)>, Counter>,
}

impl SelfMetrics {
    fn register(opts: &ComponentOptions) -> SelfMetrics {
        let metrics = SelfMetrics {
            fanout_latency: Histogram::new([
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
            ]),
            forwarded_samples: Counter::default(),
            dropped: Family::default(),
        };
        let mut registry = opts.metrics.lock();
        registry.register(
            "prometheus_fanout_latency",
            "Write latency for sending to direct and indirect components",
            metrics.fanout_latency.clone(),
        );
        registry.register(
            "prometheus_forwarded_samples",
            "Total number of samples sent to downstream components.",
            metrics.forwarded_samples.clone(),
        );
        registry.register(
            "otelcol_exporter_prometheus_dropped_data_points",
            "OTLP data points not converted, by reason (delta_temporality, exponential_histogram, out_of_order).",
            metrics.dropped.clone(),
        );
        metrics
    }

    fn count_dropped(&self, dropped: Dropped) {
        for (reason, n) in [
            ("delta_temporality", dropped.delta),
            ("exponential_histogram", dropped.exponential_histogram),
            ("out_of_order", dropped.out_of_order),
        ] {
            if n > 0 {
                self.dropped
                    .get_or_create(&vec![("reason", reason)])
                    .inc_by(n);
            }
        }
    }
}

/// What `input` needs from the current arguments.
struct Settings {
    options: Options,
    forward_to: Vec<MetricsReceiver>,
}

struct Input {
    settings: RwLock<Arc<Settings>>,
    converter: Converter,
    metrics: SelfMetrics,
}

fn unix_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Input {
    fn export(&self, data: Telemetry) -> Result<(), ConsumeError> {
        let Telemetry::Metrics(mut payload) = data else {
            return Err(ConsumeError::permanent("telemetry type is not supported"));
        };
        let settings = self.settings.read().clone();
        let (batch, dropped) =
            self.converter
                .convert(payload.message(), &settings.options, unix_millis());
        self.metrics.count_dropped(dropped);
        self.forward(&settings.forward_to, &batch)
    }

    fn forward(
        &self,
        receivers: &[MetricsReceiver],
        batch: &MetricsBatch,
    ) -> Result<(), ConsumeError> {
        if batch.is_empty() {
            return Ok(());
        }
        let started = Instant::now();
        let result = append_all(receivers, batch);
        self.metrics
            .fanout_latency
            .observe(started.elapsed().as_secs_f64());
        match result {
            Ok(()) => {
                self.metrics
                    .forwarded_samples
                    .inc_by(batch.samples.len() as u64);
                Ok(())
            }
            Err(e) if e.retryable => Err(ConsumeError::retryable(e.message)),
            Err(e) => Err(ConsumeError::permanent(e.message)),
        }
    }
}

impl Consume for Input {
    fn consume(&self, data: Telemetry, _: Context) -> ConsumeFuture {
        let result = self.export(data);
        Box::pin(async move { result })
    }
}

pub struct PrometheusExporter {
    input: Arc<Input>,
    gc_interval: Mutex<Duration>,
    gc_interval_changed: Notify,
}

impl Component for PrometheusExporter {
    type Arguments = Arguments;

    fn build(opts: ComponentOptions, args: Arguments) -> Result<PrometheusExporter, String> {
        let input = Arc::new(Input {
            settings: RwLock::new(Arc::new(Settings {
                options: args.options(),
                forward_to: args.forward_to.clone(),
            })),
            converter: Converter::default(),
            metrics: SelfMetrics::register(&opts),
        });
        opts.export(&Exports {
            input: Some(Consumer(input.clone())),
        });
        Ok(PrometheusExporter {
            input,
            gc_interval: Mutex::new(args.gc_interval()),
            gc_interval_changed: Notify::new(),
        })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        loop {
            let interval = *self.gc_interval.lock();
            tokio::select! {
                () = shutdown.cancelled() => return Ok(()),
                () = self.gc_interval_changed.notified() => {}
                () = tokio::time::sleep(interval) => {
                    let remaining = self.input.converter.collect_garbage(STALE_AFTER);
                    tracing::debug!(series = remaining, "otelcol.exporter.prometheus: forgot stale series");
                }
            }
        }
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        *self.input.settings.write() = Arc::new(Settings {
            options: args.options(),
            forward_to: args.forward_to.clone(),
        });
        *self.gc_interval.lock() = args.gc_interval();
        self.gc_interval_changed.notify_one();
        Ok(())
    }
}

#[cfg(test)]
mod tests;
