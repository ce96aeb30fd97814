//! `verbosity = "normal"`: a line per resource and scope, then one line per
//! span, data point or log record (the Collector's normal marshalers).

use super::values::{as_string, go_float, hex_id, pairs};
use model::otlp::{
    ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest,
};
use opentelemetry_proto::tonic::common::v1::{InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::metrics::v1::{Metric, metric::Data, number_data_point};
use opentelemetry_proto::tonic::resource::v1::Resource;
use std::fmt::Write;

/// ` k=v k2=v2`, or nothing without attributes.
fn attributes_suffix(attributes: &[KeyValue]) -> String {
    let pairs = pairs(attributes);
    if pairs.is_empty() {
        String::new()
    } else {
        format!(" {}", pairs.join(" "))
    }
}

fn resource_line(
    out: &mut String,
    what: &str,
    i: usize,
    schema: &str,
    resource: Option<&Resource>,
) {
    let schema = if schema.is_empty() {
        String::new()
    } else {
        format!(" [{schema}]")
    };
    let attributes = resource.map_or(&[][..], |r| &r.attributes);
    let _ = writeln!(out, "{what} #{i}{schema}{}", attributes_suffix(attributes));
}

fn scope_line(
    out: &mut String,
    what: &str,
    i: usize,
    schema: &str,
    scope: Option<&InstrumentationScope>,
) {
    let (name, version, attributes) = scope.map_or(("", "", &[][..]), |s| {
        (s.name.as_str(), s.version.as_str(), &s.attributes[..])
    });
    let mut details = name.to_owned();
    if !version.is_empty() {
        details.push('@');
        details.push_str(version);
    }
    if !schema.is_empty() {
        if !details.is_empty() {
            details.push(' ');
        }
        let _ = write!(details, "[{schema}]");
    }
    if !details.is_empty() {
        details.insert(0, ' ');
    }
    let _ = writeln!(out, "{what} #{i}{details}{}", attributes_suffix(attributes));
}

pub fn traces(request: &ExportTraceServiceRequest) -> String {
    let mut out = String::new();
    for (i, rs) in request.resource_spans.iter().enumerate() {
        resource_line(
            &mut out,
            "ResourceTraces",
            i,
            &rs.schema_url,
            rs.resource.as_ref(),
        );
        for (j, ss) in rs.scope_spans.iter().enumerate() {
            scope_line(
                &mut out,
                "ScopeTraces",
                j,
                &ss.schema_url,
                ss.scope.as_ref(),
            );
            for span in &ss.spans {
                let _ = writeln!(
                    out,
                    "{} {} {}{}",
                    span.name,
                    hex_id(&span.trace_id),
                    hex_id(&span.span_id),
                    attributes_suffix(&span.attributes)
                );
            }
        }
    }
    out
}

pub fn logs(request: &ExportLogsServiceRequest) -> String {
    let mut out = String::new();
    for (i, rl) in request.resource_logs.iter().enumerate() {
        resource_line(
            &mut out,
            "ResourceLog",
            i,
            &rl.schema_url,
            rl.resource.as_ref(),
        );
        for (j, sl) in rl.scope_logs.iter().enumerate() {
            scope_line(&mut out, "ScopeLog", j, &sl.schema_url, sl.scope.as_ref());
            for record in &sl.log_records {
                let _ = writeln!(
                    out,
                    "{} {}",
                    as_string(record.body.as_ref()),
                    pairs(&record.attributes).join(" ")
                );
            }
        }
    }
    out
}

pub fn metrics(request: &ExportMetricsServiceRequest) -> String {
    let mut out = String::new();
    for (i, rm) in request.resource_metrics.iter().enumerate() {
        resource_line(
            &mut out,
            "ResourceMetrics",
            i,
            &rm.schema_url,
            rm.resource.as_ref(),
        );
        for (j, sm) in rm.scope_metrics.iter().enumerate() {
            scope_line(
                &mut out,
                "ScopeMetrics",
                j,
                &sm.schema_url,
                sm.scope.as_ref(),
            );
            for metric in &sm.metrics {
                data_points(&mut out, metric);
            }
        }
    }
    out
}

/// `name{k=v,…} value` per data point.
fn data_points(out: &mut String, metric: &Metric) {
    let mut line = |attributes: &[KeyValue], value: String| {
        let _ = writeln!(
            out,
            "{}{{{}}} {value}",
            metric.name,
            pairs(attributes).join(",")
        );
    };
    let min_max_sum = |sum: Option<f64>, min: Option<f64>, max: Option<f64>| {
        let mut text = String::new();
        for (name, v) in [("sum", sum), ("min", min), ("max", max)] {
            if let Some(v) = v {
                let _ = write!(text, " {name}={}", go_float(v));
            }
        }
        text
    };
    match &metric.data {
        Some(Data::Gauge(g)) => g
            .data_points
            .iter()
            .for_each(|p| line(&p.attributes, number(p.value))),
        Some(Data::Sum(s)) => s
            .data_points
            .iter()
            .for_each(|p| line(&p.attributes, number(p.value))),
        Some(Data::Histogram(h)) => {
            for p in &h.data_points {
                let mut value = format!("count={}{}", p.count, min_max_sum(p.sum, p.min, p.max));
                for (i, count) in p.bucket_counts.iter().enumerate() {
                    match p.explicit_bounds.get(i) {
                        Some(bound) => {
                            let _ = write!(value, " le{}={count}", go_float(*bound));
                        }
                        None => {
                            let _ = write!(value, " {count}");
                        }
                    }
                }
                line(&p.attributes, value);
            }
        }
        Some(Data::ExponentialHistogram(h)) => {
            for p in &h.data_points {
                let mut value = format!("count={}{}", p.count, min_max_sum(p.sum, p.min, p.max));
                let base = 2f64.powf(2f64.powi(-p.scale));
                for buckets in [&p.negative, &p.positive].into_iter().flatten() {
                    for (i, count) in buckets.bucket_counts.iter().enumerate() {
                        let lower = base.powi(buckets.offset + i as i32);
                        let _ = write!(value, " le{}={count}", go_float(lower));
                    }
                }
                if p.zero_count > 0 {
                    let _ = write!(
                        value,
                        " zero_count{}={}",
                        go_float(p.zero_threshold),
                        p.zero_count
                    );
                }
                line(&p.attributes, value);
            }
        }
        Some(Data::Summary(s)) => {
            for p in &s.data_points {
                let mut value = format!("count={} sum={:.6}", p.count, p.sum);
                for q in &p.quantile_values {
                    let _ = write!(value, " q{}={}", go_float(q.quantile), go_float(q.value));
                }
                line(&p.attributes, value);
            }
        }
        None => {}
    }
}

fn number(value: Option<number_data_point::Value>) -> String {
    match value {
        Some(number_data_point::Value::AsInt(i)) => i.to_string(),
        Some(number_data_point::Value::AsDouble(d)) => go_float(d),
        None => String::new(),
    }
}
