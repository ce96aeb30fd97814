//! OTLP/HTTP: `POST` of protobuf or JSON bodies on the three signal paths,
//! answered in the request's encoding (otlp.md §2, §4).

use super::compression::{DecompressError, ReadError, decompress, read_body};
use super::export::{ExportError, Exporter, Format, RpcStatus, Transport};
use super::{HttpArguments, client_context};
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use model::otlp::{ConsumeErrorKind, Signal};
use std::sync::Arc;

/// gRPC status codes carried in `google.rpc.Status` bodies.
const INVALID_ARGUMENT: i32 = 3;
const RESOURCE_EXHAUSTED: i32 = 8;
const UNAUTHENTICATED: i32 = 16;
const UNAVAILABLE: i32 = 14;
const UNIMPLEMENTED: i32 = 12;

/// The HTTP server's routes (CORS, when configured, wraps them). Paths are
/// matched exactly by hand: a configured path is data, not a route pattern.
pub fn router(exporter: Arc<Exporter>, args: &HttpArguments) -> Result<Router, String> {
    let settings = Arc::new(args.clone());
    let router = Router::new().fallback(move |request: Request| async move {
        let path = request.uri().path();
        let signal = Signal::ALL
            .into_iter()
            .find(|s| settings.url_path(*s) == path);
        match signal {
            None => StatusCode::NOT_FOUND.into_response(),
            Some(_) if request.method() != Method::POST => (
                StatusCode::METHOD_NOT_ALLOWED,
                [(header::ALLOW, "POST")],
                "405 method not allowed, supported: [POST]",
            )
                .into_response(),
            Some(signal) => handle(&exporter, &settings, signal, request).await,
        }
    });
    Ok(
        match args
            .server
            .cors
            .as_ref()
            .map(|c| c.layer())
            .transpose()?
            .flatten()
        {
            Some(cors) => router.layer(cors),
            None => router,
        },
    )
}

fn format_of(request: &Request) -> Option<Format> {
    let content_type = request.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    let media_type = content_type.split(';').next()?.trim();
    if media_type.eq_ignore_ascii_case("application/x-protobuf") {
        Some(Format::Protobuf)
    } else if media_type.eq_ignore_ascii_case("application/json") {
        Some(Format::Json)
    } else {
        None
    }
}

async fn handle(
    exporter: &Exporter,
    settings: &HttpArguments,
    signal: Signal,
    request: Request,
) -> Response {
    let server = &settings.server;
    let Some(format) = format_of(&request) else {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Format::Protobuf,
            UNIMPLEMENTED,
            "unsupported media type, supported: [application/json, application/x-protobuf]",
        );
    };
    let auth = match &server.auth {
        Some(handler) => match handler.0.authenticate(request.headers()) {
            Ok(auth) => auth,
            Err(reason) => {
                return error(StatusCode::UNAUTHORIZED, format, UNAUTHENTICATED, &reason);
            }
        },
        None => Vec::new(),
    };
    let encoding = request
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    if !server.accepts_encoding(&encoding) {
        return error(
            StatusCode::BAD_REQUEST,
            format,
            INVALID_ARGUMENT,
            &format!("unsupported Content-Encoding: {encoding}"),
        );
    }
    let context = client_context(&request, server.include_metadata, auth);
    let limit = server.max_body_size();
    let too_large = || {
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format,
            RESOURCE_EXHAUSTED,
            &format!("request body too large: the limit is {limit} bytes"),
        )
    };
    // The raw body is limited as well: compression never makes it larger.
    let body = match read_body(request.into_body(), limit).await {
        Ok(body) => body,
        Err(ReadError::TooLarge) => return too_large(),
        Err(ReadError::Failed(e)) => {
            let reason = format!("failed to read the request body: {e}");
            return error(StatusCode::BAD_REQUEST, format, INVALID_ARGUMENT, &reason);
        }
    };
    let body = match decompress(&encoding, body, limit) {
        Ok(body) => body,
        Err(DecompressError::TooLarge) => return too_large(),
        Err(DecompressError::Unsupported) => {
            let reason = format!("unsupported Content-Encoding: {encoding}");
            return error(StatusCode::BAD_REQUEST, format, INVALID_ARGUMENT, &reason);
        }
        Err(DecompressError::Corrupt(e)) => {
            let reason = format!("failed to decompress the {encoding} body: {e}");
            return error(StatusCode::BAD_REQUEST, format, INVALID_ARGUMENT, &reason);
        }
    };
    match exporter
        .export(signal, format, body, context, Transport::Http)
        .await
    {
        Ok(response) => reply(StatusCode::OK, format, response),
        Err(ExportError::Malformed(reason)) => {
            error(StatusCode::BAD_REQUEST, format, INVALID_ARGUMENT, &reason)
        }
        Err(ExportError::Refused(e)) => match e.kind {
            ConsumeErrorKind::Permanent => error(
                StatusCode::BAD_REQUEST,
                format,
                INVALID_ARGUMENT,
                &e.message,
            ),
            ConsumeErrorKind::Retryable { retry_after: None } => error(
                StatusCode::SERVICE_UNAVAILABLE,
                format,
                UNAVAILABLE,
                &e.message,
            ),
            ConsumeErrorKind::Retryable {
                retry_after: Some(delay),
            } => {
                let mut response = error(
                    StatusCode::TOO_MANY_REQUESTS,
                    format,
                    RESOURCE_EXHAUSTED,
                    &e.message,
                );
                // Whole seconds, rounded up so the client never comes back early.
                let seconds = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
                response
            }
        },
    }
}

fn content_type(format: Format) -> HeaderValue {
    HeaderValue::from_static(match format {
        Format::Protobuf => "application/x-protobuf",
        Format::Json => "application/json",
    })
}

fn reply(status: StatusCode, format: Format, body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type(format));
    response
}

fn error(status: StatusCode, format: Format, code: i32, message: &str) -> Response {
    let status_body = RpcStatus {
        code,
        message: message.to_owned(),
    };
    reply(status, format, status_body.encode_as(format))
}
