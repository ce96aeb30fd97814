//! OTLP metrics → one Prometheus [`MetricsBatch`] per request, following the
//! OpenTelemetry metrics data model's Prometheus mapping as Alloy's converter
//! applies it: gauges and non-monotonic cumulative sums → gauges, monotonic
//! cumulative sums → counters, cumulative histograms → `_bucket`/`_sum`/
//! `_count`, summaries → quantile series + `_sum`/`_count`. Delta (and
//! unspecified) temporality is dropped and counted.
//!
//! The converter remembers, per series, the newest timestamp written (older
//! points are dropped as out of order) and when the series was last seen, so
//! that [`Converter::collect_garbage`] can forget series that vanished.

use super::naming::{NameKind, label_name, metric_name};
use crate::otelcol::exporter::debug::values::{as_string, go_float, hex_id};
use hashbrown::HashMap;
use model::labels::Labels;
use model::metrics::{Exemplar, Metadata, MetricType, MetricsBatch, Sample, stale_nan};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, DataPointFlags, Exemplar as OtlpExemplar,
    ExponentialHistogramDataPoint, HistogramDataPoint, Metric, NumberDataPoint, SummaryDataPoint,
    exemplar, metric::Data, number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SERVICE_NAME: &str = "service.name";
const SERVICE_NAMESPACE: &str = "service.namespace";
const SERVICE_INSTANCE_ID: &str = "service.instance.id";
const SCOPE_NAME_LABEL: &str = "otel_scope_name";
const SCOPE_VERSION_LABEL: &str = "otel_scope_version";

/// What the arguments decide about the conversion.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    pub include_target_info: bool,
    pub include_scope_info: bool,
    pub include_scope_labels: bool,
    pub add_metric_suffixes: bool,
    pub resource_to_telemetry_conversion: bool,
    pub keep_identifying_resource_attributes: bool,
    pub honor_metadata: bool,
    pub start_timestamp_zero_ingestion: bool,
}

/// Data points left out of a batch, by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dropped {
    /// Sums and histograms whose temporality is not cumulative.
    pub delta: u64,
    /// Exponential histograms that have no exact classic form (negative
    /// buckets, an out-of-range scale, a zero threshold above the first
    /// bucket).
    pub exponential_histogram: u64,
    /// Points older than the newest point already written for their series.
    pub out_of_order: u64,
}

/// What the converter remembers about one series.
struct SeriesState {
    newest_timestamp: i64,
    last_seen: Instant,
}

/// Converts requests; shared by every call of the component's `input`.
#[derive(Default)]
pub struct Converter {
    series: Mutex<HashMap<Arc<Labels>, SeriesState>>,
}

impl Converter {
    /// The samples of `request`, and what was dropped. `now_ms` stamps
    /// `target_info` and `otel_scope_info`, which have no time of their own.
    pub fn convert(
        &self,
        request: &ExportMetricsServiceRequest,
        options: &Options,
        now_ms: i64,
    ) -> (MetricsBatch, Dropped) {
        let mut series = self.series.lock();
        let mut writer = Writer {
            options,
            series: &mut series,
            seen_at: Instant::now(),
            now_ms,
            batch: MetricsBatch::default(),
            dropped: Dropped::default(),
        };
        for resource_metrics in &request.resource_metrics {
            let resource = resource_metrics.resource.as_ref();
            let identity = Identity::of(resource);
            if options.include_target_info {
                writer.target_info(&identity, resource);
            }
            for scope_metrics in &resource_metrics.scope_metrics {
                let scope = scope_metrics.scope.as_ref();
                if options.include_scope_info {
                    writer.scope_info(&identity, scope);
                }
                let base = BaseLabels::new(&identity, scope, resource, options);
                for metric in &scope_metrics.metrics {
                    writer.metric(&base, metric);
                }
            }
        }
        (writer.batch, writer.dropped)
    }

    /// Forgets series not seen for longer than `stale_after`; returns how
    /// many remain.
    pub fn collect_garbage(&self, stale_after: Duration) -> usize {
        let mut series = self.series.lock();
        series.retain(|_, state| state.last_seen.elapsed() <= stale_after);
        series.len()
    }
}

/// `job` and `instance` of a resource (`service.namespace/service.name`,
/// `service.instance.id`).
struct Identity {
    job: String,
    instance: String,
}

impl Identity {
    fn of(resource: Option<&Resource>) -> Identity {
        let attributes = resource.map_or(&[][..], |r| &r.attributes);
        let get = |key: &str| {
            attributes
                .iter()
                .find(|kv| kv.key == key)
                .map(|kv| as_string(kv.value.as_ref()))
        };
        let job = match (get(SERVICE_NAMESPACE), get(SERVICE_NAME)) {
            (Some(namespace), Some(name)) => format!("{namespace}/{name}"),
            (None, Some(name)) => name,
            _ => String::new(),
        };
        Identity {
            job,
            instance: get(SERVICE_INSTANCE_ID).unwrap_or_default(),
        }
    }
}

/// Sets `name` to `value`; an empty value removes the label, as Prometheus's
/// label builder does.
fn set(labels: &mut Labels, name: impl Into<String>, value: String) {
    let name = name.into();
    if value.is_empty() {
        labels.remove(&name);
    } else {
        labels.set(name, value);
    }
}

fn set_attributes<'a>(labels: &mut Labels, attributes: impl IntoIterator<Item = &'a KeyValue>) {
    // An empty key has no label name Prometheus would take.
    for kv in attributes.into_iter().filter(|kv| !kv.key.is_empty()) {
        set(labels, label_name(&kv.key), as_string(kv.value.as_ref()));
    }
}

/// The labels every series of one scope starts with (besides `__name__`):
/// job, instance and the scope labels.
struct BaseLabels<'a> {
    labels: Labels,
    /// Resource attributes copied onto every series
    /// (`resource_to_telemetry_conversion`); they win over point attributes.
    resource_attributes: &'a [KeyValue],
}

impl<'a> BaseLabels<'a> {
    fn new(
        identity: &Identity,
        scope: Option<&InstrumentationScope>,
        resource: Option<&'a Resource>,
        options: &Options,
    ) -> BaseLabels<'a> {
        let mut labels = Labels::new();
        set(&mut labels, "job", identity.job.clone());
        set(&mut labels, "instance", identity.instance.clone());
        if options.include_scope_labels {
            set(
                &mut labels,
                SCOPE_NAME_LABEL,
                scope.map(|s| s.name.clone()).unwrap_or_default(),
            );
            set(
                &mut labels,
                SCOPE_VERSION_LABEL,
                scope.map(|s| s.version.clone()).unwrap_or_default(),
            );
        }
        let resource_attributes = match resource {
            Some(r) if options.resource_to_telemetry_conversion => &r.attributes[..],
            _ => &[],
        };
        BaseLabels {
            labels,
            resource_attributes,
        }
    }

    /// The labels of a point's series: the base labels, the point's
    /// attributes, an extra label (`le`, `quantile`) and `name`.
    fn series(&self, name: &str, extra: Option<(&str, String)>, attributes: &[KeyValue]) -> Labels {
        let mut labels = self.labels.clone();
        set_attributes(&mut labels, attributes);
        set_attributes(&mut labels, self.resource_attributes);
        // Last, so that no attribute can replace the name or the bucket.
        if let Some((extra_name, value)) = extra {
            labels.set(extra_name, value);
        }
        labels.set("__name__", name);
        labels
    }
}

/// A label value for a bucket bound or quantile, as Go's
/// `FormatFloat(v, 'f', -1, 64)` writes it.
fn float_label(v: f64) -> String {
    if v.is_finite() {
        v.to_string()
    } else {
        go_float(v)
    }
}

fn nanos_to_millis(nanos: u64) -> i64 {
    (nanos / 1_000_000) as i64
}

fn number_value(point: &NumberDataPoint) -> f64 {
    match point.value {
        Some(number_data_point::Value::AsDouble(v)) => v,
        Some(number_data_point::Value::AsInt(v)) => v as f64,
        None => 0.0,
    }
}

fn no_recorded_value(flags: u32) -> bool {
    flags & DataPointFlags::NoRecordedValueMask as u32 != 0
}

/// The time and start time (for zero-sample ingestion) of a point.
#[derive(Clone, Copy)]
struct PointTime {
    timestamp: i64,
    /// The start time, when zero samples are to be written for it.
    start: Option<i64>,
    stale: bool,
}

/// Builds the batch of one request.
struct Writer<'a> {
    options: &'a Options,
    series: &'a mut HashMap<Arc<Labels>, SeriesState>,
    seen_at: Instant,
    now_ms: i64,
    batch: MetricsBatch,
    dropped: Dropped,
}

impl Writer<'_> {
    /// Writes one sample of the series `labels`; returns the shared labels
    /// when written (for exemplars), `None` when it was out of order.
    fn write(&mut self, labels: Labels, time: PointTime, value: f64) -> Option<Arc<Labels>> {
        let (shared, newest) = match self.series.get_key_value_mut(&labels) {
            Some((shared, state)) => {
                if time.timestamp < state.newest_timestamp {
                    self.dropped.out_of_order += 1;
                    return None;
                }
                let newest = state.newest_timestamp;
                state.newest_timestamp = time.timestamp;
                state.last_seen = self.seen_at;
                (shared.clone(), Some(newest))
            }
            None => {
                let shared = Arc::new(labels);
                self.series.insert(
                    shared.clone(),
                    SeriesState {
                        newest_timestamp: time.timestamp,
                        last_seen: self.seen_at,
                    },
                );
                (shared, None)
            }
        };
        // The zero sample at the start time marks a counter's reset; written
        // once per start time, before the series' first point after it.
        if let Some(start) = time.start
            && start < time.timestamp
            && newest.is_none_or(|newest| newest < start)
        {
            self.batch.samples.push(Sample {
                labels: shared.clone(),
                timestamp: start,
                value: 0.0,
            });
        }
        self.batch.samples.push(Sample {
            labels: shared.clone(),
            timestamp: time.timestamp,
            value: if time.stale { stale_nan() } else { value },
        });
        Some(shared)
    }

    fn metadata(&mut self, family: &str, metric_type: MetricType, help: &str, unit: &str) {
        if self.options.honor_metadata {
            self.batch.metadata.push(Metadata {
                family: family.to_owned(),
                metric_type,
                help: help.to_owned(),
                unit: unit.to_owned(),
            });
        }
    }

    fn info_time(&self) -> PointTime {
        PointTime {
            timestamp: self.now_ms,
            start: None,
            stale: false,
        }
    }

    fn target_info(&mut self, identity: &Identity, resource: Option<&Resource>) {
        let mut labels = Labels::new();
        set(&mut labels, "job", identity.job.clone());
        set(&mut labels, "instance", identity.instance.clone());
        let keep_identifying = self.options.keep_identifying_resource_attributes;
        let attributes = resource.map_or(&[][..], |r| &r.attributes);
        set_attributes(
            &mut labels,
            attributes.iter().filter(|kv| {
                keep_identifying
                    || ![SERVICE_NAME, SERVICE_NAMESPACE, SERVICE_INSTANCE_ID]
                        .contains(&kv.key.as_str())
            }),
        );
        labels.set("__name__", "target_info");
        self.metadata("target_info", MetricType::Gauge, "Target metadata", "");
        self.write(labels, self.info_time(), 1.0);
    }

    fn scope_info(&mut self, identity: &Identity, scope: Option<&InstrumentationScope>) {
        let mut labels = Labels::new();
        set(&mut labels, "job", identity.job.clone());
        set(&mut labels, "instance", identity.instance.clone());
        if let Some(scope) = scope {
            set(&mut labels, SCOPE_NAME_LABEL, scope.name.clone());
            set(&mut labels, SCOPE_VERSION_LABEL, scope.version.clone());
            set_attributes(&mut labels, &scope.attributes);
        }
        labels.set("__name__", "otel_scope_info");
        self.metadata("otel_scope_info", MetricType::Gauge, "", "");
        self.write(labels, self.info_time(), 1.0);
    }

    fn point_time(&self, point: &impl DataPoint, cumulative: bool) -> PointTime {
        let (time_unix_nano, start_unix_nano, flags) = point.times();
        let start =
            (cumulative && self.options.start_timestamp_zero_ingestion && start_unix_nano > 0)
                .then(|| nanos_to_millis(start_unix_nano));
        PointTime {
            timestamp: nanos_to_millis(time_unix_nano),
            start,
            stale: no_recorded_value(flags),
        }
    }

    /// The Prometheus name of `metric` as a family of `metric_type`, whose
    /// metadata goes into the batch.
    fn family(&mut self, metric: &Metric, kind: NameKind, metric_type: MetricType) -> String {
        let name = metric_name(
            &metric.name,
            &metric.unit,
            kind,
            self.options.add_metric_suffixes,
        );
        self.metadata(&name, metric_type, &metric.description, &metric.unit);
        name
    }

    fn metric(&mut self, base: &BaseLabels, metric: &Metric) {
        const CUMULATIVE: i32 = AggregationTemporality::Cumulative as i32;
        match &metric.data {
            Some(Data::Gauge(gauge)) => {
                let name = self.family(metric, NameKind::Gauge, MetricType::Gauge);
                for point in &gauge.data_points {
                    self.number(base, &name, point, false);
                }
            }
            Some(Data::Sum(sum)) if sum.aggregation_temporality == CUMULATIVE => {
                let name = if sum.is_monotonic {
                    self.family(metric, NameKind::Counter, MetricType::Counter)
                } else {
                    self.family(metric, NameKind::Gauge, MetricType::Gauge)
                };
                for point in &sum.data_points {
                    self.number(base, &name, point, sum.is_monotonic);
                }
            }
            Some(Data::Histogram(histogram)) if histogram.aggregation_temporality == CUMULATIVE => {
                let names =
                    FamilyNames::new(self.family(metric, NameKind::Other, MetricType::Histogram));
                for point in &histogram.data_points {
                    self.histogram(base, &names, point);
                }
            }
            Some(Data::ExponentialHistogram(histogram))
                if histogram.aggregation_temporality == CUMULATIVE =>
            {
                let names =
                    FamilyNames::new(self.family(metric, NameKind::Other, MetricType::Histogram));
                for point in &histogram.data_points {
                    self.exponential_histogram(base, &names, point);
                }
            }
            Some(Data::Summary(summary)) => {
                let names =
                    FamilyNames::new(self.family(metric, NameKind::Other, MetricType::Summary));
                for point in &summary.data_points {
                    self.summary(base, &names, point);
                }
            }
            Some(Data::Sum(_) | Data::Histogram(_) | Data::ExponentialHistogram(_)) => {
                self.dropped.delta += model::otlp::data_points(metric) as u64;
            }
            None => {}
        }
    }

    fn number(&mut self, base: &BaseLabels, name: &str, point: &NumberDataPoint, counter: bool) {
        let time = self.point_time(point, counter);
        let labels = base.series(name, None, &point.attributes);
        if let Some(series) = self.write(labels, time, number_value(point))
            && counter
        {
            self.exemplars(&series, &point.exemplars);
        }
    }

    fn exemplars<'e>(
        &mut self,
        series: &Arc<Labels>,
        exemplars: impl IntoIterator<Item = &'e OtlpExemplar>,
    ) {
        for exemplar in exemplars {
            self.batch.exemplars.push(Exemplar {
                series: series.clone(),
                labels: exemplar_labels(exemplar),
                value: exemplar_value(exemplar),
                timestamp: (exemplar.time_unix_nano > 0)
                    .then(|| nanos_to_millis(exemplar.time_unix_nano)),
            });
        }
    }

    /// `_sum` (when present), `_count`, the cumulative `buckets` (sorted by
    /// upper bound, each with its own count) and `+Inf`; each exemplar goes
    /// to the first bucket that holds its value.
    fn classic_histogram(
        &mut self,
        base: &BaseLabels,
        names: &FamilyNames,
        point: &impl HistogramPoint,
        buckets: &[(f64, u64)],
    ) {
        let time = self.point_time(point, true);
        let attributes = point.attributes();
        let count = point.count();
        if let Some(sum) = point.sum() {
            self.write(base.series(&names.sum, None, attributes), time, sum);
        }
        self.write(
            base.series(&names.count, None, attributes),
            time,
            count as f64,
        );
        let mut by_value: Vec<_> = point.exemplars().iter().collect();
        by_value.sort_by(|a, b| exemplar_value(a).total_cmp(&exemplar_value(b)));
        let mut pending = by_value.as_slice();
        let mut cumulative = 0u64;
        for &(bound, bucket_count) in buckets {
            cumulative = cumulative.saturating_add(bucket_count);
            let labels = base.series(&names.bucket, Some(("le", float_label(bound))), attributes);
            let inside = pending
                .iter()
                .take_while(|e| exemplar_value(e) <= bound)
                .count();
            if let Some(series) = self.write(labels, time, cumulative as f64) {
                self.exemplars(&series, pending[..inside].iter().copied());
            }
            pending = &pending[inside..];
        }
        let labels = base.series(&names.bucket, Some(("le", "+Inf".to_owned())), attributes);
        if let Some(series) = self.write(labels, time, count as f64) {
            self.exemplars(&series, pending.iter().copied());
        }
    }

    fn histogram(&mut self, base: &BaseLabels, names: &FamilyNames, point: &HistogramDataPoint) {
        let mut buckets: Vec<(f64, u64)> = point
            .explicit_bounds
            .iter()
            .copied()
            .zip(point.bucket_counts.iter().copied())
            .collect();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        self.classic_histogram(base, names, point, &buckets);
    }

    fn exponential_histogram(
        &mut self,
        base: &BaseLabels,
        names: &FamilyNames,
        point: &ExponentialHistogramDataPoint,
    ) {
        match exponential_buckets(point) {
            Some(buckets) => self.classic_histogram(base, names, point, &buckets),
            None => self.dropped.exponential_histogram += 1,
        }
    }

    fn summary(&mut self, base: &BaseLabels, names: &FamilyNames, point: &SummaryDataPoint) {
        let time = self.point_time(point, true);
        self.write(
            base.series(&names.sum, None, &point.attributes),
            time,
            point.sum,
        );
        self.write(
            base.series(&names.count, None, &point.attributes),
            time,
            point.count as f64,
        );
        let quantile_time = PointTime {
            start: None,
            ..time
        };
        for quantile in &point.quantile_values {
            let labels = base.series(
                &names.family,
                Some(("quantile", float_label(quantile.quantile))),
                &point.attributes,
            );
            self.write(labels, quantile_time, quantile.value);
        }
    }
}

/// The series names of a histogram or summary family, made once per metric.
struct FamilyNames {
    family: String,
    sum: String,
    count: String,
    bucket: String,
}

impl FamilyNames {
    fn new(family: String) -> FamilyNames {
        FamilyNames {
            sum: format!("{family}_sum"),
            count: format!("{family}_count"),
            bucket: format!("{family}_bucket"),
            family,
        }
    }
}

/// What every kind of data point has.
trait DataPoint {
    /// Time, start time (ns since the epoch) and flags.
    fn times(&self) -> (u64, u64, u32);
    fn attributes(&self) -> &[KeyValue];
}

/// What explicit and exponential histogram points share.
trait HistogramPoint: DataPoint {
    fn sum(&self) -> Option<f64>;
    fn count(&self) -> u64;
    fn exemplars(&self) -> &[OtlpExemplar];
}

macro_rules! data_point {
    ($($point:ty),*) => {$(
        impl DataPoint for $point {
            fn times(&self) -> (u64, u64, u32) {
                (self.time_unix_nano, self.start_time_unix_nano, self.flags)
            }
            fn attributes(&self) -> &[KeyValue] {
                &self.attributes
            }
        }
    )*};
}

data_point!(
    NumberDataPoint,
    HistogramDataPoint,
    ExponentialHistogramDataPoint,
    SummaryDataPoint
);

macro_rules! histogram_point {
    ($($point:ty),*) => {$(
        impl HistogramPoint for $point {
            fn sum(&self) -> Option<f64> {
                self.sum
            }
            fn count(&self) -> u64 {
                self.count
            }
            fn exemplars(&self) -> &[OtlpExemplar] {
                &self.exemplars
            }
        }
    )*};
}

histogram_point!(HistogramDataPoint, ExponentialHistogramDataPoint);

fn exemplar_value(exemplar: &OtlpExemplar) -> f64 {
    match exemplar.value {
        Some(exemplar::Value::AsDouble(v)) => v,
        Some(exemplar::Value::AsInt(v)) => v as f64,
        None => 0.0,
    }
}

fn exemplar_labels(exemplar: &OtlpExemplar) -> Labels {
    let mut labels = Labels::new();
    set(&mut labels, "trace_id", hex_id(&exemplar.trace_id));
    set(&mut labels, "span_id", hex_id(&exemplar.span_id));
    labels
}

/// The classic buckets of an exponential histogram, when they say exactly
/// what it says: every value at most `zero_threshold` is in the zero bucket
/// and positive bucket `i` holds the values in `(base^i, base^(i+1)]`, so each
/// upper bound is an `le`. Negative buckets have exclusive upper bounds and no
/// `le` form; a histogram with negative counts, a scale outside the data
/// model's -10..=20, or a zero threshold reaching past the first bucket's
/// upper bound is refused.
fn exponential_buckets(point: &ExponentialHistogramDataPoint) -> Option<Vec<(f64, u64)>> {
    if !(-10..=20).contains(&point.scale)
        || point
            .negative
            .as_ref()
            .is_some_and(|n| n.bucket_counts.iter().any(|c| *c > 0))
        || !(point.zero_threshold >= 0.0 && point.zero_threshold.is_finite())
    {
        return None;
    }
    // base^(i+1) = 2^((i+1) · 2^-scale); exact powers of two for scale ≤ 0.
    let exponent_step = (-f64::from(point.scale)).exp2();
    let mut buckets = vec![(point.zero_threshold, point.zero_count)];
    if let Some(positive) = &point.positive {
        for (k, count) in positive.bucket_counts.iter().enumerate() {
            let index = i64::from(positive.offset) + k as i64;
            let upper = ((index + 1) as f64 * exponent_step).exp2();
            if !upper.is_finite() || upper <= buckets[buckets.len() - 1].0 {
                return None;
            }
            buckets.push((upper, *count));
        }
    }
    Some(buckets)
}
