//! OTLP/gRPC: the three unary `Export` methods, served by hand over HTTP/2 so
//! the request bytes reach the pipeline undecoded (a tonic service would
//! decode every message). One length-prefixed message in, one out, the status
//! in the trailers; errors as trailers-only responses.

use super::compression::{DecompressError, ReadError, decompress, read_body};
use super::export::{ExportError, Exporter, Format, Transport};
use super::{GrpcArguments, client_context};
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum::routing::post;
use bytes::{BufMut, Bytes, BytesMut};
use http_body_util::StreamBody;
use hyper::body::Frame;
use model::otlp::{ConsumeErrorKind, Signal};
use std::convert::Infallible;
use std::sync::Arc;

/// gRPC status codes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Code {
    Ok = 0,
    InvalidArgument = 3,
    ResourceExhausted = 8,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
    Unauthenticated = 16,
}

/// The method path of each signal's `Export`.
pub fn method(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        Signal::Metrics => "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        Signal::Logs => "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    }
}

/// The encodings a request message may be compressed with.
const ACCEPTED_ENCODINGS: &str = "gzip,zstd,snappy,deflate,identity";

pub fn router(exporter: Arc<Exporter>, args: &GrpcArguments) -> Router {
    let settings = Arc::new(args.clone());
    let mut router = Router::new();
    for signal in Signal::ALL {
        let exporter = exporter.clone();
        let settings = settings.clone();
        router = router.route(
            method(signal),
            post(move |request: Request| async move {
                match handle(&exporter, &settings, signal, request).await {
                    Ok(response) => reply(response),
                    Err((code, message)) => status(code, &message),
                }
            }),
        );
    }
    router
}

type Failure = (Code, String);

async fn handle(
    exporter: &Exporter,
    settings: &GrpcArguments,
    signal: Signal,
    request: Request,
) -> Result<Bytes, Failure> {
    let auth = match &settings.auth {
        Some(handler) => handler
            .0
            .authenticate(request.headers())
            .map_err(|reason| (Code::Unauthenticated, reason))?,
        None => Vec::new(),
    };
    let encoding = header_str(request.headers(), "grpc-encoding").to_owned();
    let context = client_context(&request, settings.include_metadata, auth);
    let limit = settings.max_message_size();
    let too_large = |size: usize| {
        (
            Code::ResourceExhausted,
            format!("grpc: received message larger than max ({size} vs. {limit})"),
        )
    };
    // A frame is a compressed flag, a 4-byte length and the message.
    let body = read_body(request.into_body(), limit.saturating_add(5))
        .await
        .map_err(|e| match e {
            ReadError::TooLarge => too_large(limit + 1),
            ReadError::Failed(e) => (Code::Internal, format!("grpc: reading the request: {e}")),
        })?;
    let Some((&compressed, rest)) = body.split_first() else {
        return Err((Code::Internal, "grpc: the request has no message".into()));
    };
    let length = rest
        .get(..4)
        .map(|l| u32::from_be_bytes([l[0], l[1], l[2], l[3]]) as usize)
        .ok_or_else(|| (Code::Internal, "grpc: truncated message header".to_string()))?;
    if length > limit {
        return Err(too_large(length));
    }
    if body.len() != 5 + length {
        return Err((
            Code::Internal,
            format!(
                "grpc: expected one message of {length} bytes, got {} bytes",
                body.len() - 5
            ),
        ));
    }
    let message = body.slice(5..);
    let message = if compressed == 0 {
        message
    } else {
        decompress(&encoding, message, limit).map_err(|e| match e {
            DecompressError::TooLarge => (
                Code::ResourceExhausted,
                format!("grpc: received message after decompression larger than max ({limit})"),
            ),
            DecompressError::Unsupported => (
                Code::Unimplemented,
                format!("grpc: Decompressor is not installed for grpc-encoding {encoding:?}"),
            ),
            DecompressError::Corrupt(e) => (
                Code::Internal,
                format!("grpc: failed to decompress the received message: {e}"),
            ),
        })?
    };
    exporter
        .export(signal, Format::Protobuf, message, context, Transport::Grpc)
        .await
        .map_err(|e| match e {
            ExportError::Malformed(reason) => (Code::InvalidArgument, reason),
            ExportError::Refused(e) => match e.kind {
                ConsumeErrorKind::Permanent => (Code::InvalidArgument, e.message),
                ConsumeErrorKind::Retryable { .. } => (Code::Unavailable, e.message),
            },
        })
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn grpc_headers(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/grpc"),
    );
    headers.insert(
        "grpc-accept-encoding",
        HeaderValue::from_static(ACCEPTED_ENCODINGS),
    );
}

/// A response message, uncompressed, then `grpc-status: 0` in the trailers.
fn reply(message: Bytes) -> Response {
    let mut frame = BytesMut::with_capacity(5 + message.len());
    frame.put_u8(0);
    frame.put_u32(message.len() as u32);
    frame.put_slice(&message);
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", HeaderValue::from(Code::Ok as i32));
    let frames = [
        Ok::<_, Infallible>(Frame::data(frame.freeze())),
        Ok(Frame::trailers(trailers)),
    ];
    let mut response = Response::new(Body::new(StreamBody::new(futures_util::stream::iter(
        frames,
    ))));
    grpc_headers(&mut response);
    response
}

/// A trailers-only response carrying an error status.
fn status(code: Code, message: &str) -> Response {
    let mut response = Response::new(Body::empty());
    grpc_headers(&mut response);
    let headers = response.headers_mut();
    headers.insert("grpc-status", HeaderValue::from(code as i32));
    if let Ok(message) = HeaderValue::from_str(&percent_encode(message)) {
        headers.insert("grpc-message", message);
    }
    response
}

/// `grpc-message` is percent-encoded outside printable ASCII.
fn percent_encode(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for byte in message.bytes() {
        if (0x20..0x7f).contains(&byte) && byte != b'%' {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
