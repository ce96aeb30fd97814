//! One endpoint's HTTP side: remote-write 1.0 request bodies encoded
//! straight from the series' label sets, and delivery with retries. 5xx, network errors
//! and (when enabled) 429 are retried with exponential backoff, honouring
//! `Retry-After`; other statuses drop the request.

use super::metrics::QueueMetrics;
use crate::prometheus::http_client::HttpClient;
use bytes::Bytes;
use model::labels::Labels;
use model::relabel::{self, Rule};
use model::remote_write::{Exemplar, labels_to_wire};
use prost::encoding::{encode_varint, encoded_len_varint};
use reqwest::header::{CONTENT_ENCODING, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio_util::sync::CancellationToken;

/// The labels of a series as sent: external labels added where the series
/// lacks them, write relabelling applied, `__`-prefixed labels other than
/// `__name__` removed. `None` when relabelling drops the series. The set
/// itself is shared when nothing changes it (the common case), so a queue
/// keeps no copy per series.
pub fn prepare_labels(
    labels: &Arc<Labels>,
    external: &Labels,
    rules: &[Rule],
) -> Option<Arc<Labels>> {
    let internal = |name: &str| name != "__name__" && name.starts_with("__");
    let unchanged = rules.is_empty()
        && !labels.is_empty()
        && external.iter().all(|(name, _)| labels.get(name).is_some())
        && !labels.iter().any(|(name, _)| internal(name));
    if unchanged {
        return Some(labels.clone());
    }
    let mut labels = Labels::clone(labels);
    for (name, value) in external.iter() {
        if labels.get(name).is_none() {
            labels.set(name, value);
        }
    }
    if !rules.is_empty() && !relabel::process(&mut labels, rules) {
        return None;
    }
    labels.retain(|name, _| !internal(name));
    (!labels.is_empty()).then(|| Arc::new(labels))
}

/// Protobuf's length of a length-delimited field of `len` bytes (tag of one
/// byte); empty strings are left out, as prost leaves them out.
fn field_len(len: usize) -> usize {
    if len == 0 {
        0
    } else {
        1 + encoded_len_varint(len as u64) + len
    }
}

fn label_len(name: &str, value: &str) -> usize {
    field_len(name.len()) + field_len(value.len())
}

/// The length of `labels` as the `labels` field of a `TimeSeries`.
fn labels_len(labels: &Labels) -> usize {
    labels
        .iter()
        .map(|(n, v)| 1 + encoded_len_varint(label_len(n, v) as u64) + label_len(n, v))
        .sum()
}

fn put_string(raw: &mut Vec<u8>, tag: u8, text: &str) {
    if !text.is_empty() {
        raw.push(tag);
        encode_varint(text.len() as u64, raw);
        raw.extend_from_slice(text.as_bytes());
    }
}

/// Writes `labels` as the `labels` field of a `TimeSeries`.
fn put_labels(raw: &mut Vec<u8>, labels: &Labels) {
    for (name, value) in labels.iter() {
        raw.push(0x0a); // TimeSeries.labels, length-delimited
        encode_varint(label_len(name, value) as u64, raw);
        put_string(raw, 0x0a, name); // Label.name
        put_string(raw, 0x12, value); // Label.value
    }
}

/// Builds a `WriteRequest` of one `TimeSeries` per sample, as Prometheus
/// does, without materialising the messages.
#[derive(Default)]
pub struct RequestBuilder {
    raw: Vec<u8>,
    pub samples: usize,
    pub exemplars: usize,
    pub highest_timestamp: i64,
}

impl RequestBuilder {
    pub fn clear(&mut self) {
        self.raw.clear();
        self.samples = 0;
        self.exemplars = 0;
        self.highest_timestamp = i64::MIN;
    }

    /// A series carrying one exemplar and no sample.
    pub fn push_exemplar(
        &mut self,
        labels: &Labels,
        exemplar: &Labels,
        timestamp: i64,
        value: f64,
    ) {
        let exemplar = prost::Message::encode_to_vec(&Exemplar {
            labels: labels_to_wire(exemplar),
            value,
            timestamp,
        });
        let series_len =
            labels_len(labels) + 1 + encoded_len_varint(exemplar.len() as u64) + exemplar.len();
        self.raw.push(0x0a); // WriteRequest.timeseries, length-delimited
        encode_varint(series_len as u64, &mut self.raw);
        put_labels(&mut self.raw, labels);
        self.raw.push(0x1a); // TimeSeries.exemplars, length-delimited
        encode_varint(exemplar.len() as u64, &mut self.raw);
        self.raw.extend_from_slice(&exemplar);
        self.exemplars += 1;
    }

    pub fn push(&mut self, labels: &Labels, timestamp: i64, value: f64) {
        // Sample { double value = 1; int64 timestamp = 2; }
        let sample_len = 1 + 8 + 1 + encoded_len_varint(timestamp as u64);
        let series_len =
            labels_len(labels) + 1 + encoded_len_varint(sample_len as u64) + sample_len;
        self.raw.push(0x0a); // WriteRequest.timeseries, length-delimited
        encode_varint(series_len as u64, &mut self.raw);
        put_labels(&mut self.raw, labels);
        self.raw.push(0x12); // TimeSeries.samples, length-delimited
        encode_varint(sample_len as u64, &mut self.raw);
        self.raw.push(0x09); // Sample.value, fixed64
        self.raw.extend_from_slice(&value.to_bits().to_le_bytes());
        self.raw.push(0x10); // Sample.timestamp, varint
        encode_varint(timestamp as u64, &mut self.raw);
        self.samples += 1;
        self.highest_timestamp = self.highest_timestamp.max(timestamp);
    }

    /// The snappy-compressed body.
    pub fn body(&self) -> Bytes {
        Bytes::from(model::remote_write::compress(&self.raw))
    }
}

/// What became of a request.
#[derive(Debug, PartialEq)]
pub enum Delivery {
    Sent,
    /// Refused for good (a 4xx); the reason.
    Dropped(String),
    /// The queue was stopped while retrying.
    Cancelled,
}

pub struct Sender {
    pub client: HttpClient,
    pub url: String,
    pub headers: HeaderMap,
    pub min_backoff: Duration,
    pub max_backoff: Duration,
    pub retry_on_http_429: bool,
}

impl Sender {
    pub fn headers(
        configured: &std::collections::BTreeMap<String, String>,
    ) -> Result<HeaderMap, String> {
        let mut headers = HeaderMap::new();
        for (name, value) in configured {
            let name = HeaderName::try_from(name.as_str())
                .map_err(|e| format!("invalid header name {name:?}: {e}"))?;
            let value = HeaderValue::try_from(value.as_str())
                .map_err(|e| format!("invalid value for header {name:?}: {e}"))?;
            headers.insert(name, value);
        }
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("snappy"));
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-protobuf"),
        );
        headers.insert(
            "X-Prometheus-Remote-Write-Version",
            HeaderValue::from_static("0.1.0"),
        );
        Ok(headers)
    }

    /// Delivers `body` (carrying `count` samples), retrying recoverable
    /// failures until it is accepted, refused for good, or `cancel` fires.
    pub async fn send(
        &self,
        body: Bytes,
        count: usize,
        metrics: &QueueMetrics,
        cancel: &CancellationToken,
    ) -> Delivery {
        let mut backoff = self.min_backoff;
        loop {
            let attempt = tokio::select! {
                _ = cancel.cancelled() => return Delivery::Cancelled,
                attempt = self.attempt(body.clone()) => attempt,
            };
            let wait = match attempt {
                Attempt::Sent => return Delivery::Sent,
                Attempt::Dropped(reason) => return Delivery::Dropped(reason),
                Attempt::Retry {
                    reason,
                    retry_after,
                } => {
                    tracing::warn!(url = %self.url, "failed to send batch, retrying: {reason}");
                    retry_after.unwrap_or(backoff)
                }
            };
            metrics.samples_retried.inc_by(count as u64);
            tokio::select! {
                _ = cancel.cancelled() => return Delivery::Cancelled,
                _ = tokio::time::sleep(wait) => {}
            }
            backoff = (backoff * 2).min(self.max_backoff);
        }
    }

    async fn attempt(&self, body: Bytes) -> Attempt {
        let request = self
            .client
            .client
            .post(&self.url)
            .headers(self.headers.clone())
            .body(body);
        let request = match self.client.authorize(request).await {
            Ok(request) => request,
            Err(reason) => {
                return Attempt::Retry {
                    reason,
                    retry_after: None,
                };
            }
        };
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                return Attempt::Retry {
                    reason: error_chain(&e),
                    retry_after: None,
                };
            }
        };
        let status = response.status();
        if status.is_success() {
            return Attempt::Sent;
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        // Receivers explain errors in the body; keep the first line short.
        let text = response.text().await.unwrap_or_default();
        let text: String = text
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(512)
            .collect();
        let reason = format!("server returned HTTP status {status}: {text}");
        let retry = status.is_server_error()
            || (status == reqwest::StatusCode::TOO_MANY_REQUESTS && self.retry_on_http_429);
        if retry {
            Attempt::Retry {
                reason,
                retry_after,
            }
        } else {
            Attempt::Dropped(reason)
        }
    }
}

enum Attempt {
    Sent,
    Dropped(String),
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// `Retry-After` as seconds or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    if let Ok(secs) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate_parse(value.trim())?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form servers send.
fn httpdate_parse(value: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = value.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m == month)? as i64
        + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + m * 60 + s;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::remote_write::decode_request;

    #[test]
    fn requests_decode_as_write_requests() {
        let labels = Arc::new(Labels::from_pairs([
            ("__name__", "up"),
            ("__tmp", "x"),
            ("job", "a"),
            ("empty_value_left_out", ""),
        ]));
        let external = Labels::from_pairs([("cluster", "c1"), ("job", "ignored")]);
        let prepared = prepare_labels(&labels, &external, &[]).unwrap();
        let mut builder = RequestBuilder::default();
        builder.clear();
        builder.push(&prepared, 1_700_000_000_000, 1.5);
        builder.push(&prepared, -1, 0.0);
        let trace = Labels::from_pairs([("trace_id", "t1")]);
        builder.push_exemplar(&prepared, &trace, 7, 0.5);
        let request = decode_request(&builder.body(), 1 << 20).unwrap();
        assert_eq!(request.timeseries.len(), 3);
        assert!(request.timeseries[2].samples.is_empty());
        let exemplar = &request.timeseries[2].exemplars[0];
        assert_eq!((exemplar.timestamp, exemplar.value), (7, 0.5));
        assert_eq!(exemplar.labels[0].value, "t1");
        let names: Vec<_> = request.timeseries[0]
            .labels
            .iter()
            .map(|l| format!("{}={}", l.name, l.value))
            .collect();
        assert_eq!(
            names,
            [
                "__name__=up",
                "cluster=c1",
                "empty_value_left_out=",
                "job=a"
            ]
        );
        assert_eq!(request.timeseries[0].samples[0].value, 1.5);
        assert_eq!(
            request.timeseries[0].samples[0].timestamp,
            1_700_000_000_000
        );
        assert_eq!(request.timeseries[1].samples[0].timestamp, -1);
        assert_eq!(builder.highest_timestamp, 1_700_000_000_000);
    }

    #[test]
    fn relabelling_can_drop_series() {
        let drop_up = Rule {
            source_labels: vec!["__name__".into()],
            regex: relabel::Regex::new("up").unwrap(),
            action: relabel::Action::Drop,
            ..Rule::default()
        };
        let up = Arc::new(Labels::from_pairs([("__name__", "up")]));
        let other = Arc::new(Labels::from_pairs([("__name__", "other")]));
        assert!(prepare_labels(&up, &Labels::new(), std::slice::from_ref(&drop_up)).is_none());
        assert!(prepare_labels(&other, &Labels::new(), &[drop_up]).is_some());
        let internal_only = Arc::new(Labels::from_pairs([("__x", "y")]));
        assert!(prepare_labels(&internal_only, &Labels::new(), &[]).is_none());
    }

    #[test]
    fn unchanged_label_sets_are_shared() {
        let labels = Arc::new(Labels::from_pairs([("__name__", "up"), ("job", "a")]));
        let external = Labels::from_pairs([("job", "ignored")]);
        let prepared = prepare_labels(&labels, &external, &[]).unwrap();
        assert!(Arc::ptr_eq(&prepared, &labels));
    }

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(
            httpdate_parse("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777))
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
