//! The three verbosities on payloads the OpenTelemetry Python SDK sent
//! (the shared captured requests).

use super::*;
use crate::testing::{field, options};
use bytes::Bytes;
use model::otlp::Payload;
use syntax::decode::Codec;

fn captured(name: &str) -> Bytes {
    let path = testutil::shared(&format!("testdata/payloads/otlp/captured/{name}"));
    Bytes::from(std::fs::read(path).unwrap())
}

fn traces() -> Telemetry {
    Telemetry::Traces(Payload::from_encoded(captured("0001-http-traces.pb")).unwrap())
}

fn metrics() -> Telemetry {
    Telemetry::Metrics(Payload::from_encoded(captured("0002-http-metrics.pb")).unwrap())
}

fn logs() -> Telemetry {
    Telemetry::Logs(Payload::from_encoded(captured("0003-http-logs.pb")).unwrap())
}

fn text(verbosity: Verbosity, mut data: Telemetry) -> String {
    report(verbosity, &mut data).text.unwrap()
}

#[test]
fn basic_reports_counts_only() {
    let report = report(Verbosity::Basic, &mut metrics());
    assert_eq!(
        report,
        Report {
            message: "Metrics",
            counts: vec![("resource metrics", 1), ("metrics", 4), ("data points", 4)],
            text: None,
        }
    );
    assert_eq!(
        super::report(Verbosity::Basic, &mut traces()).counts,
        [("resource spans", 1), ("spans", 1)]
    );
    assert_eq!(
        super::report(Verbosity::Basic, &mut logs()).counts,
        [("resource logs", 1), ("log records", 1)]
    );
}

#[test]
fn normal_writes_a_line_per_item() {
    let scope = "my.library@1.0.0 my.scope.attribute=some scope attribute";
    assert_eq!(
        text(Verbosity::Normal, traces()),
        format!(
            "ResourceTraces #0 service.name=my.service\nScopeTraces #0 {scope}\n\
             I'm a server span 5b8efff798038103d269b633813fc60c eee19b7ec3c1b174 my.span.attr=some value\n"
        )
    );
    assert_eq!(
        text(Verbosity::Normal, metrics()),
        format!(
            "ResourceMetrics #0 service.name=my.service\nScopeMetrics #0 {scope}\n\
             my.counter{{my.counter.attr=some value}} 5\n\
             my.gauge{{my.gauge.attr=some value}} 10\n\
             my.histogram{{my.histogram.attr=some value}} count=2 sum=2 min=0 max=2 le1=1 1\n\
             my.exponential.histogram{{my.exponential.histogram.attr=some value}} count=3 sum=10 min=0 max=5 le2=0 le4=2 zero_count0=1\n"
        )
    );
    assert_eq!(
        text(Verbosity::Normal, logs()),
        format!(
            "ResourceLog #0 service.name=my.service\nScopeLog #0 {scope}\n\
             Example log record string.attribute=some string boolean.attribute=true int.attribute=10 \
             double.attribute=637.704 array.attribute=[\"many\",\"values\"] map.attribute={{\"some.map.key\":\"some value\"}}\n"
        )
    );
}

const HEADER: &str =
    "Resource SchemaURL: \nResource attributes:\n     -> service.name: Str(my.service)\n";

fn scope(what: &str) -> String {
    format!(
        "{what} #0\n{what} SchemaURL: \nInstrumentationScope my.library 1.0.0\n\
         InstrumentationScope attributes:\n     -> my.scope.attribute: Str(some scope attribute)\n"
    )
}

#[test]
fn detailed_writes_every_field() {
    assert_eq!(
        text(Verbosity::Detailed, traces()),
        format!(
            "ResourceSpans #0\n{HEADER}{}Span #0\n\
             \x20   Trace ID       : 5b8efff798038103d269b633813fc60c\n\
             \x20   Parent ID      : eee19b7ec3c1b173\n\
             \x20   ID             : eee19b7ec3c1b174\n\
             \x20   Name           : I'm a server span\n\
             \x20   Kind           : Server\n\
             \x20   Start time     : 2018-12-13 14:51:00 +0000 UTC\n\
             \x20   End time       : 2018-12-13 14:51:01 +0000 UTC\n\
             \x20   Status code    : Unset\n\
             \x20   Status message : \n\
             Attributes:\n     -> my.span.attr: Str(some value)\n",
            scope("ScopeSpans")
        )
    );
    assert_eq!(
        text(Verbosity::Detailed, logs()),
        format!(
            "ResourceLog #0\n{HEADER}{}LogRecord #0\n\
             ObservedTimestamp: 2018-12-13 14:51:00.3 +0000 UTC\n\
             Timestamp: 2018-12-13 14:51:00.3 +0000 UTC\n\
             SeverityText: Information\nSeverityNumber: Info2(10)\n\
             Body: Str(Example log record)\nAttributes:\n\
             \x20    -> string.attribute: Str(some string)\n\
             \x20    -> boolean.attribute: Bool(true)\n\
             \x20    -> int.attribute: Int(10)\n\
             \x20    -> double.attribute: Double(637.704)\n\
             \x20    -> array.attribute: Slice([\"many\",\"values\"])\n\
             \x20    -> map.attribute: Map({{\"some.map.key\":\"some value\"}})\n\
             Trace ID: 5b8efff798038103d269b633813fc60c\nSpan ID: eee19b7ec3c1b174\nFlags: 0\n",
            scope("ScopeLogs")
        )
    );
    let metrics = text(Verbosity::Detailed, metrics());
    for part in [
        "Metric #0\nDescriptor:\n     -> Name: my.counter\n     -> Description: I am a Counter\n     -> Unit: 1\n     -> DataType: Sum\n     -> IsMonotonic: true\n     -> AggregationTemporality: Delta\nNumberDataPoints #0\n",
        "StartTimestamp: 1970-01-01 00:00:00 +0000 UTC\nTimestamp: 2018-12-13 14:51:00.3 +0000 UTC\nValue: 10.000000\n",
        "Count: 2\nSum: 2.000000\nMin: 0.000000\nMax: 2.000000\nExplicitBounds #0: 1.000000\nBuckets #0, Count: 1\nBuckets #1, Count: 1\n",
        "Bucket [0, 0], Count: 1\nBucket (2.000000, 4.000000], Count: 0\nBucket (4.000000, 8.000000], Count: 2\n",
    ] {
        assert!(metrics.contains(part), "{part} not in\n{metrics}");
    }
}

#[test]
fn sampling_admits_the_first_then_every_nth() {
    let sampler = Sampler::new(2, 3);
    let admitted: Vec<bool> = (0..8).map(|_| sampler.admit(&traces())).collect();
    assert_eq!(
        admitted,
        [true, true, false, false, true, false, false, true]
    );
    assert!(sampler.admit(&logs()), "each signal is sampled on its own");
    let none_after = Sampler::new(1, 0);
    assert!(none_after.admit(&logs()));
    assert!(!none_after.admit(&logs()));
}

#[tokio::test]
async fn the_component_takes_every_signal_and_checks_verbosity() {
    let (opts, exports) = options("otelcol.exporter.debug.default");
    let args = Arguments {
        verbosity: "Detailed".into(),
        ..Arguments::default()
    };
    let component = DebugExporter::build(opts, args.clone()).unwrap();
    let input = Consumer::decode(field(&exports.last().unwrap(), "input")).unwrap();
    for data in [traces(), metrics(), logs()] {
        input.consume(data, Context::default()).await.unwrap();
    }
    let err = component
        .update(Arguments {
            verbosity: "loud".into(),
            ..args
        })
        .unwrap_err();
    assert_eq!(
        err,
        "error in conversion to config arguments, invalid verbosity \"loud\""
    );
}
