//! OTLP payload costs on a 1,000-span trace export built from the SDK's
//! captured request: accepting protobuf bytes (`Payload::from_encoded`, a
//! full prost decode), and OTLP/JSON decoding and encoding with our codec
//! against `opentelemetry-proto`'s serde support (which also loses
//! `"asDouble": "NaN"`).
//!
//! Run with `cargo bench -p ferroalloy-model --bench otlp`.

use model::otlp::{ExportTraceServiceRequest, Payload};
use model::otlp_json::OtlpJson;
use prost::Message;
use std::hint::black_box;
use std::time::{Duration, Instant};

const SPANS: usize = 1000;

/// The best of several runs of `f`, in nanoseconds per span.
fn per_span(mut f: impl FnMut()) -> f64 {
    let mut best = Duration::MAX;
    for _ in 0..30 {
        let start = Instant::now();
        f();
        best = best.min(start.elapsed());
    }
    best.as_nanos() as f64 / SPANS as f64
}

fn request() -> ExportTraceServiceRequest {
    let path = testutil::shared("testdata/payloads/otlp/captured/0001-http-traces.pb");
    let captured = ExportTraceServiceRequest::decode(&std::fs::read(path).unwrap()[..]).unwrap();
    let mut request = captured.clone();
    let scope = &mut request.resource_spans[0].scope_spans[0];
    let template = scope.spans[0].clone();
    scope.spans = (0..SPANS)
        .map(|i| {
            let mut span = template.clone();
            span.span_id = (i as u64 + 1).to_be_bytes().to_vec();
            span
        })
        .collect();
    request
}

fn main() {
    let request = request();
    let bytes = bytes::Bytes::from(request.encode_to_vec());
    let json = request.to_json();
    println!(
        "{SPANS} spans: {} bytes protobuf, {} bytes JSON",
        bytes.len(),
        json.len()
    );
    let report = |what: &str, ns: f64| println!("{what:<44} {ns:>8.1} ns/span");

    report(
        "Payload::from_encoded (validate + count)",
        per_span(|| {
            black_box(Payload::<ExportTraceServiceRequest>::from_encoded(bytes.clone()).unwrap());
        }),
    );
    report(
        "prost decode",
        per_span(|| {
            black_box(ExportTraceServiceRequest::decode(bytes.clone()).unwrap());
        }),
    );
    report(
        "prost encode",
        per_span(|| {
            black_box(request.encode_to_vec());
        }),
    );
    report(
        "JSON decode, model::otlp_json",
        per_span(|| {
            black_box(ExportTraceServiceRequest::from_json(&json).unwrap());
        }),
    );
    report(
        "JSON decode, opentelemetry-proto serde",
        per_span(|| {
            black_box(serde_json::from_slice::<ExportTraceServiceRequest>(&json).unwrap());
        }),
    );
    report(
        "JSON encode, model::otlp_json",
        per_span(|| {
            black_box(request.to_json());
        }),
    );
    report(
        "JSON encode, opentelemetry-proto serde",
        per_span(|| {
            black_box(serde_json::to_vec(&request).unwrap());
        }),
    );
}
