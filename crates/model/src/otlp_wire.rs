//! Checking OTLP export requests in their protobuf form without decoding
//! them: a walk over the wire format, driven by the messages' field tables,
//! that accepts only what `prost` would decode and counts the items
//! (spans, metric data points, log records) on the way, allocating nothing.
//!
//! The walk is allowed to refuse more than prost (groups, very deep nesting):
//! [`crate::otlp::Payload::from_encoded`] then lets prost decide. It must
//! never accept what prost refuses, since a payload's bytes are decoded later
//! on the promise that they are valid.

use crate::otlp::Signal;

/// What a field holds, as far as its wire form goes.
#[derive(Clone, Copy)]
enum Field {
    /// int32, int64, uint32, uint64, sint32, bool, enum: wire type 0.
    Varint,
    /// fixed64, sfixed64, double: wire type 1.
    Fixed64,
    /// fixed32: wire type 5.
    Fixed32,
    /// string: wire type 2, UTF-8.
    Str,
    /// bytes: wire type 2.
    Bytes,
    /// An embedded message: wire type 2.
    Message(Schema),
    /// An embedded message that is one item of the request.
    Item(Schema),
    /// One member of `Metric.data`: its items count only if it is the last
    /// member present, as prost keeps the last oneof member.
    DataMember(Schema),
    /// repeated fixed64 or double: packed (wire type 2) or not (1).
    RepeatedFixed64,
    /// repeated uint64: packed (wire type 2) or not (0).
    RepeatedVarint,
}

/// A message's fields by number; fields not listed are skipped, as prost
/// skips unknown fields.
type Schema = &'static [(u64, Field)];

use Field::*;

static ANY_VALUE: [(u64, Field); 8] = [
    (1, Str),
    (2, Varint),
    (3, Varint),
    (4, Fixed64),
    (5, Message(&ARRAY_VALUE)),
    (6, Message(&KEY_VALUE_LIST)),
    (7, Bytes),
    (8, Varint),
];
static ARRAY_VALUE: [(u64, Field); 1] = [(1, Message(&ANY_VALUE))];
static KEY_VALUE_LIST: [(u64, Field); 1] = [(1, Message(&KEY_VALUE))];
static KEY_VALUE: [(u64, Field); 3] = [(1, Str), (2, Message(&ANY_VALUE)), (3, Varint)];
static SCOPE: [(u64, Field); 4] = [(1, Str), (2, Str), (3, Message(&KEY_VALUE)), (4, Varint)];
static ENTITY_REF: [(u64, Field); 4] = [(1, Str), (2, Str), (3, Str), (4, Str)];
static RESOURCE: [(u64, Field); 3] = [
    (1, Message(&KEY_VALUE)),
    (2, Varint),
    (3, Message(&ENTITY_REF)),
];

static TRACES: [(u64, Field); 1] = [(1, Message(&RESOURCE_SPANS))];
static RESOURCE_SPANS: [(u64, Field); 3] = [
    (1, Message(&RESOURCE)),
    (2, Message(&SCOPE_SPANS)),
    (3, Str),
];
static SCOPE_SPANS: [(u64, Field); 3] = [(1, Message(&SCOPE)), (2, Item(&SPAN)), (3, Str)];
static SPAN: [(u64, Field); 16] = [
    (1, Bytes),
    (2, Bytes),
    (3, Str),
    (4, Bytes),
    (5, Str),
    (6, Varint),
    (7, Fixed64),
    (8, Fixed64),
    (9, Message(&KEY_VALUE)),
    (10, Varint),
    (11, Message(&EVENT)),
    (12, Varint),
    (13, Message(&LINK)),
    (14, Varint),
    (15, Message(&STATUS)),
    (16, Fixed32),
];
static EVENT: [(u64, Field); 4] = [
    (1, Fixed64),
    (2, Str),
    (3, Message(&KEY_VALUE)),
    (4, Varint),
];
static LINK: [(u64, Field); 6] = [
    (1, Bytes),
    (2, Bytes),
    (3, Str),
    (4, Message(&KEY_VALUE)),
    (5, Varint),
    (6, Fixed32),
];
static STATUS: [(u64, Field); 2] = [(2, Str), (3, Varint)];

static LOGS: [(u64, Field); 1] = [(1, Message(&RESOURCE_LOGS))];
static RESOURCE_LOGS: [(u64, Field); 3] =
    [(1, Message(&RESOURCE)), (2, Message(&SCOPE_LOGS)), (3, Str)];
static SCOPE_LOGS: [(u64, Field); 3] = [(1, Message(&SCOPE)), (2, Item(&LOG_RECORD)), (3, Str)];
static LOG_RECORD: [(u64, Field); 11] = [
    (1, Fixed64),
    (2, Varint),
    (3, Str),
    (5, Message(&ANY_VALUE)),
    (6, Message(&KEY_VALUE)),
    (7, Varint),
    (8, Fixed32),
    (9, Bytes),
    (10, Bytes),
    (11, Fixed64),
    (12, Str),
];

static METRICS: [(u64, Field); 1] = [(1, Message(&RESOURCE_METRICS))];
static RESOURCE_METRICS: [(u64, Field); 3] = [
    (1, Message(&RESOURCE)),
    (2, Message(&SCOPE_METRICS)),
    (3, Str),
];
static SCOPE_METRICS: [(u64, Field); 3] = [(1, Message(&SCOPE)), (2, Message(&METRIC)), (3, Str)];
static METRIC: [(u64, Field); 9] = [
    (1, Str),
    (2, Str),
    (3, Str),
    (5, DataMember(&GAUGE)),
    (7, DataMember(&SUM)),
    (9, DataMember(&HISTOGRAM)),
    (10, DataMember(&EXPONENTIAL_HISTOGRAM)),
    (11, DataMember(&SUMMARY)),
    (12, Message(&KEY_VALUE)),
];
static GAUGE: [(u64, Field); 1] = [(1, Item(&NUMBER_POINT))];
static SUM: [(u64, Field); 3] = [(1, Item(&NUMBER_POINT)), (2, Varint), (3, Varint)];
static HISTOGRAM: [(u64, Field); 2] = [(1, Item(&HISTOGRAM_POINT)), (2, Varint)];
static EXPONENTIAL_HISTOGRAM: [(u64, Field); 2] = [(1, Item(&EXPONENTIAL_POINT)), (2, Varint)];
static SUMMARY: [(u64, Field); 1] = [(1, Item(&SUMMARY_POINT))];
static NUMBER_POINT: [(u64, Field); 7] = [
    (2, Fixed64),
    (3, Fixed64),
    (4, Fixed64),
    (5, Message(&EXEMPLAR)),
    (6, Fixed64),
    (7, Message(&KEY_VALUE)),
    (8, Varint),
];
static HISTOGRAM_POINT: [(u64, Field); 11] = [
    (2, Fixed64),
    (3, Fixed64),
    (4, Fixed64),
    (5, Fixed64),
    (6, RepeatedFixed64),
    (7, RepeatedFixed64),
    (8, Message(&EXEMPLAR)),
    (9, Message(&KEY_VALUE)),
    (10, Varint),
    (11, Fixed64),
    (12, Fixed64),
];
static EXPONENTIAL_POINT: [(u64, Field); 14] = [
    (1, Message(&KEY_VALUE)),
    (2, Fixed64),
    (3, Fixed64),
    (4, Fixed64),
    (5, Fixed64),
    (6, Varint),
    (7, Fixed64),
    (8, Message(&BUCKETS)),
    (9, Message(&BUCKETS)),
    (10, Varint),
    (11, Message(&EXEMPLAR)),
    (12, Fixed64),
    (13, Fixed64),
    (14, Fixed64),
];
static BUCKETS: [(u64, Field); 2] = [(1, Varint), (2, RepeatedVarint)];
static SUMMARY_POINT: [(u64, Field); 7] = [
    (2, Fixed64),
    (3, Fixed64),
    (4, Fixed64),
    (5, Fixed64),
    (6, Message(&VALUE_AT_QUANTILE)),
    (7, Message(&KEY_VALUE)),
    (8, Varint),
];
static VALUE_AT_QUANTILE: [(u64, Field); 2] = [(1, Fixed64), (2, Fixed64)];
static EXEMPLAR: [(u64, Field); 6] = [
    (2, Fixed64),
    (3, Fixed64),
    (4, Bytes),
    (5, Bytes),
    (6, Fixed64),
    (7, Message(&KEY_VALUE)),
];

/// Nesting deeper than this is left to prost (whose limit is 100).
const MAX_DEPTH: u32 = 64;

/// Not provably valid; prost decides.
struct Unsure;

type Walk<T> = Result<T, Unsure>;

/// Reads a varint as prost does: at most ten bytes, the tenth at most 1.
fn varint(buf: &mut &[u8]) -> Walk<u64> {
    let mut value = 0u64;
    for i in 0..10 {
        let (&byte, rest) = buf.split_first().ok_or(Unsure)?;
        *buf = rest;
        if i == 9 && byte > 1 {
            return Err(Unsure);
        }
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte < 0x80 {
            return Ok(value);
        }
    }
    Err(Unsure)
}

fn take<'a>(buf: &mut &'a [u8], len: u64) -> Walk<&'a [u8]> {
    let len = usize::try_from(len).map_err(|_| Unsure)?;
    let (taken, rest) = buf.split_at_checked(len).ok_or(Unsure)?;
    *buf = rest;
    Ok(taken)
}

/// Walks the message in `buf`; returns its items.
fn message(mut buf: &[u8], schema: Schema, depth: u32) -> Walk<usize> {
    if depth > MAX_DEPTH {
        return Err(Unsure);
    }
    let mut items = 0;
    // The items of the last `Metric.data` member seen, and its field number.
    let mut data_member: Option<(u64, usize)> = None;
    while !buf.is_empty() {
        let key = varint(&mut buf)?;
        if key > u64::from(u32::MAX) || key >> 3 == 0 {
            return Err(Unsure);
        }
        let (number, wire_type) = (key >> 3, key & 7);
        let field = schema.iter().find(|(n, _)| *n == number).map(|(_, f)| *f);
        match (field, wire_type) {
            (None | Some(Varint | RepeatedVarint), 0) => {
                varint(&mut buf)?;
            }
            (None | Some(Fixed64 | RepeatedFixed64), 1) => {
                take(&mut buf, 8)?;
            }
            (None | Some(Fixed32), 5) => {
                take(&mut buf, 4)?;
            }
            (field, 2) => {
                let len = varint(&mut buf)?;
                let value = take(&mut buf, len)?;
                match field {
                    None | Some(Bytes) => {}
                    Some(Str) => {
                        std::str::from_utf8(value).map_err(|_| Unsure)?;
                    }
                    Some(Message(inner)) => items += message(value, inner, depth + 1)?,
                    Some(Item(inner)) => items += 1 + message(value, inner, depth + 1)?,
                    Some(DataMember(inner)) => {
                        let points = message(value, inner, depth + 1)?;
                        data_member = Some(match data_member {
                            // The same member again: prost merges them.
                            Some((seen, before)) if seen == number => (number, before + points),
                            _ => (number, points),
                        });
                    }
                    Some(RepeatedFixed64) => {
                        if value.len() % 8 != 0 {
                            return Err(Unsure);
                        }
                    }
                    Some(RepeatedVarint) => {
                        let mut packed = value;
                        while !packed.is_empty() {
                            varint(&mut packed)?;
                        }
                    }
                    Some(Varint | Fixed64 | Fixed32) => return Err(Unsure),
                }
            }
            // A known field in the wrong wire type, a group, a bad wire type.
            _ => return Err(Unsure),
        }
    }
    Ok(items + data_member.map_or(0, |(_, points)| points))
}

/// The number of items in an encoded export request of `signal`, if the
/// bytes are certainly a request prost decodes.
pub(crate) fn items(signal: Signal, request: &[u8]) -> Option<usize> {
    let schema: Schema = match signal {
        Signal::Traces => &TRACES,
        Signal::Metrics => &METRICS,
        Signal::Logs => &LOGS,
    };
    message(request, schema, 0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otlp::{
        ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, Request,
    };
    use prost::Message as _;

    fn captured() -> Vec<(Signal, Vec<u8>)> {
        let dir = testutil::shared("testdata/payloads/otlp/captured");
        testutil::files_with_suffix(&dir, ".pb")
            .into_iter()
            .map(|path| {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let signal = Signal::ALL
                    .into_iter()
                    .find(|s| name.contains(s.as_str()))
                    .unwrap();
                (signal, std::fs::read(path).unwrap())
            })
            .collect()
    }

    /// What prost says: the item count, or `None` when it refuses.
    fn prost_items(signal: Signal, bytes: &[u8]) -> Option<usize> {
        match signal {
            Signal::Traces => ExportTraceServiceRequest::decode(bytes)
                .ok()
                .map(|m| m.item_count()),
            Signal::Metrics => ExportMetricsServiceRequest::decode(bytes)
                .ok()
                .map(|m| m.item_count()),
            Signal::Logs => ExportLogsServiceRequest::decode(bytes)
                .ok()
                .map(|m| m.item_count()),
        }
    }

    #[test]
    fn captured_requests_are_accepted_and_counted_like_prost() {
        for (signal, bytes) in captured() {
            let counted = items(signal, &bytes);
            assert!(counted.is_some(), "{signal:?}");
            assert_eq!(counted, prost_items(signal, &bytes));
        }
    }

    /// A small deterministic generator, for reproducible mutations.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Damaged requests: whatever the walk accepts, prost must decode, to
    /// the same item count.
    #[test]
    fn never_accepts_what_prost_refuses() {
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        let mut accepted = 0;
        let mut refused = 0;
        for (signal, original) in captured() {
            for _ in 0..3000 {
                let mut bytes = original.clone();
                for _ in 0..=rng.below(3) {
                    let at = rng.below(bytes.len());
                    match rng.below(5) {
                        0 => bytes[at] ^= 1 << rng.below(8),
                        1 => bytes[at] = rng.next() as u8,
                        2 => bytes.truncate(at),
                        3 => bytes.insert(at, rng.next() as u8),
                        _ => {
                            bytes.remove(at);
                        }
                    }
                    if bytes.is_empty() {
                        break;
                    }
                }
                match items(signal, &bytes) {
                    Some(n) => {
                        accepted += 1;
                        assert_eq!(prost_items(signal, &bytes), Some(n), "{signal:?} {bytes:?}");
                    }
                    None => refused += 1,
                }
            }
        }
        assert!(
            accepted > 1000 && refused > 1000,
            "{accepted} accepted, {refused} refused"
        );
    }

    #[test]
    fn the_last_metric_data_member_counts() {
        use opentelemetry_proto::tonic::metrics::v1::{
            Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric::Data,
        };
        let metric = |data| Metric {
            data: Some(data),
            ..Metric::default()
        };
        let gauge = metric(Data::Gauge(Gauge {
            data_points: vec![NumberDataPoint::default(); 3],
        }))
        .encode_to_vec();
        let sum = metric(Data::Sum(Sum {
            data_points: vec![NumberDataPoint::default(); 2],
            ..Sum::default()
        }))
        .encode_to_vec();
        // One metric whose encoding holds a gauge, then a sum, then a gauge
        // again: concatenated messages merge.
        let mut merged = gauge.clone();
        merged.extend_from_slice(&sum);
        merged.extend_from_slice(&gauge);
        let request = ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                scope_metrics: vec![ScopeMetrics {
                    metrics: vec![Metric::decode(&merged[..]).unwrap()],
                    ..ScopeMetrics::default()
                }],
                ..ResourceMetrics::default()
            }],
        };
        assert_eq!(request.item_count(), 3);
        // Re-encode with the raw merged metric bytes in place.
        let mut scope = Vec::new();
        prost::encoding::encode_key(2, prost::encoding::WireType::LengthDelimited, &mut scope);
        prost::encoding::encode_varint(merged.len() as u64, &mut scope);
        scope.extend_from_slice(&merged);
        let mut resource = Vec::new();
        prost::encoding::bytes::encode(2, &scope, &mut resource);
        let mut bytes = Vec::new();
        prost::encoding::bytes::encode(1, &resource, &mut bytes);
        assert_eq!(prost_items(Signal::Metrics, &bytes), Some(3));
        assert_eq!(items(Signal::Metrics, &bytes), Some(3));
    }
}
