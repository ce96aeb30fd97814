//! The OTLP data plane (ARCHITECTURE.md): `otelcol.Consumer`s take one signal's
//! export request at a time — receiver → processors → exporters.
//!
//! A [`Payload`] keeps the protobuf bytes it arrived as until a component needs
//! to look inside, so a pipeline that only batches and forwards never decodes
//! and re-encodes (hot-path rule: forward OTLP bytes untouched).

use bytes::Bytes;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

pub use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
pub use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
pub use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::metrics::v1::Metric;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;

/// The three OTLP signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Signal {
    Traces,
    Metrics,
    Logs,
}

impl Signal {
    pub const ALL: [Signal; 3] = [Signal::Traces, Signal::Metrics, Signal::Logs];

    /// `traces`, `metrics`, `logs`: the `output` block's attribute names.
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Metrics => "metrics",
            Signal::Logs => "logs",
        }
    }

    /// What one item is called in the Collector's self-metrics
    /// (`otelcol_receiver_accepted_spans`, `…_metric_points`, `…_log_records`).
    pub fn item_name(self) -> &'static str {
        match self {
            Signal::Traces => "spans",
            Signal::Metrics => "metric_points",
            Signal::Logs => "log_records",
        }
    }
}

/// An export request message of one signal.
pub trait Request: prost::Message + Default + Clone + PartialEq + 'static {
    const SIGNAL: Signal;
    /// Spans, metric data points or log records in the request.
    fn item_count(&self) -> usize;
}

impl Request for ExportTraceServiceRequest {
    const SIGNAL: Signal = Signal::Traces;
    fn item_count(&self) -> usize {
        self.resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len())
            .sum()
    }
}

impl Request for ExportMetricsServiceRequest {
    const SIGNAL: Signal = Signal::Metrics;
    fn item_count(&self) -> usize {
        self.resource_metrics
            .iter()
            .flat_map(|r| &r.scope_metrics)
            .flat_map(|s| &s.metrics)
            .map(data_points)
            .sum()
    }
}

/// How many data points a metric has, whatever its type.
pub fn data_points(metric: &Metric) -> usize {
    match &metric.data {
        Some(Data::Gauge(g)) => g.data_points.len(),
        Some(Data::Sum(s)) => s.data_points.len(),
        Some(Data::Histogram(h)) => h.data_points.len(),
        Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
        Some(Data::Summary(s)) => s.data_points.len(),
        None => 0,
    }
}

impl Request for ExportLogsServiceRequest {
    const SIGNAL: Signal = Signal::Logs;
    fn item_count(&self) -> usize {
        self.resource_logs
            .iter()
            .flat_map(|r| &r.scope_logs)
            .map(|s| s.log_records.len())
            .sum()
    }
}

/// One request's worth of one signal, as protobuf bytes, as a message, or both.
#[derive(Clone, Debug, PartialEq)]
pub struct Payload<M> {
    encoded: Option<Bytes>,
    decoded: Option<M>,
    items: usize,
}

impl<M: Request> Payload<M> {
    pub fn from_message(message: M) -> Payload<M> {
        Payload {
            items: message.item_count(),
            encoded: None,
            decoded: Some(message),
        }
    }

    /// Takes protobuf bytes, checking that they are a well-formed request.
    /// A walk over the wire format checks and counts without decoding;
    /// what it cannot vouch for is decoded, so prost decides and says why.
    pub fn from_encoded(bytes: Bytes) -> Result<Payload<M>, prost::DecodeError> {
        let items = match crate::otlp_wire::items(M::SIGNAL, &bytes) {
            Some(items) => items,
            None => M::decode(bytes.clone())?.item_count(),
        };
        Ok(Payload {
            items,
            encoded: Some(bytes),
            decoded: None,
        })
    }

    /// Joins payloads of one signal into one request without decoding them: a
    /// request's only field is its repeated resource list, so the concatenated
    /// encodings are the encoding of the joined request.
    pub fn concat(parts: Vec<Payload<M>>) -> Payload<M> {
        if parts.len() == 1 {
            return parts.into_iter().next().expect("one part");
        }
        let mut items = 0;
        let mut bytes = bytes::BytesMut::new();
        for mut part in parts {
            items += part.items;
            bytes.extend_from_slice(&part.encoded());
        }
        Payload {
            encoded: Some(bytes.freeze()),
            decoded: None,
            items,
        }
    }

    /// Spans, metric points or log records.
    pub fn items(&self) -> usize {
        self.items
    }

    /// The protobuf encoding, made once if the payload only has a message.
    pub fn encoded(&mut self) -> Bytes {
        if let Some(bytes) = &self.encoded {
            return bytes.clone();
        }
        let message = self.decoded.as_ref().expect("a payload has a form");
        let bytes = Bytes::from(message.encode_to_vec());
        self.encoded = Some(bytes.clone());
        bytes
    }

    /// The message, decoded once if the payload only has bytes.
    pub fn message(&mut self) -> &M {
        self.ensure_decoded();
        self.decoded.as_ref().expect("decoded above")
    }

    /// Changes the message; the bytes are dropped and the items recounted.
    pub fn modify<R>(&mut self, change: impl FnOnce(&mut M) -> R) -> R {
        self.ensure_decoded();
        self.encoded = None;
        let message = self.decoded.as_mut().expect("decoded above");
        let result = change(message);
        self.items = message.item_count();
        result
    }

    pub fn into_message(mut self) -> M {
        self.ensure_decoded();
        self.decoded.take().expect("decoded above")
    }

    fn ensure_decoded(&mut self) {
        if self.decoded.is_none() {
            let bytes = self.encoded.as_ref().expect("a payload has a form");
            // `from_encoded` checked the bytes, and nothing changes them.
            self.decoded = Some(M::decode(bytes.clone()).expect("validated on arrival"));
        }
    }
}

/// Data of one of the three signals.
#[derive(Clone, Debug, PartialEq)]
pub enum Telemetry {
    Traces(Payload<ExportTraceServiceRequest>),
    Metrics(Payload<ExportMetricsServiceRequest>),
    Logs(Payload<ExportLogsServiceRequest>),
}

impl Telemetry {
    pub fn signal(&self) -> Signal {
        match self {
            Telemetry::Traces(_) => Signal::Traces,
            Telemetry::Metrics(_) => Signal::Metrics,
            Telemetry::Logs(_) => Signal::Logs,
        }
    }

    pub fn items(&self) -> usize {
        match self {
            Telemetry::Traces(p) => p.items(),
            Telemetry::Metrics(p) => p.items(),
            Telemetry::Logs(p) => p.items(),
        }
    }
}

/// Who sent a request, as the receiver saw it; processors read it for
/// `from_context` and batching by `metadata_keys`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientInfo {
    pub address: Option<SocketAddr>,
    /// Request headers (HTTP) or metadata (gRPC), names in lower case; only when
    /// the receiver's `include_metadata` is set.
    pub metadata: Vec<(String, Vec<String>)>,
    /// What the server-side authenticator learnt (e.g. `username`).
    pub auth: Vec<(String, String)>,
}

impl ClientInfo {
    /// The values of metadata key `name` (case-insensitive).
    pub fn metadata(&self, name: &str) -> &[String] {
        self.metadata
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map_or(&[], |(_, values)| values.as_slice())
    }
}

/// The request context that travels with the data.
pub type Context = Arc<ClientInfo>;

/// Why a consumer refused data.
#[derive(Clone, Debug, PartialEq)]
pub struct ConsumeError {
    pub message: String,
    pub kind: ConsumeErrorKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConsumeErrorKind {
    /// Sending again later may succeed (memory limit, full queue): gRPC
    /// `UNAVAILABLE`, HTTP 503 (or 429 with `Retry-After` when a delay is known).
    Retryable { retry_after: Option<Duration> },
    /// The data will never be taken: gRPC `INVALID_ARGUMENT`, HTTP 400.
    Permanent,
}

impl ConsumeError {
    pub fn retryable(message: impl Into<String>) -> ConsumeError {
        ConsumeError {
            message: message.into(),
            kind: ConsumeErrorKind::Retryable { retry_after: None },
        }
    }

    pub fn permanent(message: impl Into<String>) -> ConsumeError {
        ConsumeError {
            message: message.into(),
            kind: ConsumeErrorKind::Permanent,
        }
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self.kind, ConsumeErrorKind::Retryable { .. })
    }
}

impl fmt::Display for ConsumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConsumeError {}

pub type ConsumeFuture = Pin<Box<dyn Future<Output = Result<(), ConsumeError>> + Send>>;

/// A component input for OTLP data. The future resolves when the data has been
/// taken (queued, forwarded or refused), which carries back-pressure to senders.
pub trait Consume: Send + Sync {
    fn consume(&self, data: Telemetry, context: Context) -> ConsumeFuture;
}

/// An `otelcol.Consumer` capsule: what `output { traces = [...] }` lists hold and
/// what processors and exporters export as `input`.
#[derive(Clone)]
pub struct Consumer(pub Arc<dyn Consume>);

crate::arc_capsule!(Consumer, "otelcol.Consumer", receiver = true);

impl Consumer {
    pub fn new(consume: impl Consume + 'static) -> Consumer {
        Consumer(Arc::new(consume))
    }

    pub fn consume(&self, data: Telemetry, context: Context) -> ConsumeFuture {
        self.0.consume(data, context)
    }
}

/// Sends `data` to every consumer (a clone each but the last; bytes are shared)
/// and waits for all; the first refusal is returned.
pub async fn fan_out(
    consumers: &[Consumer],
    data: Telemetry,
    context: Context,
) -> Result<(), ConsumeError> {
    let Some((last, rest)) = consumers.split_last() else {
        return Ok(());
    };
    let mut sends: Vec<ConsumeFuture> = rest
        .iter()
        .map(|c| c.consume(data.clone(), context.clone()))
        .collect();
    sends.push(last.consume(data, context));
    let mut first_error = None;
    for send in sends {
        if let Err(e) = send.await {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
    use parking_lot::Mutex;
    use prost::Message;

    fn traces(spans: usize) -> ExportTraceServiceRequest {
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans: (0..spans)
                        .map(|i| Span {
                            name: format!("span {i}"),
                            ..Span::default()
                        })
                        .collect(),
                    ..ScopeSpans::default()
                }],
                ..ResourceSpans::default()
            }],
        }
    }

    #[test]
    fn payload_keeps_bytes_until_modified() {
        let bytes = Bytes::from(traces(3).encode_to_vec());
        let mut payload =
            Payload::<ExportTraceServiceRequest>::from_encoded(bytes.clone()).unwrap();
        assert_eq!(payload.items(), 3);
        assert_eq!(payload.message(), &traces(3));
        assert_eq!(
            payload.encoded(),
            bytes,
            "the original bytes, not a re-encoding"
        );
        payload.modify(|m| m.resource_spans[0].scope_spans[0].spans.pop());
        assert_eq!(payload.items(), 2);
        assert_eq!(payload.encoded(), Bytes::from(traces(2).encode_to_vec()));
        assert!(
            Payload::<ExportTraceServiceRequest>::from_encoded(Bytes::from_static(b"\x0a\x05ab"))
                .is_err()
        );
    }

    #[test]
    fn concat_joins_encodings_without_decoding() {
        let a = Payload::<ExportTraceServiceRequest>::from_encoded(Bytes::from(
            traces(2).encode_to_vec(),
        ))
        .unwrap();
        let b = Payload::from_message(traces(3));
        let mut joined = Payload::concat(vec![a, b]);
        assert_eq!(joined.items(), 5);
        let mut expected = traces(2);
        expected.resource_spans.extend(traces(3).resource_spans);
        assert_eq!(joined.message(), &expected);
    }

    struct Record(Mutex<Vec<usize>>, Option<ConsumeError>);

    impl Consume for Record {
        fn consume(&self, data: Telemetry, _: Context) -> ConsumeFuture {
            self.0.lock().push(data.items());
            let result = self.1.clone().map_or(Ok(()), Err);
            Box::pin(async move { result })
        }
    }

    #[tokio::test]
    async fn fan_out_reaches_all_and_reports_refusals() {
        let a = Arc::new(Record(Mutex::default(), None));
        let b = Arc::new(Record(
            Mutex::default(),
            Some(ConsumeError::retryable("full")),
        ));
        let consumers = [Consumer(a.clone()), Consumer(b.clone())];
        let data = Telemetry::Traces(Payload::from_message(traces(2)));
        let err = fan_out(&consumers, data, Context::default())
            .await
            .unwrap_err();
        assert!(err.is_retryable());
        assert_eq!(*a.0.lock(), [2]);
        assert_eq!(*b.0.lock(), [2]);
        assert_eq!(Consumer(a.clone()), Consumer(a));
    }
}
