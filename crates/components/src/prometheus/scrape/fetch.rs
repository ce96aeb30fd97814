//! One HTTP GET of a target's metrics, over the network or — for targets at
//! the process's in-memory address — straight into its own router.

use crate::prometheus::http_client::HttpClient;
use http::header::{ACCEPT, ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use http_body_util::BodyExt;
use std::io::Read;
use std::time::Duration;

/// What every scrape of a target sends.
pub(crate) struct FetchRequest<'a> {
    pub url: &'a reqwest::Url,
    pub address: &'a str,
    pub accept: &'a str,
    pub compression: bool,
    pub timeout: Duration,
    /// Largest uncompressed body accepted; 0 = unlimited.
    pub body_size_limit: usize,
}

pub(crate) const BODY_SIZE_LIMIT_EXCEEDED: &str = "body size limit exceeded";

/// Fetches into `body` (cleared first); returns the response's Content-Type.
pub(crate) async fn fetch(
    client: &HttpClient,
    request: &FetchRequest<'_>,
    body: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) -> Result<String, String> {
    body.clear();
    let fetched = tokio::time::timeout(request.timeout, async {
        match runtime::inmemory::router(request.address) {
            Some(router) => fetch_in_memory(router, request, scratch).await,
            None => fetch_network(client, request, scratch).await,
        }
    })
    .await
    .unwrap_or_else(|_| Err(get_failed(request.url, "context deadline exceeded")));
    let headers = fetched?;
    let content_type = header(&headers, CONTENT_TYPE);
    if header(&headers, CONTENT_ENCODING).eq_ignore_ascii_case("gzip") {
        gunzip(scratch, body, request.body_size_limit)?;
    } else {
        std::mem::swap(body, scratch);
    }
    Ok(content_type)
}

fn header(headers: &HeaderMap, name: http::HeaderName) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

fn timeout_header(timeout: Duration) -> String {
    timeout.as_secs_f64().to_string()
}

fn accept_encoding(compression: bool) -> &'static str {
    if compression { "gzip" } else { "identity" }
}

fn check_status(status: StatusCode) -> Result<(), String> {
    if status == StatusCode::OK {
        return Ok(());
    }
    Err(format!(
        "server returned HTTP status {} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
    .trim_end()
    .to_owned())
}

/// Appends `chunk` to `out` unless that exceeds `limit` (0 = none).
fn push_limited(out: &mut Vec<u8>, chunk: &[u8], limit: usize) -> Result<(), String> {
    if limit > 0 && out.len() + chunk.len() > limit {
        return Err(BODY_SIZE_LIMIT_EXCEEDED.to_owned());
    }
    out.extend_from_slice(chunk);
    Ok(())
}

async fn fetch_network(
    client: &HttpClient,
    request: &FetchRequest<'_>,
    out: &mut Vec<u8>,
) -> Result<HeaderMap, String> {
    out.clear();
    let builder = client
        .client
        .get(request.url.clone())
        .header(ACCEPT, request.accept)
        .header(ACCEPT_ENCODING, accept_encoding(request.compression))
        .header(
            "X-Prometheus-Scrape-Timeout-Seconds",
            timeout_header(request.timeout),
        );
    let mut response = client
        .authorize(builder)
        .await?
        .send()
        .await
        .map_err(|e| get_failed(request.url, &error_chain(&e)))?;
    check_status(response.status())?;
    let headers = response.headers().clone();
    while let Some(chunk) = response.chunk().await.map_err(|e| error_chain(&e))? {
        push_limited(out, &chunk, request.body_size_limit)?;
    }
    Ok(headers)
}

async fn fetch_in_memory(
    router: axum::Router,
    request: &FetchRequest<'_>,
    out: &mut Vec<u8>,
) -> Result<HeaderMap, String> {
    out.clear();
    let path = match request.url.query() {
        Some(query) => format!("{}?{query}", request.url.path()),
        None => request.url.path().to_owned(),
    };
    let http_request = http::Request::get(path)
        .header(http::header::HOST, request.address)
        .header(ACCEPT, request.accept)
        .header(ACCEPT_ENCODING, accept_encoding(request.compression))
        .header(
            "X-Prometheus-Scrape-Timeout-Seconds",
            timeout_header(request.timeout),
        )
        .body(axum::body::Body::empty())
        .map_err(|e| e.to_string())?;
    let response = tower::ServiceExt::oneshot(router, http_request)
        .await
        .map_err(|e| get_failed(request.url, &e.to_string()))?;
    check_status(response.status())?;
    let (parts, mut body) = response.into_parts();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| e.to_string())?;
        if let Some(data) = frame.data_ref() {
            push_limited(out, data, request.body_size_limit)?;
        }
    }
    Ok(parts.headers)
}

/// Decompresses `compressed` into `out`, within `limit` uncompressed bytes.
fn gunzip(compressed: &[u8], out: &mut Vec<u8>, limit: usize) -> Result<(), String> {
    let decoder = flate2::read::GzDecoder::new(compressed);
    let read = if limit > 0 {
        decoder.take(limit as u64 + 1).read_to_end(out)
    } else {
        let mut decoder = decoder;
        decoder.read_to_end(out)
    };
    read.map_err(|e| format!("decompressing gzip body: {e}"))?;
    if limit > 0 && out.len() > limit {
        return Err(BODY_SIZE_LIMIT_EXCEEDED.to_owned());
    }
    Ok(())
}

/// How Go's HTTP client words a failed request.
fn get_failed(url: &reqwest::Url, cause: &str) -> String {
    format!("Get \"{url}\": {cause}")
}

/// A reqwest error told by its causes, which carry the useful part
/// ("connection refused", "operation timed out"); reqwest's own message only
/// repeats the URL the caller already names.
fn error_chain(error: &reqwest::Error) -> String {
    let Some(first) = std::error::Error::source(error) else {
        return error.to_string();
    };
    let mut message = first.to_string();
    let mut source = first.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
