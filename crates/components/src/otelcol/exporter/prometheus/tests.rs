use super::*;
use crate::testing::{field, options};
use model::labels::Labels;
use model::metrics::{AppendError, Appender, MetricType, is_stale_nan};
use model::otlp::{ClientInfo, Payload};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{
    AggregationTemporality, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram,
    HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, Summary,
    SummaryDataPoint, exponential_histogram_data_point::Buckets, metric::Data, number_data_point,
    summary_data_point::ValueAtQuantile,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use syntax::decode::Codec;

const T: u64 = 1_700_000_000_123_456_789;
const T_MS: i64 = 1_700_000_000_123;
const NOW_MS: i64 = 1_800_000_000_000;
const CUMULATIVE: i32 = AggregationTemporality::Cumulative as i32;
const DELTA: i32 = AggregationTemporality::Delta as i32;

fn kv(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.into())),
        }),
        ..KeyValue::default()
    }
}

fn metric(name: &str, unit: &str, data: Data) -> Metric {
    Metric {
        name: name.into(),
        unit: unit.into(),
        description: format!("about {name}"),
        data: Some(data),
        ..Metric::default()
    }
}

fn number(value: f64, attributes: Vec<KeyValue>) -> NumberDataPoint {
    NumberDataPoint {
        attributes,
        time_unix_nano: T,
        value: Some(number_data_point::Value::AsDouble(value)),
        ..NumberDataPoint::default()
    }
}

fn request(metrics: Vec<Metric>) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![ResourceMetrics {
            resource: Some(Resource {
                attributes: vec![
                    kv("service.name", "shop"),
                    kv("service.namespace", "prod"),
                    kv("service.instance.id", "i-1"),
                    kv("host.name", "box"),
                ],
                ..Resource::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(InstrumentationScope {
                    name: "lib".into(),
                    version: "1.2".into(),
                    attributes: vec![kv("scope.attr", "x")],
                    ..InstrumentationScope::default()
                }),
                metrics,
                ..ScopeMetrics::default()
            }],
            ..ResourceMetrics::default()
        }],
    }
}

fn defaults() -> Options {
    Arguments::default().options()
}

/// `name{labels} value @ms` per sample, sorted, for readable comparisons.
fn lines(batch: &MetricsBatch) -> Vec<String> {
    let mut lines: Vec<String> = batch
        .samples
        .iter()
        .map(|s| line(&s.labels, s.timestamp, s.value))
        .collect();
    lines.sort();
    lines
}

fn line(labels: &Labels, timestamp: i64, value: f64) -> String {
    let rest: Vec<String> = labels
        .iter()
        .filter(|(n, _)| *n != "__name__")
        .map(|(n, v)| format!("{n}={v:?}"))
        .collect();
    let value = if is_stale_nan(value) {
        "stale".to_owned()
    } else {
        value.to_string()
    };
    format!(
        "{}{{{}}} {value} @{timestamp}",
        labels.value("__name__"),
        rest.join(",")
    )
}

fn convert(request: &ExportMetricsServiceRequest, options: &Options) -> (MetricsBatch, Dropped) {
    Converter::default().convert(request, options, NOW_MS)
}

const BASE: &str =
    r#"instance="i-1",job="prod/shop",otel_scope_name="lib",otel_scope_version="1.2""#;

#[test]
fn gauges_get_job_instance_scope_labels_and_target_info() {
    let req = request(vec![metric(
        "cpu.utilization",
        "1",
        Data::Gauge(Gauge {
            data_points: vec![number(0.5, vec![kv("cpu", "0"), kv("2nd", "y")])],
        }),
    )]);
    let (batch, dropped) = convert(&req, &defaults());
    assert_eq!(dropped, Dropped::default());
    assert_eq!(
        lines(&batch),
        [
            format!(
                r#"cpu_utilization_ratio{{cpu="0",instance="i-1",job="prod/shop",key_2nd="y",otel_scope_name="lib",otel_scope_version="1.2"}} 0.5 @{T_MS}"#
            ),
            format!(r#"target_info{{host_name="box",instance="i-1",job="prod/shop"}} 1 @{NOW_MS}"#),
        ]
    );
    assert!(
        batch.metadata.is_empty(),
        "metadata only with honor_metadata"
    );
}

#[test]
fn scope_info_and_resource_attributes_on_request() {
    let req = request(vec![metric(
        "queue",
        "{item}",
        Data::Gauge(Gauge {
            data_points: vec![number(3.0, vec![])],
        }),
    )]);
    let options = Options {
        include_target_info: false,
        include_scope_info: true,
        include_scope_labels: false,
        resource_to_telemetry_conversion: true,
        ..defaults()
    };
    let (batch, _) = convert(&req, &options);
    assert_eq!(
        lines(&batch),
        [
            format!(
                r#"otel_scope_info{{instance="i-1",job="prod/shop",otel_scope_name="lib",otel_scope_version="1.2",scope_attr="x"}} 1 @{NOW_MS}"#
            ),
            format!(
                r#"queue{{host_name="box",instance="i-1",job="prod/shop",service_instance_id="i-1",service_name="shop",service_namespace="prod"}} 3 @{T_MS}"#
            ),
        ]
    );
}

#[test]
fn identifying_attributes_stay_on_target_info_when_asked() {
    let req = request(vec![]);
    let options = Options {
        keep_identifying_resource_attributes: true,
        ..defaults()
    };
    let (batch, _) = convert(&req, &options);
    assert_eq!(
        lines(&batch),
        [format!(
            r#"target_info{{host_name="box",instance="i-1",job="prod/shop",service_instance_id="i-1",service_name="shop",service_namespace="prod"}} 1 @{NOW_MS}"#
        )]
    );
}

fn sum(name: &str, temporality: i32, monotonic: bool, points: Vec<NumberDataPoint>) -> Metric {
    metric(
        name,
        "By",
        Data::Sum(Sum {
            data_points: points,
            aggregation_temporality: temporality,
            is_monotonic: monotonic,
        }),
    )
}

#[test]
fn cumulative_sums_are_counters_or_gauges_and_deltas_are_dropped() {
    let mut with_exemplar = number(10.0, vec![]);
    with_exemplar.exemplars = vec![opentelemetry_proto::tonic::metrics::v1::Exemplar {
        time_unix_nano: T,
        trace_id: vec![0xab; 16],
        span_id: vec![0x01; 8],
        value: Some(opentelemetry_proto::tonic::metrics::v1::exemplar::Value::AsInt(7)),
        ..Default::default()
    }];
    let req = request(vec![
        sum("net.io", CUMULATIVE, true, vec![with_exemplar]),
        sum("mem.used", CUMULATIVE, false, vec![number(5.0, vec![])]),
        sum(
            "net.delta",
            DELTA,
            true,
            vec![number(1.0, vec![]), number(2.0, vec![])],
        ),
        sum("mem.delta", DELTA, false, vec![number(1.0, vec![])]),
    ]);
    let options = Options {
        include_target_info: false,
        honor_metadata: true,
        ..defaults()
    };
    let (batch, dropped) = convert(&req, &options);
    assert_eq!(dropped.delta, 3);
    assert_eq!(
        lines(&batch),
        [
            format!("mem_used_bytes{{{BASE}}} 5 @{T_MS}"),
            format!("net_io_bytes_total{{{BASE}}} 10 @{T_MS}"),
        ]
    );
    assert_eq!(batch.exemplars.len(), 1);
    let exemplar = &batch.exemplars[0];
    assert_eq!(exemplar.series.value("__name__"), "net_io_bytes_total");
    assert_eq!(exemplar.labels.value("trace_id"), "ab".repeat(16));
    assert_eq!(exemplar.labels.value("span_id"), "01".repeat(8));
    assert_eq!((exemplar.value, exemplar.timestamp), (7.0, Some(T_MS)));
    let families: Vec<_> = batch
        .metadata
        .iter()
        .map(|m| {
            (
                m.family.as_str(),
                m.metric_type,
                m.help.as_str(),
                m.unit.as_str(),
            )
        })
        .collect();
    assert_eq!(
        families,
        [
            (
                "net_io_bytes_total",
                MetricType::Counter,
                "about net.io",
                "By"
            ),
            ("mem_used_bytes", MetricType::Gauge, "about mem.used", "By"),
        ]
    );
}

fn histogram_point(flags: u32) -> HistogramDataPoint {
    HistogramDataPoint {
        time_unix_nano: T,
        start_time_unix_nano: T - 60_000_000_000,
        count: 10,
        sum: Some(42.5),
        bucket_counts: vec![1, 2, 3, 4],
        explicit_bounds: vec![0.5, 1.0, 2.5],
        exemplars: vec![
            opentelemetry_proto::tonic::metrics::v1::Exemplar {
                value: Some(
                    opentelemetry_proto::tonic::metrics::v1::exemplar::Value::AsDouble(0.9),
                ),
                time_unix_nano: T,
                ..Default::default()
            },
            opentelemetry_proto::tonic::metrics::v1::Exemplar {
                value: Some(
                    opentelemetry_proto::tonic::metrics::v1::exemplar::Value::AsDouble(9.0),
                ),
                time_unix_nano: T,
                ..Default::default()
            },
        ],
        flags,
        ..HistogramDataPoint::default()
    }
}

fn histogram(name: &str, temporality: i32, points: Vec<HistogramDataPoint>) -> Metric {
    metric(
        name,
        "ms",
        Data::Histogram(Histogram {
            data_points: points,
            aggregation_temporality: temporality,
        }),
    )
}

#[test]
fn histograms_become_cumulative_buckets_sum_and_count() {
    let req = request(vec![
        histogram("http.server.duration", CUMULATIVE, vec![histogram_point(0)]),
        histogram("rpc.delta", DELTA, vec![histogram_point(0)]),
    ]);
    let options = Options {
        include_target_info: false,
        include_scope_labels: false,
        ..defaults()
    };
    let (batch, dropped) = convert(&req, &options);
    assert_eq!(dropped.delta, 1);
    let base = r#"instance="i-1",job="prod/shop""#;
    assert_eq!(
        lines(&batch),
        [
            format!(r#"http_server_duration_milliseconds_bucket{{{base},le="+Inf"}} 10 @{T_MS}"#),
            format!(r#"http_server_duration_milliseconds_bucket{{{base},le="0.5"}} 1 @{T_MS}"#),
            format!(r#"http_server_duration_milliseconds_bucket{{{base},le="1"}} 3 @{T_MS}"#),
            format!(r#"http_server_duration_milliseconds_bucket{{{base},le="2.5"}} 6 @{T_MS}"#),
            format!(r#"http_server_duration_milliseconds_count{{{base}}} 10 @{T_MS}"#),
            format!(r#"http_server_duration_milliseconds_sum{{{base}}} 42.5 @{T_MS}"#),
        ]
    );
    let exemplar_buckets: Vec<_> = batch
        .exemplars
        .iter()
        .map(|e| (e.series.value("le").to_owned(), e.value))
        .collect();
    assert_eq!(
        exemplar_buckets,
        [("1".to_owned(), 0.9), ("+Inf".to_owned(), 9.0)]
    );
}

#[test]
fn no_recorded_value_becomes_a_staleness_marker() {
    let mut gauge_point = number(1.0, vec![]);
    gauge_point.flags = 1;
    let req = request(vec![
        metric(
            "up",
            "",
            Data::Gauge(Gauge {
                data_points: vec![gauge_point],
            }),
        ),
        histogram("lat", CUMULATIVE, vec![histogram_point(1)]),
    ]);
    let options = Options {
        include_target_info: false,
        ..defaults()
    };
    let (batch, _) = convert(&req, &options);
    assert_eq!(batch.samples.len(), 1 + 6);
    assert!(
        batch.samples.iter().all(|s| is_stale_nan(s.value)),
        "{:?}",
        lines(&batch)
    );
}

#[test]
fn summaries_become_quantiles_sum_and_count() {
    let req = request(vec![metric(
        "rpc.latency",
        "s",
        Data::Summary(Summary {
            data_points: vec![SummaryDataPoint {
                time_unix_nano: T,
                count: 4,
                sum: 2.0,
                quantile_values: vec![
                    ValueAtQuantile {
                        quantile: 0.5,
                        value: 0.4,
                    },
                    ValueAtQuantile {
                        quantile: 0.99,
                        value: 0.9,
                    },
                ],
                ..SummaryDataPoint::default()
            }],
        }),
    )]);
    let options = Options {
        include_target_info: false,
        include_scope_labels: false,
        ..defaults()
    };
    let (batch, _) = convert(&req, &options);
    let base = r#"instance="i-1",job="prod/shop""#;
    assert_eq!(
        lines(&batch),
        [
            format!(r#"rpc_latency_seconds_count{{{base}}} 4 @{T_MS}"#),
            format!(r#"rpc_latency_seconds_sum{{{base}}} 2 @{T_MS}"#),
            format!(r#"rpc_latency_seconds{{{base},quantile="0.5"}} 0.4 @{T_MS}"#),
            format!(r#"rpc_latency_seconds{{{base},quantile="0.99"}} 0.9 @{T_MS}"#),
        ]
    );
}

fn exponential(scale: i32, negative: Vec<u64>) -> Metric {
    metric(
        "payload.size",
        "By",
        Data::ExponentialHistogram(ExponentialHistogram {
            aggregation_temporality: CUMULATIVE,
            data_points: vec![ExponentialHistogramDataPoint {
                time_unix_nano: T,
                count: 7,
                sum: Some(20.0),
                scale,
                zero_count: 1,
                positive: Some(Buckets {
                    offset: 0,
                    bucket_counts: vec![2, 0, 4],
                }),
                negative: Some(Buckets {
                    offset: 0,
                    bucket_counts: negative,
                }),
                ..ExponentialHistogramDataPoint::default()
            }],
        }),
    )
}

#[test]
fn exponential_histograms_become_classic_buckets_when_exact() {
    let options = Options {
        include_target_info: false,
        include_scope_labels: false,
        ..defaults()
    };
    let (batch, dropped) = convert(&request(vec![exponential(0, vec![0, 0])]), &options);
    assert_eq!(dropped, Dropped::default());
    let base = r#"instance="i-1",job="prod/shop""#;
    assert_eq!(
        lines(&batch),
        [
            format!(r#"payload_size_bytes_bucket{{{base},le="+Inf"}} 7 @{T_MS}"#),
            format!(r#"payload_size_bytes_bucket{{{base},le="0"}} 1 @{T_MS}"#),
            format!(r#"payload_size_bytes_bucket{{{base},le="2"}} 3 @{T_MS}"#),
            format!(r#"payload_size_bytes_bucket{{{base},le="4"}} 3 @{T_MS}"#),
            format!(r#"payload_size_bytes_bucket{{{base},le="8"}} 7 @{T_MS}"#),
            format!(r#"payload_size_bytes_count{{{base}}} 7 @{T_MS}"#),
            format!(r#"payload_size_bytes_sum{{{base}}} 20 @{T_MS}"#),
        ]
    );
    // Scale -1: base 4.
    let (batch, _) = convert(&request(vec![exponential(-1, vec![])]), &options);
    let bounds: Vec<_> = batch
        .samples
        .iter()
        .map(|s| s.labels.value("le").to_owned())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(bounds, ["0", "4", "16", "64", "+Inf"]);

    let (batch, dropped) = convert(&request(vec![exponential(0, vec![1])]), &options);
    assert!(batch.samples.is_empty());
    assert_eq!(dropped.exponential_histogram, 1);
    let (_, dropped) = convert(&request(vec![exponential(21, vec![])]), &options);
    assert_eq!(dropped.exponential_histogram, 1);
}

#[test]
fn older_points_of_a_series_are_dropped() {
    let converter = Converter::default();
    let options = Options {
        include_target_info: false,
        ..defaults()
    };
    let gauge = |t: u64| {
        request(vec![metric(
            "g",
            "",
            Data::Gauge(Gauge {
                data_points: vec![NumberDataPoint {
                    time_unix_nano: t,
                    ..number(1.0, vec![])
                }],
            }),
        )])
    };
    let (batch, _) = converter.convert(&gauge(T), &options, NOW_MS);
    assert_eq!(batch.samples.len(), 1);
    let (batch, dropped) = converter.convert(&gauge(T - 1_000_000_000), &options, NOW_MS);
    assert!(batch.samples.is_empty());
    assert_eq!(dropped.out_of_order, 1);
    let (batch, _) = converter.convert(&gauge(T), &options, NOW_MS);
    assert_eq!(batch.samples.len(), 1, "the same timestamp again is taken");
    // The series is forgotten once stale; an old point is then taken again.
    assert_eq!(converter.collect_garbage(Duration::from_secs(3600)), 1);
    assert_eq!(converter.collect_garbage(Duration::ZERO), 0);
    let (batch, _) = converter.convert(&gauge(T - 1_000_000_000), &options, NOW_MS);
    assert_eq!(batch.samples.len(), 1);
}

#[test]
fn start_timestamps_become_zero_samples_when_asked() {
    let mut point = number(10.0, vec![]);
    point.start_time_unix_nano = T - 30_000_000_000;
    let req = request(vec![sum("c", CUMULATIVE, true, vec![point])]);
    let options = Options {
        include_target_info: false,
        include_scope_labels: false,
        start_timestamp_zero_ingestion: true,
        ..defaults()
    };
    let converter = Converter::default();
    let (batch, _) = converter.convert(&req, &options, NOW_MS);
    let base = r#"instance="i-1",job="prod/shop""#;
    assert_eq!(
        lines(&batch),
        [
            format!("c_bytes_total{{{base}}} 0 @{}", T_MS - 30_000),
            format!("c_bytes_total{{{base}}} 10 @{T_MS}"),
        ]
    );
    let (batch, _) = converter.convert(&req, &options, NOW_MS);
    assert_eq!(
        lines(&batch),
        [format!("c_bytes_total{{{base}}} 10 @{T_MS}")],
        "once per start"
    );
}

/// The OpenTelemetry Python SDK's payloads, as captured from the wire.
#[test]
fn captured_sdk_payloads_convert_series_by_series() {
    let read = |name: &str| {
        let bytes = std::fs::read(testutil::shared(&format!(
            "testdata/payloads/otlp/captured/{name}"
        )))
        .unwrap();
        <ExportMetricsServiceRequest as prost::Message>::decode(bytes.as_slice()).unwrap()
    };
    let names = |batch: &MetricsBatch| {
        let mut names: Vec<String> = batch
            .samples
            .iter()
            .map(|s| s.labels.value("__name__").to_owned())
            .collect();
        names.dedup();
        names
    };
    let find = |batch: &MetricsBatch, name: &str, label: (&str, &str)| {
        let found: Vec<f64> = batch
            .samples
            .iter()
            .filter(|s| s.labels.value("__name__") == name && s.labels.value(label.0) == label.1)
            .map(|s| s.value)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "{name}{{{}={:?}}} in {:?}",
            label.0,
            label.1,
            lines(batch)
        );
        found[0]
    };

    // A FastAPI app's instrumentation: an up-down counter and two histograms.
    let (batch, dropped) = convert(&read("0017-grpc-metrics.pb"), &defaults());
    assert_eq!(dropped, Dropped::default());
    assert_eq!(
        names(&batch),
        [
            "target_info",
            "http_server_active_requests",
            "http_server_duration_milliseconds_sum",
            "http_server_duration_milliseconds_count",
            "http_server_duration_milliseconds_bucket",
            "http_server_response_size_bytes_sum",
            "http_server_response_size_bytes_count",
            "http_server_response_size_bytes_bucket",
        ]
    );
    assert_eq!(batch.samples.len(), 1 + 1 + 2 * (2 + 16));
    let target_info = &batch.samples[0].labels;
    assert_eq!(target_info.value("job"), "fastapi-demo");
    assert_eq!(
        target_info.value("instance"),
        "6b87ed28-8211-4d03-b292-39de843379e3"
    );
    assert_eq!(target_info.value("telemetry_sdk_language"), "python");
    assert_eq!(target_info.get("service_name"), None);
    let duration = "http_server_duration_milliseconds_bucket";
    assert_eq!(find(&batch, duration, ("le", "5")), 2.0);
    assert_eq!(find(&batch, duration, ("le", "100")), 3.0);
    assert_eq!(find(&batch, duration, ("le", "+Inf")), 3.0);
    assert_eq!(
        find(
            &batch,
            "http_server_duration_milliseconds_sum",
            ("http_target", "/hello/{name}")
        ),
        21.0
    );
    let series = batch
        .samples
        .iter()
        .find(|s| s.labels.value("__name__") == duration)
        .unwrap();
    assert_eq!(
        series.labels.value("otel_scope_name"),
        "opentelemetry.instrumentation.fastapi"
    );
    assert_eq!(series.labels.value("http_status_code"), "200");
    assert_eq!(series.labels.value("net_host_port"), "18080");
    assert_eq!(series.timestamp, 1_795_566_815_546);

    // The test script: a counter in `{request}`, a gauge, a histogram in s.
    let (batch, _) = convert(&read("0006-grpc-metrics.pb"), &defaults());
    assert_eq!(
        names(&batch),
        [
            "target_info",
            "test_requests_total",
            "test_queue_size",
            "test_latency_seconds_sum",
            "test_latency_seconds_count",
            "test_latency_seconds_bucket",
            "test_temperature_celsius",
        ]
    );
    assert_eq!(batch.samples.len(), 23);
    assert_eq!(find(&batch, "test_requests_total", ("route", "/a")), 5.0);
    assert_eq!(find(&batch, "test_requests_total", ("route", "/b")), 2.0);
    assert_eq!(
        find(&batch, "test_latency_seconds_sum", ("route", "/a")),
        1.71
    );
    assert_eq!(
        find(&batch, "test_temperature_celsius", ("room", "lab")),
        21.5
    );
    assert_eq!(
        find(&batch, "target_info", ("deployment_environment", "test")),
        1.0
    );

    // Delta temporality (the SDK's default for this exporter run): the
    // counter, histogram and exponential histogram are dropped; the gauge of
    // unit 1 stays.
    let (batch, dropped) = convert(&read("0002-http-metrics.pb"), &defaults());
    assert_eq!(dropped.delta, 3);
    assert_eq!(names(&batch), ["target_info", "my_gauge_ratio"]);
    assert_eq!(
        find(&batch, "my_gauge_ratio", ("my_gauge_attr", "some value")),
        10.0
    );
}

#[derive(Default)]
struct Collect(parking_lot::Mutex<Vec<MetricsBatch>>);

impl Appender for Collect {
    fn append(&self, batch: &MetricsBatch) -> Result<(), AppendError> {
        self.0.lock().push(batch.clone());
        Ok(())
    }
}

struct Refuse(bool);

impl Appender for Refuse {
    fn append(&self, _: &MetricsBatch) -> Result<(), AppendError> {
        Err(AppendError {
            message: "full".into(),
            retryable: self.0,
        })
    }
}

fn input_of(exports: &crate::testing::Exports) -> Consumer {
    Consumer::decode(field(&exports.last().unwrap(), "input")).unwrap()
}

#[tokio::test]
async fn input_converts_metrics_and_refuses_other_signals() {
    let collect = Arc::new(Collect::default());
    let (opts, exports) = options("otelcol.exporter.prometheus.test");
    let args = Arguments {
        forward_to: vec![MetricsReceiver(collect.clone())],
        ..Arguments::default()
    };
    let component = PrometheusExporter::build(opts, args.clone()).unwrap();
    let input = input_of(&exports);
    let context = Arc::new(ClientInfo::default());
    let req = request(vec![sum(
        "hits",
        CUMULATIVE,
        true,
        vec![number(1.0, vec![])],
    )]);
    input
        .consume(
            Telemetry::Metrics(Payload::from_message(req.clone())),
            context.clone(),
        )
        .await
        .unwrap();
    let names: Vec<_> = collect.0.lock()[0]
        .samples
        .iter()
        .map(|s| s.labels.value("__name__").to_owned())
        .collect();
    assert_eq!(names, ["target_info", "hits_bytes_total"]);

    let traces = Telemetry::Traces(Payload::from_message(Default::default()));
    let err = input.consume(traces, context.clone()).await.unwrap_err();
    assert!(!err.is_retryable());
    assert_eq!(err.to_string(), "telemetry type is not supported");

    component
        .update(Arguments {
            forward_to: vec![MetricsReceiver::new(Refuse(true))],
            ..args.clone()
        })
        .unwrap();
    let err = input
        .consume(
            Telemetry::Metrics(Payload::from_message(req.clone())),
            context.clone(),
        )
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "a full receiver is back-pressure");
    component
        .update(Arguments {
            forward_to: vec![MetricsReceiver::new(Refuse(false))],
            ..args
        })
        .unwrap();
    let err = input
        .consume(Telemetry::Metrics(Payload::from_message(req)), context)
        .await
        .unwrap_err();
    assert!(!err.is_retryable());
}

#[test]
fn arguments_have_alloys_defaults_and_errors() {
    let defaults = Arguments::default();
    assert!(
        defaults.include_target_info
            && defaults.include_scope_labels
            && defaults.add_metric_suffixes
    );
    assert!(!defaults.include_scope_info && !defaults.resource_to_telemetry_conversion);
    assert_eq!(defaults.gc_frequency, GoDuration::from_secs(300));
    let zero = Arguments {
        gc_frequency: GoDuration::from_nanos(0),
        ..Arguments::default()
    };
    assert_eq!(
        zero.validate().unwrap_err(),
        "gc_frequency must be greater than 0"
    );
    let nhcb = Arguments {
        convert_classic_histograms_to_nhcb: true,
        ..Arguments::default()
    };
    assert!(nhcb.validate().unwrap_err().contains("not supported"));
}
