//! `verbosity = "detailed"`: every field of every item, in the Collector's
//! OTLP text format (resources, scopes, attributes with their types, ids in
//! hex, timestamps as Go prints them).

use super::values::{
    fixed, hex_id, severity, span_kind, status_code, temporality, timestamp, typed,
};
use model::otlp::{
    ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest,
};
use opentelemetry_proto::tonic::common::v1::{InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::{
    Exemplar, Metric, exemplar, metric::Data, number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use std::fmt::Write;

/// Collects lines; writing to a `String` cannot fail.
#[derive(Default)]
struct Text(String);

impl Text {
    fn line(&mut self, args: std::fmt::Arguments<'_>) {
        let _ = self.0.write_fmt(args);
        self.0.push('\n');
    }

    /// `    Name           : value`
    fn field(&mut self, name: &str, value: &str) {
        self.line(format_args!("    {name:<15}: {value}"));
    }

    /// A header and `-> key: Type(value)` lines, nothing without attributes.
    /// A header that is itself an arrow line indents its attributes further.
    fn attributes(&mut self, header: &str, attributes: &[KeyValue]) {
        if attributes.is_empty() {
            return;
        }
        self.line(format_args!("{header}:"));
        let indent = header.split_once("->").map_or("", |(before, _)| before);
        for kv in attributes {
            self.line(format_args!(
                "{indent}     -> {}: {}",
                kv.key,
                typed(kv.value.as_ref())
            ));
        }
    }

    fn resource(&mut self, what: &str, i: usize, schema: &str, resource: Option<&Resource>) {
        self.line(format_args!("{what} #{i}"));
        self.line(format_args!("Resource SchemaURL: {schema}"));
        self.attributes(
            "Resource attributes",
            resource.map_or(&[], |r| &r.attributes),
        );
    }

    fn scope(&mut self, what: &str, j: usize, schema: &str, scope: Option<&InstrumentationScope>) {
        self.line(format_args!("{what} #{j}"));
        self.line(format_args!("{what} SchemaURL: {schema}"));
        let (name, version, attributes) = scope.map_or(("", "", &[][..]), |s| {
            (s.name.as_str(), s.version.as_str(), &s.attributes[..])
        });
        self.line(format_args!("InstrumentationScope {name} {version}"));
        self.attributes("InstrumentationScope attributes", attributes);
    }
}

pub fn traces(request: &ExportTraceServiceRequest) -> String {
    let mut out = Text::default();
    for (i, rs) in request.resource_spans.iter().enumerate() {
        out.resource("ResourceSpans", i, &rs.schema_url, rs.resource.as_ref());
        for (j, ss) in rs.scope_spans.iter().enumerate() {
            out.scope("ScopeSpans", j, &ss.schema_url, ss.scope.as_ref());
            for (k, span) in ss.spans.iter().enumerate() {
                out.line(format_args!("Span #{k}"));
                out.field("Trace ID", &hex_id(&span.trace_id));
                out.field("Parent ID", &hex_id(&span.parent_span_id));
                out.field("ID", &hex_id(&span.span_id));
                out.field("Name", &span.name);
                out.field("Kind", span_kind(span.kind));
                if !span.trace_state.is_empty() {
                    out.field("TraceState", &span.trace_state);
                }
                out.field("Start time", &timestamp(span.start_time_unix_nano));
                out.field("End time", &timestamp(span.end_time_unix_nano));
                let status = span.status.clone().unwrap_or_default();
                out.field("Status code", status_code(status.code));
                out.field("Status message", &status.message);
                out.attributes("Attributes", &span.attributes);
                if !span.events.is_empty() {
                    out.line(format_args!("Events:"));
                }
                for (e, event) in span.events.iter().enumerate() {
                    out.line(format_args!("SpanEvent #{e}"));
                    out.line(format_args!("     -> Name: {}", event.name));
                    out.line(format_args!(
                        "     -> Timestamp: {}",
                        timestamp(event.time_unix_nano)
                    ));
                    out.line(format_args!(
                        "     -> DroppedAttributesCount: {}",
                        event.dropped_attributes_count
                    ));
                    out.attributes("     -> Attributes:", &event.attributes);
                }
                if !span.links.is_empty() {
                    out.line(format_args!("Links:"));
                }
                for (l, link) in span.links.iter().enumerate() {
                    out.line(format_args!("SpanLink #{l}"));
                    out.line(format_args!("     -> Trace ID: {}", hex_id(&link.trace_id)));
                    out.line(format_args!("     -> ID: {}", hex_id(&link.span_id)));
                    out.line(format_args!("     -> TraceState: {}", link.trace_state));
                    out.line(format_args!(
                        "     -> DroppedAttributesCount: {}",
                        link.dropped_attributes_count
                    ));
                    out.attributes("     -> Attributes:", &link.attributes);
                }
            }
        }
    }
    out.0
}

pub fn logs(request: &ExportLogsServiceRequest) -> String {
    let mut out = Text::default();
    for (i, rl) in request.resource_logs.iter().enumerate() {
        out.resource("ResourceLog", i, &rl.schema_url, rl.resource.as_ref());
        for (j, sl) in rl.scope_logs.iter().enumerate() {
            out.scope("ScopeLogs", j, &sl.schema_url, sl.scope.as_ref());
            for (k, record) in sl.log_records.iter().enumerate() {
                out.line(format_args!("LogRecord #{k}"));
                out.line(format_args!(
                    "ObservedTimestamp: {}",
                    timestamp(record.observed_time_unix_nano)
                ));
                out.line(format_args!(
                    "Timestamp: {}",
                    timestamp(record.time_unix_nano)
                ));
                out.line(format_args!("SeverityText: {}", record.severity_text));
                out.line(format_args!(
                    "SeverityNumber: {}({})",
                    severity(record.severity_number),
                    record.severity_number
                ));
                if !record.event_name.is_empty() {
                    out.line(format_args!("EventName: {}", record.event_name));
                }
                out.line(format_args!("Body: {}", typed(record.body.as_ref())));
                out.attributes("Attributes", &record.attributes);
                out.line(format_args!("Trace ID: {}", hex_id(&record.trace_id)));
                out.line(format_args!("Span ID: {}", hex_id(&record.span_id)));
                out.line(format_args!("Flags: {}", record.flags));
            }
        }
    }
    out.0
}

pub fn metrics(request: &ExportMetricsServiceRequest) -> String {
    let mut out = Text::default();
    for (i, rm) in request.resource_metrics.iter().enumerate() {
        out.resource("ResourceMetrics", i, &rm.schema_url, rm.resource.as_ref());
        for (j, sm) in rm.scope_metrics.iter().enumerate() {
            out.scope("ScopeMetrics", j, &sm.schema_url, sm.scope.as_ref());
            for (k, metric) in sm.metrics.iter().enumerate() {
                out.line(format_args!("Metric #{k}"));
                descriptor(&mut out, metric);
                data_points(&mut out, metric);
            }
        }
    }
    out.0
}

fn descriptor(out: &mut Text, metric: &Metric) {
    let data_type = match &metric.data {
        None => "Empty",
        Some(Data::Gauge(_)) => "Gauge",
        Some(Data::Sum(_)) => "Sum",
        Some(Data::Histogram(_)) => "Histogram",
        Some(Data::ExponentialHistogram(_)) => "ExponentialHistogram",
        Some(Data::Summary(_)) => "Summary",
    };
    out.line(format_args!("Descriptor:"));
    out.line(format_args!("     -> Name: {}", metric.name));
    out.line(format_args!("     -> Description: {}", metric.description));
    out.line(format_args!("     -> Unit: {}", metric.unit));
    out.line(format_args!("     -> DataType: {data_type}"));
}

/// The attributes and times every kind of data point starts with.
fn point_header(
    out: &mut Text,
    what: &str,
    i: usize,
    attributes: &[KeyValue],
    start: u64,
    time: u64,
) {
    out.line(format_args!("{what} #{i}"));
    out.attributes("Data point attributes", attributes);
    out.line(format_args!("StartTimestamp: {}", timestamp(start)));
    out.line(format_args!("Timestamp: {}", timestamp(time)));
}

fn optional_stats(out: &mut Text, sum: Option<f64>, min: Option<f64>, max: Option<f64>) {
    for (name, value) in [("Sum", sum), ("Min", min), ("Max", max)] {
        if let Some(v) = value {
            out.line(format_args!("{name}: {}", fixed(v)));
        }
    }
}

fn data_points(out: &mut Text, metric: &Metric) {
    match &metric.data {
        None => {}
        Some(Data::Gauge(g)) => number_points(out, &g.data_points),
        Some(Data::Sum(s)) => {
            out.line(format_args!("     -> IsMonotonic: {}", s.is_monotonic));
            out.line(format_args!(
                "     -> AggregationTemporality: {}",
                temporality(s.aggregation_temporality)
            ));
            number_points(out, &s.data_points);
        }
        Some(Data::Histogram(h)) => {
            out.line(format_args!(
                "     -> AggregationTemporality: {}",
                temporality(h.aggregation_temporality)
            ));
            for (i, p) in h.data_points.iter().enumerate() {
                point_header(
                    out,
                    "HistogramDataPoints",
                    i,
                    &p.attributes,
                    p.start_time_unix_nano,
                    p.time_unix_nano,
                );
                out.line(format_args!("Count: {}", p.count));
                optional_stats(out, p.sum, p.min, p.max);
                for (b, bound) in p.explicit_bounds.iter().enumerate() {
                    out.line(format_args!("ExplicitBounds #{b}: {}", fixed(*bound)));
                }
                for (b, count) in p.bucket_counts.iter().enumerate() {
                    out.line(format_args!("Buckets #{b}, Count: {count}"));
                }
                exemplars(out, &p.exemplars);
            }
        }
        Some(Data::ExponentialHistogram(h)) => {
            out.line(format_args!(
                "     -> AggregationTemporality: {}",
                temporality(h.aggregation_temporality)
            ));
            for (i, p) in h.data_points.iter().enumerate() {
                point_header(
                    out,
                    "ExponentialHistogramDataPoints",
                    i,
                    &p.attributes,
                    p.start_time_unix_nano,
                    p.time_unix_nano,
                );
                out.line(format_args!("Count: {}", p.count));
                optional_stats(out, p.sum, p.min, p.max);
                let factor = std::f64::consts::LN_2 * 2f64.powi(-p.scale);
                let bounds = |index: f64| ((index * factor).exp(), ((index + 1.0) * factor).exp());
                if let Some(negative) = &p.negative {
                    for pos in (0..negative.bucket_counts.len()).rev() {
                        let (lower, upper) = bounds(f64::from(negative.offset) + pos as f64);
                        out.line(format_args!(
                            "Bucket [{}, {}), Count: {}",
                            fixed(-upper),
                            fixed(-lower),
                            negative.bucket_counts[pos]
                        ));
                    }
                }
                if p.zero_count != 0 {
                    out.line(format_args!("Bucket [0, 0], Count: {}", p.zero_count));
                }
                if let Some(positive) = &p.positive {
                    for (pos, count) in positive.bucket_counts.iter().enumerate() {
                        let (lower, upper) = bounds(f64::from(positive.offset) + pos as f64);
                        out.line(format_args!(
                            "Bucket ({}, {}], Count: {count}",
                            fixed(lower),
                            fixed(upper)
                        ));
                    }
                }
                exemplars(out, &p.exemplars);
            }
        }
        Some(Data::Summary(s)) => {
            for (i, p) in s.data_points.iter().enumerate() {
                point_header(
                    out,
                    "SummaryDataPoints",
                    i,
                    &p.attributes,
                    p.start_time_unix_nano,
                    p.time_unix_nano,
                );
                out.line(format_args!("Count: {}", p.count));
                out.line(format_args!("Sum: {}", fixed(p.sum)));
                for (q, value) in p.quantile_values.iter().enumerate() {
                    out.line(format_args!(
                        "QuantileValue #{q}: Quantile {}, Value {}",
                        fixed(value.quantile),
                        fixed(value.value)
                    ));
                }
            }
        }
    }
}

fn number_points(
    out: &mut Text,
    points: &[opentelemetry_proto::tonic::metrics::v1::NumberDataPoint],
) {
    for (i, p) in points.iter().enumerate() {
        point_header(
            out,
            "NumberDataPoints",
            i,
            &p.attributes,
            p.start_time_unix_nano,
            p.time_unix_nano,
        );
        match p.value {
            Some(number_data_point::Value::AsInt(v)) => out.line(format_args!("Value: {v}")),
            Some(number_data_point::Value::AsDouble(v)) => {
                out.line(format_args!("Value: {}", fixed(v)))
            }
            None => {}
        }
        exemplars(out, &p.exemplars);
    }
}

fn exemplars(out: &mut Text, exemplars: &[Exemplar]) {
    if exemplars.is_empty() {
        return;
    }
    out.line(format_args!("Exemplars:"));
    for (i, e) in exemplars.iter().enumerate() {
        out.line(format_args!("Exemplar #{i}"));
        out.line(format_args!("     -> Trace ID: {}", hex_id(&e.trace_id)));
        out.line(format_args!("     -> Span ID: {}", hex_id(&e.span_id)));
        out.line(format_args!(
            "     -> Timestamp: {}",
            timestamp(e.time_unix_nano)
        ));
        match e.value {
            Some(exemplar::Value::AsInt(v)) => out.line(format_args!("     -> Value: {v}")),
            Some(exemplar::Value::AsDouble(v)) => {
                out.line(format_args!("     -> Value: {}", fixed(v)))
            }
            None => {}
        }
        out.attributes("     -> FilteredAttributes", &e.filtered_attributes);
    }
}
