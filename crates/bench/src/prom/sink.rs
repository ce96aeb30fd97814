//! A remote-write 1.0 receiver that only counts: requests, samples, exemplars,
//! metadata and distinct series (by a hash of their label set), served as JSON
//! at `GET /stats`; `POST /reset` starts a new measurement window.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use hashbrown::HashSet;
use model::remote_write::{WriteRequest, decode_request};
use parking_lot::Mutex;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

/// What arrived since the start or the last reset.
#[derive(Default)]
pub struct Stats {
    requests: u64,
    rejected: u64,
    bytes: u64,
    samples: u64,
    exemplars: u64,
    metadata: u64,
    /// Label-set hashes; 64-bit hashes of a few million series do not collide
    /// in practice, and a set of `u64` keeps the sink small next to the agents.
    series: HashSet<u64, foldhash::fast::FixedState>,
}

impl Stats {
    /// Counts one decoded request of `bytes` compressed bytes.
    pub fn record(&mut self, request: &WriteRequest, bytes: usize) {
        self.requests += 1;
        self.bytes += bytes as u64;
        self.metadata += request.metadata.len() as u64;
        for series in &request.timeseries {
            self.samples += series.samples.len() as u64;
            self.exemplars += series.exemplars.len() as u64;
            let mut hasher = self.series.hasher().build_hasher();
            for label in &series.labels {
                // Lengths first, so that `a="bc"` and `ab="c"` hash apart.
                hasher.write_usize(label.name.len());
                hasher.write(label.name.as_bytes());
                hasher.write_usize(label.value.len());
                hasher.write(label.value.as_bytes());
            }
            self.series.insert(hasher.finish());
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "requests": self.requests,
            "rejected": self.rejected,
            "bytes": self.bytes,
            "samples": self.samples,
            "exemplars": self.exemplars,
            "metadata": self.metadata,
            "series": self.series.len(),
        })
    }
}

/// The largest decompressed request the sink takes (Prometheus's own limit
/// is far below: it sends at most a few MiB per request).
const MAX_DECODED: usize = 64 << 20;

/// Decodes a remote-write 1.0 body: snappy block format around a protobuf
/// `WriteRequest`.
pub fn decode(headers: &HeaderMap, body: &[u8]) -> Result<WriteRequest, String> {
    let encoding = headers
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !encoding.eq_ignore_ascii_case("snappy") {
        return Err(format!(
            "unsupported Content-Encoding {encoding:?}: remote-write 1.0 bodies are snappy"
        ));
    }
    decode_request(body, MAX_DECODED)
}

/// The sink's HTTP API: `POST /api/v1/write` (and `/api/v1/push`, Mimir's name),
/// `GET /stats`, `POST /reset`.
pub fn router(stats: Arc<Mutex<Stats>>) -> Router {
    Router::new()
        .route("/api/v1/write", post(write))
        .route("/api/v1/push", post(write))
        .route("/stats", get(read_stats))
        .route("/reset", post(reset))
        .with_state(stats)
}

async fn write(
    State(stats): State<Arc<Mutex<Stats>>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    match decode(&headers, &body) {
        Ok(request) => {
            stats.lock().record(&request, body.len());
            (StatusCode::NO_CONTENT, String::new())
        }
        Err(reason) => {
            stats.lock().rejected += 1;
            (StatusCode::BAD_REQUEST, reason)
        }
    }
}

async fn read_stats(State(stats): State<Arc<Mutex<Stats>>>) -> axum::Json<serde_json::Value> {
    axum::Json(stats.lock().to_json())
}

async fn reset(State(stats): State<Arc<Mutex<Stats>>>) -> StatusCode {
    *stats.lock() = Stats::default();
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::remote_write::{Label, Sample, TimeSeries, encode_request};

    fn series(labels: &[(&str, &str)], samples: usize) -> TimeSeries {
        TimeSeries {
            labels: labels
                .iter()
                .map(|(name, value)| Label {
                    name: name.to_string(),
                    value: value.to_string(),
                })
                .collect(),
            samples: (0..samples)
                .map(|i| Sample {
                    value: i as f64,
                    timestamp: i as i64,
                })
                .collect(),
            exemplars: Vec::new(),
        }
    }

    fn snappy_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("content-encoding", "snappy".parse().unwrap());
        headers
    }

    #[test]
    fn counts_samples_and_distinct_series() {
        let request = WriteRequest {
            timeseries: vec![
                series(&[("__name__", "up"), ("job", "a")], 2),
                series(&[("__name__", "up"), ("job", "b")], 1),
                // Same text split differently: a different series.
                series(&[("__name__", "up"), ("jo", "ba")], 1),
            ],
            metadata: Vec::new(),
        };
        let body = encode_request(&request);
        let decoded = decode(&snappy_headers(), &body).unwrap();
        let mut stats = Stats::default();
        stats.record(&decoded, body.len());
        stats.record(&decoded, body.len());
        let json = stats.to_json();
        assert_eq!(json["requests"], 2);
        assert_eq!(json["samples"], 8);
        assert_eq!(json["series"], 3);
    }

    #[test]
    fn refuses_bodies_that_are_not_snappy_protobuf() {
        let err = decode(&HeaderMap::new(), b"x").unwrap_err();
        assert!(err.contains("Content-Encoding"), "{err}");
        let err = decode(&snappy_headers(), b"\xff\xff\xff").unwrap_err();
        assert!(err.starts_with("snappy:"), "{err}");
        let not_protobuf = model::remote_write::compress(b"\xff\xff");
        let err = decode(&snappy_headers(), &not_protobuf).unwrap_err();
        assert!(err.starts_with("protobuf:"), "{err}");
    }
}
