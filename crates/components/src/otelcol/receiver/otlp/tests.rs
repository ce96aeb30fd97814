//! The receiver over real sockets: captured SDK payloads over both transports,
//! JSON, compression, limits, refusals, partial success, auth, TLS, CORS.

use super::*;
use crate::testing::{eventually, options};
use bytes::Bytes;
use model::otlp::{
    Consume, ConsumeError, ConsumeFuture, Consumer, ExportLogsServiceRequest,
    ExportMetricsServiceRequest, ExportTraceServiceRequest, Request as _, Telemetry,
};
use model::otlp_json::OtlpJson;
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_client::LogsServiceClient;
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use prost::Message;
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

/// A consumer that records what it is given, or refuses with `refusal`.
#[derive(Default)]
pub(crate) struct Recorder {
    pub got: Mutex<Vec<(Telemetry, Context)>>,
    pub refusal: Mutex<Option<ConsumeError>>,
}

impl Consume for Recorder {
    fn consume(&self, data: Telemetry, context: Context) -> ConsumeFuture {
        let result = match self.refusal.lock().clone() {
            Some(e) => Err(e),
            None => {
                self.got.lock().push((data, context));
                Ok(())
            }
        };
        Box::pin(async move { result })
    }
}

impl Recorder {
    fn traces(&self) -> Vec<ExportTraceServiceRequest> {
        self.got
            .lock()
            .iter()
            .filter_map(|(t, _)| match t.clone() {
                Telemetry::Traces(p) => Some(p.into_message()),
                _ => None,
            })
            .collect()
    }

    fn count(&self) -> usize {
        self.got.lock().len()
    }
}

pub(crate) struct Running {
    pub receiver: Arc<OtlpReceiver>,
    pub recorder: Arc<Recorder>,
    pub shutdown: CancellationToken,
    pub output: Output,
    pub metrics: Arc<Mutex<prometheus_client::registry::Registry>>,
}

impl Running {
    pub fn grpc(&self) -> SocketAddr {
        self.receiver.addresses().0.expect("a gRPC server")
    }

    pub fn http(&self) -> SocketAddr {
        self.receiver.addresses().1.expect("an HTTP server")
    }

    pub fn metrics_text(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.metrics.lock()).unwrap();
        text
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub(crate) fn grpc_block() -> GrpcArguments {
    GrpcArguments {
        endpoint: "127.0.0.1:0".into(),
        ..GrpcArguments::default()
    }
}

pub(crate) fn http_block() -> HttpArguments {
    let mut http = HttpArguments::default();
    http.server.endpoint = "127.0.0.1:0".into();
    http
}

pub(crate) fn start_with(grpc: Option<GrpcArguments>, http: Option<HttpArguments>) -> Running {
    let recorder = Arc::new(Recorder::default());
    let consumer = Consumer(recorder.clone());
    let output = Output {
        traces: vec![consumer.clone()],
        metrics: vec![consumer.clone()],
        logs: vec![consumer],
    };
    let args = Arguments {
        grpc,
        http,
        output: output.clone(),
        ..Arguments::default()
    };
    let (opts, _) = options("otelcol.receiver.otlp.test");
    let metrics = opts.metrics.clone();
    let receiver = Arc::new(OtlpReceiver::build(opts, args).unwrap());
    let shutdown = CancellationToken::new();
    tokio::spawn(receiver.clone().run(shutdown.clone()));
    Running {
        receiver,
        recorder,
        shutdown,
        output,
        metrics,
    }
}

pub(crate) fn start() -> Running {
    start_with(Some(grpc_block()), Some(http_block()))
}

/// The SDK's first captured trace export.
pub(crate) fn captured_traces() -> ExportTraceServiceRequest {
    ExportTraceServiceRequest::decode(&captured("0001-http-traces.pb")[..]).unwrap()
}

fn captured(name: &str) -> Vec<u8> {
    std::fs::read(testutil::shared("testdata/payloads/otlp/captured").join(name)).unwrap()
}

fn example(name: &str) -> Vec<u8> {
    std::fs::read(testutil::shared("testdata/payloads/otlp/examples").join(name)).unwrap()
}

fn captured_names(transport: &str) -> Vec<String> {
    let dir = testutil::shared("testdata/payloads/otlp/captured");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(transport))
        .collect();
    names.sort();
    names
}

pub(crate) fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub(crate) async fn post(
    client: &reqwest::Client,
    url: &str,
    content_type: &str,
    encoding: Option<&str>,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = client
        .post(url)
        .header("content-type", content_type)
        .body(body);
    if let Some(encoding) = encoding {
        request = request.header("content-encoding", encoding);
    }
    request.send().await.unwrap()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// The message a recorded payload holds, as protobuf.
fn recorded_encoding(telemetry: &Telemetry) -> (Signal, Bytes) {
    match telemetry.clone() {
        Telemetry::Traces(mut p) => (Signal::Traces, p.encoded()),
        Telemetry::Metrics(mut p) => (Signal::Metrics, p.encoded()),
        Telemetry::Logs(mut p) => (Signal::Logs, p.encoded()),
    }
}

fn signal_of(name: &str) -> Signal {
    Signal::ALL
        .into_iter()
        .find(|s| name.contains(s.as_str()))
        .unwrap()
}

#[tokio::test]
async fn captured_http_payloads_arrive_intact() {
    let running = start_with(None, Some(http_block()));
    let client = http_client();
    let names = captured_names("http");
    assert!(names.len() >= 3);
    for name in &names {
        let body = captured(name);
        let signal = signal_of(name);
        let url = format!("http://{}/v1/{}", running.http(), signal.as_str());
        let response = post(&client, &url, "application/x-protobuf", None, body.clone()).await;
        assert_eq!(response.status(), 200, "{name}");
        assert_eq!(response.headers()["content-type"], "application/x-protobuf");
        let got = running.recorder.got.lock().pop().unwrap();
        assert_eq!(
            recorded_encoding(&got.0),
            (signal, Bytes::from(body)),
            "{name}: the very bytes"
        );
        assert!(got.1.address.is_some());
    }
    let text = running.metrics_text();
    assert!(
        text.contains(r#"otelcol_receiver_accepted_spans_total{transport="http"}"#),
        "{text}"
    );
}

/// A request of `signal` decoded and re-encoded canonically.
fn decoded(signal: Signal, bytes: &[u8]) -> Vec<u8> {
    match signal {
        Signal::Traces => ExportTraceServiceRequest::decode(bytes)
            .unwrap()
            .encode_to_vec(),
        Signal::Metrics => ExportMetricsServiceRequest::decode(bytes)
            .unwrap()
            .encode_to_vec(),
        Signal::Logs => ExportLogsServiceRequest::decode(bytes)
            .unwrap()
            .encode_to_vec(),
    }
}

#[tokio::test]
async fn captured_grpc_payloads_arrive_intact() {
    let running = start_with(Some(grpc_block()), None);
    let endpoint = format!("http://{}", running.grpc());
    let names = captured_names("grpc");
    assert!(names.len() >= 3);
    for (i, name) in names.iter().enumerate() {
        let body = captured(name);
        // Every other request gzip-compressed.
        let encoding = if i % 2 == 0 {
            tonic::codec::CompressionEncoding::Gzip
        } else {
            tonic::codec::CompressionEncoding::Zstd
        };
        match signal_of(name) {
            Signal::Traces => {
                let message = ExportTraceServiceRequest::decode(&body[..]).unwrap();
                let mut client = TraceServiceClient::connect(endpoint.clone())
                    .await
                    .unwrap()
                    .send_compressed(encoding);
                let response = client.export(message.clone()).await.unwrap().into_inner();
                assert_eq!(response.partial_success, None);
            }
            Signal::Metrics => {
                let message = ExportMetricsServiceRequest::decode(&body[..]).unwrap();
                let mut client = MetricsServiceClient::connect(endpoint.clone())
                    .await
                    .unwrap()
                    .send_compressed(encoding);
                client.export(message).await.unwrap();
            }
            Signal::Logs => {
                let message = ExportLogsServiceRequest::decode(&body[..]).unwrap();
                let mut client = LogsServiceClient::connect(endpoint.clone())
                    .await
                    .unwrap()
                    .send_compressed(encoding);
                client.export(message).await.unwrap();
            }
        }
        let got = running.recorder.got.lock().pop().unwrap();
        let (signal, bytes) = recorded_encoding(&got.0);
        assert_eq!(signal, signal_of(name));
        // tonic re-encodes the message in field order, the SDK did not
        // always: the bytes differ, the messages do not.
        assert_eq!(decoded(signal, &bytes), decoded(signal, &body), "{name}");
    }
    assert!(
        running
            .metrics_text()
            .contains(r#"otelcol_receiver_accepted_log_records_total{transport="grpc"}"#)
    );
}

#[tokio::test]
async fn json_examples_arrive_as_their_binary_twins_and_get_json_answers() {
    let running = start_with(None, Some(http_block()));
    let client = http_client();
    for (json, pb, signal) in [
        ("trace.json", "0001-http-traces.pb", Signal::Traces),
        ("metrics.json", "0002-http-metrics.pb", Signal::Metrics),
        ("logs.json", "0003-http-logs.pb", Signal::Logs),
    ] {
        let url = format!("http://{}/v1/{}", running.http(), signal.as_str());
        let response = post(
            &client,
            &url,
            "application/json; charset=utf-8",
            None,
            example(json),
        )
        .await;
        assert_eq!(response.status(), 200, "{json}");
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(response.text().await.unwrap(), "{}");
        let got = running.recorder.got.lock().pop().unwrap();
        assert_eq!(
            recorded_encoding(&got.0),
            (signal, Bytes::from(captured(pb))),
            "{json}"
        );
    }
}

#[tokio::test]
async fn every_http_compression_is_accepted() {
    let running = start_with(None, Some(http_block()));
    let client = http_client();
    let body = captured("0001-http-traces.pb");
    let url = format!("http://{}/v1/traces", running.http());
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    zlib.write_all(&body).unwrap();
    let mut lz4 = lz4_flex::frame::FrameEncoder::new(Vec::new());
    lz4.write_all(&body).unwrap();
    let encodings = [
        ("gzip", gzip(&body)),
        ("zstd", zstd::encode_all(&body[..], 1).unwrap()),
        ("zlib", zlib.finish().unwrap()),
        (
            "snappy",
            snap::raw::Encoder::new().compress_vec(&body).unwrap(),
        ),
        ("lz4", lz4.finish().unwrap()),
    ];
    for (encoding, compressed) in encodings {
        let response = post(
            &client,
            &url,
            "application/x-protobuf",
            Some(encoding),
            compressed,
        )
        .await;
        assert_eq!(response.status(), 200, "{encoding}");
    }
    assert_eq!(running.recorder.count(), 5);
    for (telemetry, _) in running.recorder.got.lock().iter() {
        assert_eq!(recorded_encoding(telemetry).1, Bytes::from(body.clone()));
    }
}

async fn rpc_status(response: reqwest::Response) -> (u16, export::RpcStatus) {
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    (status, export::RpcStatus::decode(body).unwrap())
}

#[tokio::test]
async fn malformed_requests_get_400_with_the_reason_and_later_ones_still_arrive() {
    let running = start_with(None, Some(http_block()));
    let client = http_client();
    let url = format!("http://{}/v1/traces", running.http());
    let good = captured("0001-http-traces.pb");

    let response = post(&client, &url, "application/x-protobuf", None, good.clone()).await;
    assert_eq!(response.status(), 200);

    let (status, body) = rpc_status(
        post(
            &client,
            &url,
            "application/x-protobuf",
            None,
            b"\x0a\x05ab".to_vec(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body.code, 3);
    assert!(
        body.message.contains("buffer underflow"),
        "{}",
        body.message
    );

    let response = post(
        &client,
        &url,
        "application/json",
        None,
        br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}"#.to_vec(),
    )
    .await;
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], 3);
    let message = body["message"].as_str().unwrap();
    assert!(
        message.starts_with("resourceSpans[0].scopeSpans[0].spans[0].traceId: invalid hex"),
        "{message}"
    );

    let (status, _) = rpc_status(
        post(
            &client,
            &url,
            "application/x-protobuf",
            Some("gzip"),
            b"not gzip".to_vec(),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);

    let response = post(&client, &url, "application/x-protobuf", None, good).await;
    assert_eq!(response.status(), 200);
    assert_eq!(running.recorder.count(), 2);
}

#[tokio::test]
async fn malformed_grpc_requests_get_invalid_argument_and_later_ones_still_arrive() {
    let running = start_with(Some(grpc_block()), None);
    let mut client = TraceServiceClient::connect(format!("http://{}", running.grpc()))
        .await
        .unwrap();
    let good = ExportTraceServiceRequest::decode(&captured("0004-grpc-traces.pb")[..]).unwrap();
    client.export(good.clone()).await.unwrap();
    // Bytes no client would encode: a truncated length-delimited field.
    let mut raw = tonic::client::Grpc::new(
        tonic::transport::Channel::from_shared(format!("http://{}", running.grpc()))
            .unwrap()
            .connect()
            .await
            .unwrap(),
    );
    raw.ready().await.unwrap();
    let status = raw
        .unary::<_, ExportTraceServiceResponse, _>(
            tonic::Request::new(RawMessage(b"\x0a\x05ab".to_vec())),
            ::http::uri::PathAndQuery::from_static(grpc::method(Signal::Traces)),
            tonic_prost::ProstCodec::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(
        status.message().contains("buffer underflow"),
        "{}",
        status.message()
    );
    client.export(good).await.unwrap();
    assert_eq!(running.recorder.count(), 2);
}

/// Bytes sent as they are, to send what no client would encode.
#[derive(Clone, Default, PartialEq)]
struct RawMessage(Vec<u8>);

impl std::fmt::Debug for RawMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RawMessage({} bytes)", self.0.len())
    }
}

impl Message for RawMessage {
    fn encode_raw(&self, buf: &mut impl bytes::BufMut) {
        buf.put_slice(&self.0);
    }
    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: prost::encoding::WireType,
        buf: &mut impl bytes::Buf,
        ctx: prost::encoding::DecodeContext,
    ) -> Result<(), prost::DecodeError> {
        prost::encoding::skip_field(wire_type, tag, buf, ctx)
    }
    fn encoded_len(&self) -> usize {
        self.0.len()
    }
    fn clear(&mut self) {
        self.0.clear();
    }
}

#[tokio::test]
async fn bodies_over_the_limit_get_413_and_resource_exhausted() {
    let mut http = http_block();
    http.server.max_request_body_size = syntax::decode::ByteSize(1000);
    let mut grpc = grpc_block();
    grpc.max_recv_msg_size = syntax::decode::ByteSize(1000);
    let running = start_with(Some(grpc), Some(http));
    let client = http_client();
    let url = format!("http://{}/v1/traces", running.http());
    let mut request =
        ExportTraceServiceRequest::decode(&captured("0001-http-traces.pb")[..]).unwrap();
    let spans = request.resource_spans[0].clone();
    while request.encoded_len() <= 5000 {
        request.resource_spans.push(spans.clone());
    }
    let body = request.encode_to_vec();
    let response = post(&client, &url, "application/x-protobuf", None, body.clone()).await;
    assert_eq!(response.status(), 413);
    // Small when compressed, too large once decompressed.
    let zeros = gzip(&vec![0u8; 5000]);
    assert!(zeros.len() < 1000);
    let response = post(&client, &url, "application/x-protobuf", Some("gzip"), zeros).await;
    assert_eq!(response.status(), 413);

    let mut grpc_client = TraceServiceClient::connect(format!("http://{}", running.grpc()))
        .await
        .unwrap();
    let status = grpc_client.export(request.clone()).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::ResourceExhausted);
    let mut grpc_client = grpc_client.send_compressed(tonic::codec::CompressionEncoding::Gzip);
    let status = grpc_client.export(request).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
    assert_eq!(running.recorder.count(), 0);
}

#[tokio::test]
async fn unknown_content_types_get_415_and_other_methods_405() {
    let running = start_with(None, Some(http_block()));
    let client = http_client();
    let url = format!("http://{}/v1/logs", running.http());
    let response = post(&client, &url, "text/plain", None, b"hello".to_vec()).await;
    assert_eq!(response.status(), 415);
    let response = client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 405);
    let response = post(
        &client,
        &format!("http://{}/v1/other", running.http()),
        "application/json",
        None,
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn configured_paths_are_used_and_empty_requests_succeed() {
    let mut http = http_block();
    http.traces_url_path = "/custom/traces".into();
    let running = start_with(None, Some(http));
    let client = http_client();
    let url = format!("http://{}/custom/traces", running.http());
    let response = post(&client, &url, "application/json", None, b"{}".to_vec()).await;
    assert_eq!(response.status(), 200);
    let response = post(
        &client,
        &format!("http://{}/v1/traces", running.http()),
        "application/json",
        None,
        b"{}".to_vec(),
    )
    .await;
    assert_eq!(response.status(), 404);
    assert_eq!(running.recorder.count(), 0, "nothing to forward");
}

#[tokio::test]
async fn invalid_items_are_removed_and_reported_as_partial_success() {
    let running = start();
    let client = http_client();
    let mut request =
        ExportTraceServiceRequest::decode(&captured("0001-http-traces.pb")[..]).unwrap();
    let spans = &mut request.resource_spans[0].scope_spans[0].spans;
    spans.push(spans[0].clone());
    let total = spans.len();
    spans[0].trace_id.truncate(5);
    let url = format!("http://{}/v1/traces", running.http());
    let response = post(
        &client,
        &url,
        "application/x-protobuf",
        None,
        request.encode_to_vec(),
    )
    .await;
    assert_eq!(response.status(), 200);
    let answer = ExportTraceServiceResponse::decode(response.bytes().await.unwrap()).unwrap();
    let partial = answer.partial_success.unwrap();
    assert_eq!(partial.rejected_spans, 1);
    assert!(partial.error_message.contains("16-byte trace id"));
    assert_eq!(running.recorder.traces()[0].item_count(), total - 1);

    // JSON: an odd-length-free but short hex id.
    let json = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[
        {"traceId":"0102","spanId":"0102030405060708"},
        {"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708"}]}]}]}"#;
    let response = post(&client, &url, "application/json", None, json.to_vec()).await;
    let answer = ExportTraceServiceResponse::from_json(&response.bytes().await.unwrap()).unwrap();
    assert_eq!(answer.partial_success.unwrap().rejected_spans, 1);

    // gRPC answers the same way.
    let mut grpc = TraceServiceClient::connect(format!("http://{}", running.grpc()))
        .await
        .unwrap();
    let answer = grpc.export(request).await.unwrap().into_inner();
    assert_eq!(answer.partial_success.unwrap().rejected_spans, 1);
    assert_eq!(running.recorder.traces().len(), 3);
    assert!(
        running
            .metrics_text()
            .contains(r#"otelcol_receiver_refused_spans_total{transport="grpc"} 1"#)
    );
}

#[tokio::test]
async fn refusals_map_to_retryable_or_permanent_answers() {
    let running = start();
    let client = http_client();
    let url = format!("http://{}/v1/traces", running.http());
    let body = captured("0001-http-traces.pb");
    let mut grpc = TraceServiceClient::connect(format!("http://{}", running.grpc()))
        .await
        .unwrap();
    let message = ExportTraceServiceRequest::decode(&body[..]).unwrap();

    *running.recorder.refusal.lock() = Some(ConsumeError::retryable("queue is full"));
    let (status, rpc) =
        rpc_status(post(&client, &url, "application/x-protobuf", None, body.clone()).await).await;
    assert_eq!(
        (status, rpc.code, rpc.message.as_str()),
        (503, 14, "queue is full")
    );
    let status = grpc.export(message.clone()).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::Unavailable);
    assert_eq!(status.message(), "queue is full");

    *running.recorder.refusal.lock() = Some(ConsumeError {
        message: "slow down".into(),
        kind: model::otlp::ConsumeErrorKind::Retryable {
            retry_after: Some(Duration::from_millis(2500)),
        },
    });
    let response = post(&client, &url, "application/x-protobuf", None, body.clone()).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "3");

    *running.recorder.refusal.lock() = Some(ConsumeError::permanent("never"));
    let response = post(&client, &url, "application/x-protobuf", None, body).await;
    assert_eq!(response.status(), 400);
    let status = grpc.export(message).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert!(
        running
            .metrics_text()
            .contains(r#"otelcol_receiver_refused_spans_total{transport="http"}"#)
    );
}

#[tokio::test]
async fn include_metadata_fills_the_client_info() {
    let mut http = http_block();
    http.server.include_metadata = true;
    let running = start_with(None, Some(http));
    let client = http_client();
    let url = format!("http://{}/v1/logs", running.http());
    let response = client
        .post(&url)
        .header("content-type", "application/json")
        .header("X-Tenant", "a")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // An empty request is not forwarded: send one record.
    let response = client
        .post(&url)
        .header("content-type", "application/json")
        .header("X-Tenant", "a")
        .body(r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"}}]}]}]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let (_, context) = running.recorder.got.lock().pop().unwrap();
    assert_eq!(context.metadata("x-tenant"), ["a"]);
}

/// Whether a JSON `POST` to `url` is answered 200 within the deadline.
async fn answers(client: &reqwest::Client, url: &str) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        let sent = client
            .post(url)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await;
        if sent.is_ok_and(|r| r.status() == 200) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn updates_rebind_changed_endpoints_and_shutdown_closes_them() {
    let running = start_with(None, Some(http_block()));
    let client = http_client();
    let first = running.http();
    let url = |addr: SocketAddr| format!("http://{addr}/v1/logs");
    assert_eq!(
        post(
            &client,
            &url(first),
            "application/json",
            None,
            b"{}".to_vec()
        )
        .await
        .status(),
        200
    );

    // Same endpoint, new path: the socket is kept.
    let mut http = http_block();
    http.logs_url_path = "/logs".into();
    let mut args = Arguments {
        http: Some(http.clone()),
        output: running.output.clone(),
        ..Arguments::default()
    };
    running.receiver.update(args.clone()).unwrap();
    assert_eq!(running.http(), first);
    let moved = format!("http://{first}/logs");
    // Connections to the replaced server are closed: retry until the new one answers.
    assert!(answers(&client, &moved).await, "the new path is served");

    // A new endpoint: a new socket, the old one closed.
    let port_taker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let second = port_taker.local_addr().unwrap();
    drop(port_taker);
    http.server.endpoint = second.to_string();
    args.http = Some(http);
    running.receiver.update(args).unwrap();
    assert_eq!(running.http(), second);
    eventually("the old socket closed", || {
        std::net::TcpStream::connect(first).is_err()
    })
    .await;
    assert!(
        answers(&client, &format!("http://{second}/logs")).await,
        "the new endpoint is served"
    );

    running.shutdown.cancel();
    eventually("the socket closed", || {
        std::net::TcpStream::connect(second).is_err()
    })
    .await;
}

/// A consumer that holds every request until the test adds permits.
struct Gate {
    permits: Arc<tokio::sync::Semaphore>,
    entered: Arc<std::sync::atomic::AtomicUsize>,
}

impl Consume for Gate {
    fn consume(&self, _: Telemetry, _: Context) -> ConsumeFuture {
        self.entered
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let permits = self.permits.clone();
        Box::pin(async move {
            let _permit = permits.acquire().await;
            Ok(())
        })
    }
}

#[tokio::test]
async fn requests_in_flight_finish_when_the_server_is_replaced() {
    let permits = Arc::new(tokio::sync::Semaphore::new(0));
    let entered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let gate = Consumer::new(Gate {
        permits: permits.clone(),
        entered: entered.clone(),
    });
    let mut args = Arguments {
        http: Some(http_block()),
        output: Output {
            logs: vec![gate],
            ..Output::default()
        },
        ..Arguments::default()
    };
    let (opts, _) = options("otelcol.receiver.otlp.gate");
    let receiver = Arc::new(OtlpReceiver::build(opts, args.clone()).unwrap());
    let shutdown = CancellationToken::new();
    tokio::spawn(receiver.clone().run(shutdown.clone()));
    let addr = receiver.addresses().1.unwrap();

    let record =
        r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"}}]}]}]}"#;
    let in_flight = tokio::spawn(async move {
        let url = format!("http://{addr}/v1/logs");
        post(
            &http_client(),
            &url,
            "application/json",
            None,
            record.into(),
        )
        .await
    });
    eventually("the request reaches the consumer", || {
        entered.load(std::sync::atomic::Ordering::SeqCst) == 1
    })
    .await;

    // New arguments replace the server; once the new one answers, the old
    // one has stopped, with the request still held.
    if let Some(http) = &mut args.http {
        http.logs_url_path = "/logs".into();
    }
    receiver.update(args).unwrap();
    assert!(answers(&http_client(), &format!("http://{addr}/logs")).await);
    permits.add_permits(1);
    assert_eq!(in_flight.await.unwrap().status(), 200);
    shutdown.cancel();
}

#[tokio::test]
async fn a_taken_port_fails_the_build_and_blocks_default_to_alloys_endpoints() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut http = http_block();
    http.server.endpoint = taken.local_addr().unwrap().to_string();
    let (opts, _) = options("otelcol.receiver.otlp.taken");
    let err = OtlpReceiver::build(
        opts,
        Arguments {
            http: Some(http),
            ..Arguments::default()
        },
    )
    .err()
    .unwrap();
    assert!(
        err.starts_with(&format!(
            "listen tcp {}: bind: ",
            taken.local_addr().unwrap()
        )),
        "{err}"
    );
}

/// Decodes the receiver's arguments from Alloy text.
fn decode(src: &str) -> Result<Arguments, String> {
    use syntax::eval::{Scope, eval_body};
    let file = syntax::pos::SourceFile::new("receiver.alloy", src);
    let (ast, diags) = syntax::parser::parse_file(&file);
    assert!(diags.is_empty(), "{diags}");
    let body = eval_body(&ast.body, &Scope::new()).expect("evaluates");
    Arguments::decode_body(&body, syntax::pos::Span::NONE)
        .map_err(|e| syntax::decode::diagnostics(&e, &file).to_string())
}

#[test]
fn blocks_without_an_endpoint_listen_where_alloys_do() {
    // Decoded, not bound: 4317 and 4318 may be in use on this machine.
    let args = decode("grpc {}\nhttp {}\noutput {}\n").unwrap();
    assert_eq!(args.grpc.unwrap().endpoint, "0.0.0.0:4317");
    let http = args.http.unwrap();
    assert_eq!(http.server.endpoint, "0.0.0.0:4318");
    assert_eq!(http.url_path(Signal::Metrics), "/v1/metrics");
    assert_eq!(http.server.max_body_size(), 20 << 20);

    let args = decode("output {}\n").unwrap();
    assert!(
        args.grpc.is_none() && args.http.is_none(),
        "no block, no server"
    );

    let args = decode(
        "grpc {\n endpoint = \"127.0.0.1:5317\"\n max_recv_msg_size = \"1MiB\"\n keepalive {\n server_parameters {\n time = \"30s\"\n }\n }\n}\noutput {}\n",
    )
    .unwrap();
    let grpc = args.grpc.unwrap();
    assert_eq!(grpc.max_message_size(), 1 << 20);
    assert_eq!(
        grpc.http2().keepalive_interval,
        Some(Duration::from_secs(30))
    );
    assert_eq!(
        grpc.http2().keepalive_timeout,
        Some(Duration::from_secs(20))
    );

    let err = decode("http {\n traces_url_path = \"\"\n}\noutput {}\n").unwrap_err();
    assert!(err.contains("traces_url_path cannot be empty"), "{err}");
}

#[test]
fn url_paths_are_validated() {
    let args = Arguments {
        http: Some(HttpArguments {
            logs_url_path: String::new(),
            ..HttpArguments::default()
        }),
        ..Arguments::default()
    };
    assert_eq!(
        args.validate().unwrap_err(),
        "logs_url_path cannot be empty"
    );
}
