//! Realistic OTLP export requests for load generation: the shapes an
//! instrumented web service sends (a resource with service and host
//! attributes, server spans with the HTTP semantic-convention attributes,
//! request counters, gauges and latency histograms, access-log records). They
//! are encoded once into a pool so sending costs no encoding.

use crate::Signal;
use bytes::Bytes;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    AnyValue, InstrumentationScope, KeyValue, any_value::Value,
};
use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint,
    ResourceMetrics, ScopeMetrics, Sum, metric::Data, number_data_point,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status, span};
use prost::Message;
use std::time::{SystemTime, UNIX_EPOCH};

const ROUTES: [&str; 6] = [
    "/api/users/{id}",
    "/api/orders",
    "/api/orders/{id}/items",
    "/api/cart",
    "/health",
    "/api/search",
];
const METHODS: [&str; 4] = ["GET", "POST", "PUT", "DELETE"];
const STATUS_CODES: [i64; 5] = [200, 200, 201, 404, 500];
/// Data points per metric: one per attribute combination, as an SDK reports.
const POINTS_PER_METRIC: usize = 10;
const LATENCY_BOUNDS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

/// Makes export requests from a seeded pseudo-random sequence, so pools are
/// reproducible.
pub struct Generator {
    state: u64,
    now_ns: u64,
}

impl Generator {
    pub fn new(seed: u64) -> Generator {
        let now_ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Generator {
            state: seed,
            now_ns,
        }
    }

    /// `count` distinct encoded requests of `batch` items each.
    pub fn pool(&mut self, signal: Signal, batch: usize, count: usize) -> Vec<Bytes> {
        (0..count)
            .map(|_| Bytes::from(self.request(signal, batch)))
            .collect()
    }

    /// One encoded request holding exactly `batch` spans, data points or log
    /// records.
    pub fn request(&mut self, signal: Signal, batch: usize) -> Vec<u8> {
        match signal {
            Signal::Traces => self.traces(batch).encode_to_vec(),
            Signal::Metrics => self.metrics(batch).encode_to_vec(),
            Signal::Logs => self.logs(batch).encode_to_vec(),
        }
    }

    fn traces(&mut self, batch: usize) -> ExportTraceServiceRequest {
        let spans = (0..batch).map(|_| self.span()).collect();
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(self.resource()),
                scope_spans: vec![ScopeSpans {
                    scope: Some(scope("io.opentelemetry.http-server")),
                    spans,
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    fn span(&mut self) -> Span {
        let route = self.pick(&ROUTES);
        let method = self.pick(&METHODS);
        let status = self.pick(&STATUS_CODES);
        let duration = 1_000_000 + self.next() % 200_000_000;
        let start = self.now_ns - duration;
        Span {
            trace_id: self.id(16),
            span_id: self.id(8),
            parent_span_id: self.id(8),
            name: format!("{method} {route}"),
            kind: span::SpanKind::Server as i32,
            start_time_unix_nano: start,
            end_time_unix_nano: start + duration,
            attributes: vec![
                string("http.request.method", method),
                string("http.route", route),
                string("url.path", &route.replace("{id}", &self.number(10_000))),
                string("url.scheme", "https"),
                int("http.response.status_code", status),
                string("server.address", "shop.example.com"),
                int("server.port", 443),
                string(
                    "client.address",
                    &format!("10.0.{}.{}", self.number(255), self.number(255)),
                ),
                string(
                    "user_agent.original",
                    "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
                ),
                string("network.protocol.version", "1.1"),
            ],
            status: Some(Status {
                code: if status >= 500 { 2 } else { 0 },
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn metrics(&mut self, batch: usize) -> ExportMetricsServiceRequest {
        let mut metrics = Vec::new();
        let mut remaining = batch;
        let mut kind = 0;
        while remaining > 0 {
            let points = remaining.min(POINTS_PER_METRIC);
            metrics.push(self.metric(kind, points));
            remaining -= points;
            kind += 1;
        }
        ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                resource: Some(self.resource()),
                scope_metrics: vec![ScopeMetrics {
                    scope: Some(scope("io.opentelemetry.http-server")),
                    metrics,
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    /// The `kind`-th metric of a request: a counter, a gauge and a histogram
    /// in turn, each with `points` data points.
    fn metric(&mut self, kind: usize, points: usize) -> Metric {
        let start = self.now_ns - 60_000_000_000;
        let now = self.now_ns;
        let (name, unit, data) = match kind % 3 {
            0 => {
                let data_points = (0..points)
                    .map(|i| NumberDataPoint {
                        attributes: self.point_attributes(i),
                        start_time_unix_nano: start,
                        time_unix_nano: now,
                        value: Some(number_data_point::Value::AsInt(
                            (self.next() % 100_000) as i64,
                        )),
                        ..Default::default()
                    })
                    .collect();
                let sum = Sum {
                    data_points,
                    aggregation_temporality: AggregationTemporality::Cumulative as i32,
                    is_monotonic: true,
                };
                ("http.server.request.count", "{request}", Data::Sum(sum))
            }
            1 => {
                let data_points = (0..points)
                    .map(|i| NumberDataPoint {
                        attributes: self.point_attributes(i),
                        time_unix_nano: now,
                        value: Some(number_data_point::Value::AsDouble(
                            (self.next() % 10_000) as f64 / 100.0,
                        )),
                        ..Default::default()
                    })
                    .collect();
                (
                    "http.server.active_requests",
                    "{request}",
                    Data::Gauge(Gauge { data_points }),
                )
            }
            _ => {
                let data_points = (0..points)
                    .map(|i| self.histogram_point(i, start))
                    .collect();
                let histogram = Histogram {
                    data_points,
                    aggregation_temporality: AggregationTemporality::Cumulative as i32,
                };
                (
                    "http.server.request.duration",
                    "s",
                    Data::Histogram(histogram),
                )
            }
        };
        Metric {
            name: name.into(),
            unit: unit.into(),
            data: Some(data),
            ..Default::default()
        }
    }

    fn histogram_point(&mut self, series: usize, start: u64) -> HistogramDataPoint {
        let bucket_counts: Vec<u64> = (0..=LATENCY_BOUNDS.len())
            .map(|_| self.next() % 1000)
            .collect();
        let count = bucket_counts.iter().sum();
        HistogramDataPoint {
            attributes: self.point_attributes(series),
            start_time_unix_nano: start,
            time_unix_nano: self.now_ns,
            count,
            sum: Some(count as f64 * 0.042),
            bucket_counts,
            explicit_bounds: LATENCY_BOUNDS.to_vec(),
            min: Some(0.001),
            max: Some(4.2),
            ..Default::default()
        }
    }

    /// The attributes of the `series`-th point of a metric.
    fn point_attributes(&self, series: usize) -> Vec<KeyValue> {
        vec![
            string("http.request.method", METHODS[series % METHODS.len()]),
            string("http.route", ROUTES[series % ROUTES.len()]),
            int(
                "http.response.status_code",
                STATUS_CODES[series % STATUS_CODES.len()],
            ),
        ]
    }

    fn logs(&mut self, batch: usize) -> ExportLogsServiceRequest {
        let log_records = (0..batch).map(|_| self.log_record()).collect();
        ExportLogsServiceRequest {
            resource_logs: vec![ResourceLogs {
                resource: Some(self.resource()),
                scope_logs: vec![ScopeLogs {
                    scope: Some(scope("io.opentelemetry.access-log")),
                    log_records,
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    fn log_record(&mut self) -> LogRecord {
        let route = self.pick(&ROUTES);
        let method = self.pick(&METHODS);
        let status = self.pick(&STATUS_CODES);
        let (severity_number, severity_text) = if status >= 500 {
            (17, "ERROR")
        } else {
            (9, "INFO")
        };
        LogRecord {
            time_unix_nano: self.now_ns,
            observed_time_unix_nano: self.now_ns,
            severity_number,
            severity_text: severity_text.into(),
            body: Some(AnyValue {
                value: Some(Value::StringValue(format!(
                    "{method} {route} completed with {status} in {}ms",
                    self.number(900)
                ))),
            }),
            attributes: vec![
                string("http.request.method", method),
                string("http.route", route),
                int("http.response.status_code", status),
                string(
                    "client.address",
                    &format!("10.0.{}.{}", self.number(255), self.number(255)),
                ),
                string("log.logger", "access"),
            ],
            trace_id: self.id(16),
            span_id: self.id(8),
            flags: 1,
            ..Default::default()
        }
    }

    fn resource(&mut self) -> Resource {
        Resource {
            attributes: vec![
                string("service.name", "checkout"),
                string("service.namespace", "shop"),
                string("service.version", "1.42.0"),
                string(
                    "service.instance.id",
                    &format!("checkout-{}", self.number(8)),
                ),
                string("deployment.environment.name", "production"),
                string("host.name", "node-17.eu-west-1.example.com"),
                string("telemetry.sdk.name", "opentelemetry"),
                string("telemetry.sdk.language", "java"),
                string("telemetry.sdk.version", "1.45.0"),
            ],
            ..Default::default()
        }
    }

    fn id(&mut self, len: usize) -> Vec<u8> {
        let mut id = Vec::with_capacity(len);
        while id.len() < len {
            id.extend_from_slice(&self.next().to_le_bytes());
        }
        id.truncate(len);
        id
    }

    fn number(&mut self, below: u64) -> String {
        (self.next() % below).to_string()
    }

    fn pick<T: Copy>(&mut self, choices: &[T]) -> T {
        choices[(self.next() % choices.len() as u64) as usize]
    }

    /// splitmix64: fast, and good enough to make ids and values distinct.
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn scope(name: &str) -> InstrumentationScope {
    InstrumentationScope {
        name: name.into(),
        version: "2.10.0".into(),
        ..Default::default()
    }
}

fn string(key: &str, value: &str) -> KeyValue {
    attribute(key, Value::StringValue(value.into()))
}

fn int(key: &str, value: i64) -> KeyValue {
    attribute(key, Value::IntValue(value))
}

fn attribute(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}
