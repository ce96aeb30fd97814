//! Items that cannot be forwarded: a span whose trace id is not 16 bytes or
//! whose span id is not 8 (parent and link ids likewise), a log record or
//! exemplar with an id of the wrong length (they may be empty there). Such
//! items are removed and reported as a partial success.
//!
//! Checked first over the protobuf bytes without decoding them
//! ([`invalid_on_wire`]), so valid requests keep their bytes; only a request
//! with invalid items is decoded and filtered ([`Filter::remove_invalid`]).

use model::otlp::{
    ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest,
};
use opentelemetry_proto::tonic::metrics::v1::{Exemplar, metric::Data};
use opentelemetry_proto::tonic::trace::v1::Span;

const TRACE_ID: usize = 16;
const SPAN_ID: usize = 8;

/// Why items were removed, for `partial_success.error_message`.
pub const SPAN_REASON: &str =
    "spans must have a 16-byte trace id and an 8-byte span id (parent and link ids likewise)";
pub const LOG_REASON: &str =
    "log records must have an empty or 16-byte trace id and an empty or 8-byte span id";
pub const METRIC_REASON: &str =
    "exemplars must have an empty or 16-byte trace id and an empty or 8-byte span id";

fn id_ok(len: usize, size: usize, optional: bool) -> bool {
    len == size || (optional && len == 0)
}

/// Removing invalid items from a decoded request.
pub trait Filter {
    /// How many items were removed.
    fn remove_invalid(&mut self) -> usize;
}

fn span_ok(span: &Span) -> bool {
    id_ok(span.trace_id.len(), TRACE_ID, false)
        && id_ok(span.span_id.len(), SPAN_ID, false)
        && id_ok(span.parent_span_id.len(), SPAN_ID, true)
        && span.links.iter().all(|l| {
            id_ok(l.trace_id.len(), TRACE_ID, false) && id_ok(l.span_id.len(), SPAN_ID, false)
        })
}

fn exemplars_ok(exemplars: &[Exemplar]) -> bool {
    exemplars
        .iter()
        .all(|e| id_ok(e.trace_id.len(), TRACE_ID, true) && id_ok(e.span_id.len(), SPAN_ID, true))
}

/// Keeps the items `ok` accepts; returns how many were removed.
fn retain<T>(items: &mut Vec<T>, ok: impl Fn(&T) -> bool) -> usize {
    let before = items.len();
    items.retain(ok);
    before - items.len()
}

impl Filter for ExportTraceServiceRequest {
    fn remove_invalid(&mut self) -> usize {
        self.resource_spans
            .iter_mut()
            .flat_map(|r| &mut r.scope_spans)
            .map(|s| retain(&mut s.spans, span_ok))
            .sum()
    }
}

impl Filter for ExportLogsServiceRequest {
    fn remove_invalid(&mut self) -> usize {
        self.resource_logs
            .iter_mut()
            .flat_map(|r| &mut r.scope_logs)
            .map(|s| {
                retain(&mut s.log_records, |l| {
                    id_ok(l.trace_id.len(), TRACE_ID, true) && id_ok(l.span_id.len(), SPAN_ID, true)
                })
            })
            .sum()
    }
}

impl Filter for ExportMetricsServiceRequest {
    fn remove_invalid(&mut self) -> usize {
        self.resource_metrics
            .iter_mut()
            .flat_map(|r| &mut r.scope_metrics)
            .flat_map(|s| &mut s.metrics)
            .map(|m| match &mut m.data {
                Some(Data::Gauge(g)) => retain(&mut g.data_points, |p| exemplars_ok(&p.exemplars)),
                Some(Data::Sum(s)) => retain(&mut s.data_points, |p| exemplars_ok(&p.exemplars)),
                Some(Data::Histogram(h)) => {
                    retain(&mut h.data_points, |p| exemplars_ok(&p.exemplars))
                }
                Some(Data::ExponentialHistogram(h)) => {
                    retain(&mut h.data_points, |p| exemplars_ok(&p.exemplars))
                }
                Some(Data::Summary(_)) | None => 0,
            })
            .sum()
    }
}

// ---------------------------------------------------------------------------
// The same rules over protobuf bytes. The bytes were already checked to be a
// well-formed request; a framing error here still only answers "invalid".

/// A protobuf field's value: length-delimited bytes, or something else.
enum Wire<'a> {
    Len(&'a [u8]),
    Scalar,
}

struct Malformed;

fn varint(buf: &mut &[u8]) -> Result<u64, Malformed> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = buf.split_first().ok_or(Malformed)?;
        *buf = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(Malformed)
}

/// Calls `visit` with each field of the message in `buf`.
fn fields<'a>(
    mut buf: &'a [u8],
    mut visit: impl FnMut(u64, Wire<'a>) -> Result<(), Malformed>,
) -> Result<(), Malformed> {
    while !buf.is_empty() {
        let key = varint(&mut buf)?;
        let value = match key & 7 {
            0 => {
                varint(&mut buf)?;
                Wire::Scalar
            }
            1 | 5 => {
                let width = if key & 7 == 1 { 8 } else { 4 };
                buf = buf.get(width..).ok_or(Malformed)?;
                Wire::Scalar
            }
            2 => {
                let len = usize::try_from(varint(&mut buf)?).map_err(|_| Malformed)?;
                let (value, rest) = buf.split_at_checked(len).ok_or(Malformed)?;
                buf = rest;
                Wire::Len(value)
            }
            _ => return Err(Malformed),
        };
        visit(key >> 3, value)?;
    }
    Ok(())
}

/// Calls `visit` with each embedded message of field `number`.
fn each<'a>(
    buf: &'a [u8],
    number: u64,
    mut visit: impl FnMut(&'a [u8]) -> Result<(), Malformed>,
) -> Result<(), Malformed> {
    fields(buf, |n, value| match value {
        Wire::Len(inner) if n == number => visit(inner),
        _ => Ok(()),
    })
}

/// Whether every length-delimited field listed in `ids` (field number, size,
/// may be empty) has an allowed length; an absent field has length 0.
fn ids_ok(buf: &[u8], ids: &[(u64, usize, bool)]) -> Result<bool, Malformed> {
    let mut seen = [false; 4];
    let mut ok = true;
    fields(buf, |n, value| {
        if let Some(i) = ids.iter().position(|(number, _, _)| *number == n) {
            let len = match value {
                Wire::Len(v) => v.len(),
                Wire::Scalar => usize::MAX,
            };
            seen[i] = true;
            ok &= id_ok(len, ids[i].1, ids[i].2);
        }
        Ok(())
    })?;
    let absent_ok = ids
        .iter()
        .zip(seen)
        .all(|((_, _, optional), seen)| seen || *optional);
    Ok(ok && absent_ok)
}

/// Sums what `count` says of each message at the end of `path` (field
/// numbers from the request down).
fn count_invalid(
    buf: &[u8],
    path: &[u64],
    count: &mut dyn FnMut(&[u8]) -> Result<usize, Malformed>,
) -> Result<usize, Malformed> {
    let Some((first, rest)) = path.split_first() else {
        return count(buf);
    };
    let mut invalid = 0;
    each(buf, *first, |inner| {
        invalid += count_invalid(inner, rest, count)?;
        Ok(())
    })?;
    Ok(invalid)
}

/// 1 for an invalid item, 0 for a valid one.
fn one_if_not(
    valid: fn(&[u8]) -> Result<bool, Malformed>,
) -> impl FnMut(&[u8]) -> Result<usize, Malformed> {
    move |item| Ok(usize::from(!valid(item)?))
}

fn span_ok_on_wire(span: &[u8]) -> Result<bool, Malformed> {
    if !ids_ok(
        span,
        &[
            (1, TRACE_ID, false),
            (2, SPAN_ID, false),
            (4, SPAN_ID, true),
        ],
    )? {
        return Ok(false);
    }
    let mut links_ok = true;
    each(span, 13, |link| {
        links_ok &= ids_ok(link, &[(1, TRACE_ID, false), (2, SPAN_ID, false)])?;
        Ok(())
    })?;
    Ok(links_ok)
}

fn log_ok_on_wire(log: &[u8]) -> Result<bool, Malformed> {
    ids_ok(log, &[(9, TRACE_ID, true), (10, SPAN_ID, true)])
}

/// Invalid data points of one metric: the exemplar field number depends on
/// the point type.
fn invalid_points_on_wire(metric: &[u8]) -> Result<usize, Malformed> {
    let mut invalid = 0;
    fields(metric, |n, value| {
        let exemplars = match n {
            5 | 7 => 5, // gauge, sum: NumberDataPoint.exemplars
            9 => 8,     // histogram
            10 => 11,   // exponential histogram
            _ => return Ok(()),
        };
        if let Wire::Len(data) = value {
            invalid += count_invalid(data, &[1], &mut |point| {
                let mut ok = true;
                each(point, exemplars, |e| {
                    ok &= ids_ok(e, &[(5, TRACE_ID, true), (4, SPAN_ID, true)])?;
                    Ok(())
                })?;
                Ok(usize::from(!ok))
            })?;
        }
        Ok(())
    })?;
    Ok(invalid)
}

/// How many items of the encoded request `Filter::remove_invalid` would
/// remove (`None` when the bytes are not a request at all).
pub fn invalid_on_wire(signal: model::otlp::Signal, request: &[u8]) -> Option<usize> {
    use model::otlp::Signal;
    let counted = match signal {
        Signal::Traces => count_invalid(request, &[1, 2, 2], &mut one_if_not(span_ok_on_wire)),
        Signal::Logs => count_invalid(request, &[1, 2, 2], &mut one_if_not(log_ok_on_wire)),
        Signal::Metrics => count_invalid(request, &[1, 2, 2], &mut invalid_points_on_wire),
    };
    counted.ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::otlp::Signal;
    use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
    use opentelemetry_proto::tonic::metrics::v1::{
        Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum,
    };
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, span::Link};
    use prost::Message;

    fn span(trace: usize, span: usize, parent: usize) -> Span {
        Span {
            trace_id: vec![1; trace],
            span_id: vec![2; span],
            parent_span_id: vec![3; parent],
            ..Span::default()
        }
    }

    fn check<M: Filter + Message + Clone>(signal: Signal, mut request: M, invalid: usize) {
        assert_eq!(
            invalid_on_wire(signal, &request.encode_to_vec()),
            Some(invalid)
        );
        assert_eq!(request.remove_invalid(), invalid);
        assert_eq!(invalid_on_wire(signal, &request.encode_to_vec()), Some(0));
    }

    #[test]
    fn spans_with_bad_ids_are_invalid_both_ways() {
        let mut bad_link = span(16, 8, 0);
        bad_link.links.push(Link {
            trace_id: vec![1; 3],
            span_id: vec![2; 8],
            ..Link::default()
        });
        let spans = vec![
            span(16, 8, 0),
            span(16, 8, 8),
            span(15, 8, 0),
            span(16, 0, 0),
            span(0, 8, 0),
            span(16, 8, 4),
            bad_link,
        ];
        let request = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans,
                    ..ScopeSpans::default()
                }],
                ..ResourceSpans::default()
            }],
        };
        check(Signal::Traces, request, 5);
    }

    #[test]
    fn logs_and_exemplars_may_have_empty_ids() {
        let log = |trace, span| LogRecord {
            trace_id: vec![1; trace],
            span_id: vec![2; span],
            ..LogRecord::default()
        };
        let logs = ExportLogsServiceRequest {
            resource_logs: vec![ResourceLogs {
                scope_logs: vec![ScopeLogs {
                    log_records: vec![log(0, 0), log(16, 8), log(16, 7), log(1, 0)],
                    ..ScopeLogs::default()
                }],
                ..ResourceLogs::default()
            }],
        };
        check(Signal::Logs, logs, 2);

        let point = |trace| NumberDataPoint {
            exemplars: vec![Exemplar {
                trace_id: vec![1; trace],
                ..Exemplar::default()
            }],
            ..NumberDataPoint::default()
        };
        let metrics = ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                scope_metrics: vec![ScopeMetrics {
                    metrics: vec![
                        Metric {
                            data: Some(Data::Gauge(Gauge {
                                data_points: vec![point(0), point(16), point(5)],
                            })),
                            ..Metric::default()
                        },
                        Metric {
                            data: Some(Data::Sum(Sum {
                                data_points: vec![point(2)],
                                ..Sum::default()
                            })),
                            ..Metric::default()
                        },
                    ],
                    ..ScopeMetrics::default()
                }],
                ..ResourceMetrics::default()
            }],
        };
        check(Signal::Metrics, metrics, 2);
    }
}
