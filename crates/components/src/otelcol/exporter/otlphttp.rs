//! `otelcol.exporter.otlphttp`: sends OTLP over HTTP (SPEC §2.8) as
//! `POST {endpoint}/v1/{signal}` with the request's protobuf bytes, compressed
//! per `compression`.

use super::{
    Accepted, Encoding, ExporterKind, Outgoing, SendError, Settings, Transport, partial_success,
    rpc,
};
use crate::otelcol::DebugMetrics;
use crate::otelcol::auth::Handler;
use crate::otelcol::config::client::{Compression, HttpClient, RetryOnFailure, SendingQueue};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use model::otlp::{
    ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest, Signal,
};
use model::otlp_json::OtlpJson;
use prost::Message;
use std::io::Write;
use std::time::Duration;
use syntax::decode::{Block, Validate};

#[derive(Clone, Debug, Default, PartialEq, Block)]
#[alloy(validate)]
pub struct Arguments {
    #[alloy(attr, optional)]
    pub encoding: String,
    #[alloy(attr, optional)]
    pub traces_endpoint: String,
    #[alloy(attr, optional)]
    pub metrics_endpoint: String,
    #[alloy(attr, optional)]
    pub logs_endpoint: String,
    #[alloy(block)]
    pub client: HttpClient,
    #[alloy(block, optional)]
    pub sending_queue: SendingQueue,
    #[alloy(block, optional)]
    pub retry_on_failure: RetryOnFailure,
    #[alloy(block, optional)]
    pub debug_metrics: DebugMetrics,
}

impl Validate for Arguments {
    fn validate(&self) -> Result<(), String> {
        match self.encoding.as_str() {
            "" | "proto" => Ok(()),
            "json" => Ok(()),
            other => Err(format!("invalid encoding {other:?}: must be proto or json")),
        }
    }
}

/// The `otelcol.exporter.otlphttp` component.
pub type OtlpHttpExporter = super::Exporter<Http>;

pub struct Http;

impl ExporterKind for Http {
    type Arguments = Arguments;
    type Transport = HttpTransport;

    fn settings(args: &Arguments) -> Settings<'_> {
        Settings {
            queue: &args.sending_queue,
            retry: &args.retry_on_failure,
            timeout: args.client.timeout.to_std().unwrap_or_default(),
        }
    }

    fn transport(args: &Arguments) -> Result<HttpTransport, String> {
        HttpTransport::new(args)
    }
}

pub struct HttpTransport {
    client: reqwest::Client,
    /// Traces, metrics, logs.
    urls: [reqwest::Url; 3],
    compression: Compression,
    /// `compression_params.level`, checked by the block's validation.
    level: Option<i32>,
    encoding: Encoding,
    headers: HeaderMap,
    auth: Option<Handler>,
}

impl HttpTransport {
    fn new(args: &Arguments) -> Result<HttpTransport, String> {
        let client = &args.client;
        let compression = Compression::parse(&client.compression)?;
        if compression == Compression::Snappy {
            return Err(
                "compression \"snappy\" is not supported by otelcol.exporter.otlphttp yet".into(),
            );
        }
        let url = |explicit: &str, signal: Signal| {
            let text = if explicit.is_empty() {
                format!(
                    "{}/v1/{}",
                    client.endpoint.trim_end_matches('/'),
                    signal.as_str()
                )
            } else {
                explicit.to_owned()
            };
            let url = reqwest::Url::parse(&text)
                .map_err(|e| format!("invalid endpoint {text:?}: {e}"))?;
            match url.scheme() {
                "http" | "https" => Ok(url),
                _ => Err(format!(
                    "invalid endpoint {text:?}: the scheme must be http or https"
                )),
            }
        };
        let urls = [
            url(&args.traces_endpoint, Signal::Traces)?,
            url(&args.metrics_endpoint, Signal::Metrics)?,
            url(&args.logs_endpoint, Signal::Logs)?,
        ];
        // `insecure` only matters to gRPC: over HTTP the URL's scheme decides.
        let tls = crate::otelcol::config::client::ClientTls {
            insecure: false,
            ..client.tls.clone()
        };
        let alpn: &[&[u8]] = if client.force_attempt_http2 {
            &[b"h2", b"http/1.1"]
        } else {
            &[b"http/1.1"]
        };
        let rustls = tls.rustls_config(alpn)?.expect("TLS is on");
        // reqwest takes the configuration itself, not an `Arc` of it.
        let rustls = std::sync::Arc::unwrap_or_clone(rustls);
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(rustls)
            .pool_idle_timeout(client.idle_conn_timeout.to_std().filter(|d| !d.is_zero()));
        if client.disable_keep_alives {
            builder = builder.pool_max_idle_per_host(0);
        } else if client.max_idle_conns_per_host > 0 {
            builder = builder.pool_max_idle_per_host(client.max_idle_conns_per_host as usize);
        }
        if !client.proxy_url.is_empty() {
            let proxy = reqwest::Proxy::all(&client.proxy_url)
                .map_err(|e| format!("invalid proxy_url {:?}: {e}", client.proxy_url))?;
            builder = builder.proxy(proxy);
        }
        let http_client = builder
            .build()
            .map_err(|e| format!("failed to create the HTTP client: {e}"))?;
        let mut headers = HeaderMap::new();
        insert_headers(
            &mut headers,
            client.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        )?;
        Ok(HttpTransport {
            client: http_client,
            urls,
            compression,
            level: client.compression_params.as_ref().map(|p| p.level as i32),
            encoding: if args.encoding == "json" {
                Encoding::Json
            } else {
                Encoding::Protobuf
            },
            headers,
            auth: client.auth.clone(),
        })
    }
}

fn insert_headers<'a>(
    map: &mut HeaderMap,
    headers: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<(), String> {
    for (name, value) in headers {
        let key = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("invalid header name {name:?}"))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| format!("invalid value for header {name:?}"))?;
        map.insert(key, value);
    }
    Ok(())
}

/// The body compressed as `compression` says (at `level`, else the fastest
/// level, as the Collector's HTTP client compresses), and its `Content-Encoding`.
fn compress(
    compression: Compression,
    level: Option<i32>,
    body: &Bytes,
) -> std::io::Result<(Bytes, Option<&'static str>)> {
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
    let flate_level = match level {
        Some(level @ 0..=9) => flate2::Compression::new(level as u32),
        _ => flate2::Compression::fast(),
    };
    let (bytes, name) = match compression {
        Compression::None | Compression::Snappy => return Ok((body.clone(), None)),
        Compression::Gzip => {
            let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 2), flate_level);
            encoder.write_all(body)?;
            (encoder.finish()?, "gzip")
        }
        Compression::Zlib => {
            let mut encoder = ZlibEncoder::new(Vec::with_capacity(body.len() / 2), flate_level);
            encoder.write_all(body)?;
            (encoder.finish()?, "zlib")
        }
        Compression::Deflate => {
            let mut encoder = DeflateEncoder::new(Vec::with_capacity(body.len() / 2), flate_level);
            encoder.write_all(body)?;
            (encoder.finish()?, "deflate")
        }
        Compression::Zstd => (zstd::bulk::compress(body, level.unwrap_or(0))?, "zstd"),
    };
    Ok((Bytes::from(bytes), Some(name)))
}

impl Transport for HttpTransport {
    async fn send(&self, request: &Outgoing) -> Result<Accepted, SendError> {
        let url = match request.signal {
            Signal::Traces => &self.urls[0],
            Signal::Metrics => &self.urls[1],
            Signal::Logs => &self.urls[2],
        };
        let (body, content_type) = match self.encoding {
            Encoding::Protobuf => (request.body.clone(), "application/x-protobuf"),
            Encoding::Json => (json_body(request)?, "application/json"),
        };
        let (body, content_encoding) = compress(self.compression, self.level, &body)
            .map_err(|e| SendError::Permanent(format!("failed to compress the request: {e}")))?;
        let mut headers = self.headers.clone();
        if let Some(auth) = &self.auth {
            let extra = auth.0.client_headers().map_err(SendError::Permanent)?;
            insert_headers(
                &mut headers,
                extra.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            )
            .map_err(SendError::Permanent)?;
        }
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(content_type),
        );
        if let Some(encoding) = content_encoding {
            headers.insert(
                http::header::CONTENT_ENCODING,
                HeaderValue::from_static(encoding),
            );
        }
        let response = self
            .client
            .post(url.clone())
            .headers(headers)
            .body(body)
            .send()
            .await
            .map_err(|e| SendError::retryable(format!("failed to make an HTTP request: {e}")))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let body = response
            .bytes()
            .await
            .map_err(|e| SendError::retryable(format!("failed to read the response body: {e}")))?;
        if status.is_success() {
            // A server may answer with an empty or unparsable body; the data
            // was accepted all the same.
            return Ok(partial_success(request.signal, &body, self.encoding).unwrap_or_default());
        }
        let reason = format!(
            "error exporting items, request to {url} responded with HTTP Status Code {}, Message={}",
            status.as_u16(),
            failure_message(&body)
        );
        if matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS
                | StatusCode::BAD_GATEWAY
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::GATEWAY_TIMEOUT
        ) {
            Err(SendError::Retryable {
                reason,
                retry_after,
            })
        } else {
            Err(SendError::Permanent(reason))
        }
    }
}

/// The request as OTLP/JSON.
fn json_body(request: &Outgoing) -> Result<Bytes, SendError> {
    let invalid = |e: prost::DecodeError| SendError::Permanent(format!("invalid request: {e}"));
    let json = match request.signal {
        Signal::Traces => ExportTraceServiceRequest::decode(request.body.clone())
            .map_err(invalid)?
            .to_json(),
        Signal::Metrics => ExportMetricsServiceRequest::decode(request.body.clone())
            .map_err(invalid)?
            .to_json(),
        Signal::Logs => ExportLogsServiceRequest::decode(request.body.clone())
            .map_err(invalid)?
            .to_json(),
    };
    Ok(Bytes::from(json))
}

/// The message of a `google.rpc.Status` body, or the body as text.
fn failure_message(body: &[u8]) -> String {
    match rpc::Status::decode(body) {
        Ok(status) if !status.message.is_empty() => status.message,
        _ => String::from_utf8_lossy(&body[..body.len().min(256)]).into_owned(),
    }
}

/// `Retry-After` in seconds; like the Collector, an HTTP date is ignored
/// (the backoff applies).
fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}
