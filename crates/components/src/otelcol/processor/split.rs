//! Cutting the first `n` items off an export request, keeping each item's
//! resource and scope: what `otelcol.processor.batch` needs to honour
//! `send_batch_max_size`. Items are spans, log records and metric data points
//! (a metric with more points than fit is itself cut in two).

use model::otlp::{
    ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, Request,
    data_points,
};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::{
    ExponentialHistogram, Gauge, Histogram, Metric, ResourceMetrics, ScopeMetrics, Sum, Summary,
};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

/// A request that can be cut and joined at item granularity.
pub trait Split: Request {
    /// Removes the first `n` items and returns them as a request of their own.
    fn take_front(&mut self, n: usize) -> Self;
    /// Appends the resources of `other`.
    fn append(&mut self, other: Self);
}

/// The three levels of a request (resource → scope → item) as accessors, so
/// one cutting routine serves every signal.
struct Levels<R, S, I> {
    scopes: fn(&mut R) -> &mut Vec<S>,
    items: fn(&mut S) -> &mut Vec<I>,
    /// A copy of the resource (or scope) without its children.
    bare_resource: fn(&R) -> R,
    bare_scope: fn(&S) -> S,
    /// How many countable items an item holds (1, or a metric's points).
    weight: fn(&I) -> usize,
    /// Cuts the first `n` (fewer than its weight) off an item.
    cut_item: fn(&mut I, usize) -> I,
}

impl<R, S, I> Levels<R, S, I> {
    fn scope_weight(&self, scope: &mut S) -> usize {
        (self.items)(scope).iter().map(self.weight).sum()
    }

    fn resource_weight(&self, resource: &mut R) -> usize {
        (self.scopes)(resource)
            .iter_mut()
            .map(|s| self.scope_weight(s))
            .sum()
    }

    fn take_front(&self, resources: &mut Vec<R>, n: usize) -> Vec<R> {
        let mut left = n;
        let whole = count_whole(resources, &mut left, |r| self.resource_weight(r));
        let mut taken: Vec<R> = resources.drain(..whole).collect();
        if left == 0 || resources.is_empty() {
            return taken;
        }
        let resource = &mut resources[0];
        let mut part = (self.bare_resource)(resource);
        let scopes = (self.scopes)(resource);
        let whole = count_whole(scopes, &mut left, |s| self.scope_weight(s));
        (self.scopes)(&mut part).extend(scopes.drain(..whole));
        if left > 0 && !scopes.is_empty() {
            let scope = &mut scopes[0];
            let mut scope_part = (self.bare_scope)(scope);
            let items = (self.items)(scope);
            let whole = count_whole(items, &mut left, |i| (self.weight)(i));
            (self.items)(&mut scope_part).extend(items.drain(..whole));
            if left > 0 && !items.is_empty() {
                let cut = (self.cut_item)(&mut items[0], left);
                (self.items)(&mut scope_part).push(cut);
            }
            (self.scopes)(&mut part).push(scope_part);
        }
        taken.push(part);
        taken
    }
}

/// How many leading elements fit whole into `left`, which is reduced by them.
fn count_whole<T>(elements: &mut [T], left: &mut usize, weight: impl Fn(&mut T) -> usize) -> usize {
    let mut whole = 0;
    for element in elements.iter_mut() {
        let w = weight(element);
        if w > *left {
            break;
        }
        *left -= w;
        whole += 1;
    }
    whole
}

fn one<T>(_: &T) -> usize {
    1
}

fn never_cut<T>(_: &mut T, _: usize) -> T {
    unreachable!("an item of weight 1 is never cut")
}

const SPANS: Levels<ResourceSpans, ScopeSpans, Span> = Levels {
    scopes: |r| &mut r.scope_spans,
    items: |s| &mut s.spans,
    bare_resource: |r| ResourceSpans {
        resource: r.resource.clone(),
        scope_spans: Vec::new(),
        schema_url: r.schema_url.clone(),
    },
    bare_scope: |s| ScopeSpans {
        scope: s.scope.clone(),
        spans: Vec::new(),
        schema_url: s.schema_url.clone(),
    },
    weight: one,
    cut_item: never_cut,
};

const LOGS: Levels<ResourceLogs, ScopeLogs, LogRecord> = Levels {
    scopes: |r| &mut r.scope_logs,
    items: |s| &mut s.log_records,
    bare_resource: |r| ResourceLogs {
        resource: r.resource.clone(),
        scope_logs: Vec::new(),
        schema_url: r.schema_url.clone(),
    },
    bare_scope: |s| ScopeLogs {
        scope: s.scope.clone(),
        log_records: Vec::new(),
        schema_url: s.schema_url.clone(),
    },
    weight: one,
    cut_item: never_cut,
};

const METRICS: Levels<ResourceMetrics, ScopeMetrics, Metric> = Levels {
    scopes: |r| &mut r.scope_metrics,
    items: |s| &mut s.metrics,
    bare_resource: |r| ResourceMetrics {
        resource: r.resource.clone(),
        scope_metrics: Vec::new(),
        schema_url: r.schema_url.clone(),
    },
    bare_scope: |s| ScopeMetrics {
        scope: s.scope.clone(),
        metrics: Vec::new(),
        schema_url: s.schema_url.clone(),
    },
    weight: data_points,
    cut_item: cut_metric,
};

/// The first `n` data points of `metric` as a metric of the same name, type
/// and temporality.
fn cut_metric(metric: &mut Metric, n: usize) -> Metric {
    let data = metric.data.as_mut().map(|data| match data {
        Data::Gauge(g) => Data::Gauge(Gauge {
            data_points: g.data_points.drain(..n).collect(),
        }),
        Data::Sum(s) => Data::Sum(Sum {
            data_points: s.data_points.drain(..n).collect(),
            aggregation_temporality: s.aggregation_temporality,
            is_monotonic: s.is_monotonic,
        }),
        Data::Histogram(h) => Data::Histogram(Histogram {
            data_points: h.data_points.drain(..n).collect(),
            aggregation_temporality: h.aggregation_temporality,
        }),
        Data::ExponentialHistogram(h) => Data::ExponentialHistogram(ExponentialHistogram {
            data_points: h.data_points.drain(..n).collect(),
            aggregation_temporality: h.aggregation_temporality,
        }),
        Data::Summary(s) => Data::Summary(Summary {
            data_points: s.data_points.drain(..n).collect(),
        }),
    });
    Metric {
        name: metric.name.clone(),
        description: metric.description.clone(),
        unit: metric.unit.clone(),
        metadata: metric.metadata.clone(),
        data,
    }
}

impl Split for ExportTraceServiceRequest {
    fn take_front(&mut self, n: usize) -> Self {
        ExportTraceServiceRequest {
            resource_spans: SPANS.take_front(&mut self.resource_spans, n),
        }
    }
    fn append(&mut self, other: Self) {
        self.resource_spans.extend(other.resource_spans);
    }
}

impl Split for ExportLogsServiceRequest {
    fn take_front(&mut self, n: usize) -> Self {
        ExportLogsServiceRequest {
            resource_logs: LOGS.take_front(&mut self.resource_logs, n),
        }
    }
    fn append(&mut self, other: Self) {
        self.resource_logs.extend(other.resource_logs);
    }
}

impl Split for ExportMetricsServiceRequest {
    fn take_front(&mut self, n: usize) -> Self {
        ExportMetricsServiceRequest {
            resource_metrics: METRICS.take_front(&mut self.resource_metrics, n),
        }
    }
    fn append(&mut self, other: Self) {
        self.resource_metrics.extend(other.resource_metrics);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::metrics::v1::NumberDataPoint;

    fn spans(resources: &[&[usize]]) -> ExportTraceServiceRequest {
        let mut id = 0u8;
        ExportTraceServiceRequest {
            resource_spans: resources
                .iter()
                .map(|scopes| ResourceSpans {
                    scope_spans: scopes
                        .iter()
                        .map(|&n| ScopeSpans {
                            spans: (0..n)
                                .map(|_| {
                                    id += 1;
                                    Span {
                                        span_id: vec![id],
                                        ..Span::default()
                                    }
                                })
                                .collect(),
                            ..ScopeSpans::default()
                        })
                        .collect(),
                    ..ResourceSpans::default()
                })
                .collect(),
        }
    }

    fn ids(request: &ExportTraceServiceRequest) -> Vec<u8> {
        request
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .map(|s| s.span_id[0])
            .collect()
    }

    #[test]
    fn cuts_spans_inside_resources_and_scopes_in_order() {
        let mut request = spans(&[&[2, 3], &[4]]);
        let first = request.take_front(4);
        assert_eq!(ids(&first), [1, 2, 3, 4]);
        assert_eq!(first.resource_spans.len(), 1);
        assert_eq!(first.resource_spans[0].scope_spans.len(), 2);
        assert_eq!(request.item_count(), 5);
        assert_eq!(request.resource_spans[0].scope_spans[0].spans.len(), 1);
        let second = request.take_front(100);
        assert_eq!(ids(&second), [5, 6, 7, 8, 9]);
        assert_eq!(request.item_count(), 0);
    }

    #[test]
    fn cuts_metrics_at_data_points() {
        let points = |n| Sum {
            data_points: (0..n)
                .map(|i| NumberDataPoint {
                    time_unix_nano: i,
                    ..NumberDataPoint::default()
                })
                .collect(),
            aggregation_temporality: 2,
            is_monotonic: true,
        };
        let metric = |name: &str, n| Metric {
            name: name.into(),
            data: Some(Data::Sum(points(n))),
            ..Metric::default()
        };
        let mut request = ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                scope_metrics: vec![ScopeMetrics {
                    metrics: vec![metric("a", 3), metric("b", 5)],
                    ..ScopeMetrics::default()
                }],
                ..ResourceMetrics::default()
            }],
        };
        let first = request.take_front(4);
        assert_eq!(first.item_count(), 4);
        assert_eq!(request.item_count(), 4);
        let cut = &first.resource_metrics[0].scope_metrics[0].metrics[1];
        assert_eq!(cut.name, "b");
        let Some(Data::Sum(sum)) = &cut.data else {
            panic!("a sum")
        };
        assert!(sum.is_monotonic);
        assert_eq!(sum.aggregation_temporality, 2);
        assert_eq!(sum.data_points[0].time_unix_nano, 0);
        let rest = &request.resource_metrics[0].scope_metrics[0].metrics[0];
        assert_eq!(rest.name, "b");
        assert_eq!(data_points(rest), 4);
    }
}
