//! Prometheus remote-write 1.0 messages (`prometheus.WriteRequest`, package
//! `prometheus` of `types.proto`/`remote.proto`) and the snappy block framing
//! of request bodies. Native histograms (`TimeSeries` field 4) are not
//! modelled: decoding skips them like any unknown field.

use crate::labels::Labels;
use crate::metrics::MetricType;

#[derive(Clone, PartialEq, prost::Message)]
pub struct WriteRequest {
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
    #[prost(message, repeated, tag = "3")]
    pub metadata: Vec<MetricMetadata>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct TimeSeries {
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
    #[prost(message, repeated, tag = "3")]
    pub exemplars: Vec<Exemplar>,
}

#[derive(Clone, PartialEq, Eq, Hash, prost::Message)]
pub struct Label {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub value: String,
}

#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Sample {
    #[prost(double, tag = "1")]
    pub value: f64,
    /// Milliseconds since the Unix epoch.
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct Exemplar {
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    #[prost(double, tag = "2")]
    pub value: f64,
    #[prost(int64, tag = "3")]
    pub timestamp: i64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct MetricMetadata {
    /// A [`MetricMetadataType`] number.
    #[prost(enumeration = "MetricMetadataType", tag = "1")]
    pub r#type: i32,
    #[prost(string, tag = "2")]
    pub metric_family_name: String,
    #[prost(string, tag = "4")]
    pub help: String,
    #[prost(string, tag = "5")]
    pub unit: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
#[repr(i32)]
pub enum MetricMetadataType {
    Unknown = 0,
    Counter = 1,
    Gauge = 2,
    Histogram = 3,
    Gaugehistogram = 4,
    Summary = 5,
    Info = 6,
    Stateset = 7,
}

impl From<MetricType> for MetricMetadataType {
    fn from(t: MetricType) -> MetricMetadataType {
        match t {
            MetricType::Counter => MetricMetadataType::Counter,
            MetricType::Gauge => MetricMetadataType::Gauge,
            MetricType::Histogram => MetricMetadataType::Histogram,
            MetricType::GaugeHistogram => MetricMetadataType::Gaugehistogram,
            MetricType::Summary => MetricMetadataType::Summary,
            MetricType::Info => MetricMetadataType::Info,
            MetricType::StateSet => MetricMetadataType::Stateset,
            MetricType::Unknown => MetricMetadataType::Unknown,
        }
    }
}

impl From<MetricMetadataType> for MetricType {
    fn from(t: MetricMetadataType) -> MetricType {
        match t {
            MetricMetadataType::Counter => MetricType::Counter,
            MetricMetadataType::Gauge => MetricType::Gauge,
            MetricMetadataType::Histogram => MetricType::Histogram,
            MetricMetadataType::Gaugehistogram => MetricType::GaugeHistogram,
            MetricMetadataType::Summary => MetricType::Summary,
            MetricMetadataType::Info => MetricType::Info,
            MetricMetadataType::Stateset => MetricType::StateSet,
            MetricMetadataType::Unknown => MetricType::Unknown,
        }
    }
}

/// The wire labels of `labels`, in their (sorted) order.
pub fn labels_to_wire(labels: &Labels) -> Vec<Label> {
    labels
        .iter()
        .map(|(name, value)| Label {
            name: name.to_string(),
            value: value.to_string(),
        })
        .collect()
}

/// A label set from wire labels; senders should sort them, but a receiver
/// does not rely on it.
pub fn labels_from_wire(labels: &[Label]) -> Labels {
    Labels::from_pairs(labels.iter().map(|l| (l.name.as_str(), l.value.as_str())))
}

/// The request body: the protobuf message, snappy block-compressed.
pub fn encode_request(request: &WriteRequest) -> Vec<u8> {
    let raw = prost::Message::encode_to_vec(request);
    compress(&raw)
}

/// Snappy block compression of `raw` (cannot fail for in-memory input
/// smaller than snappy's 4 GiB limit, which request bodies always are).
pub fn compress(raw: &[u8]) -> Vec<u8> {
    snap::raw::Encoder::new()
        .compress_vec(raw)
        .unwrap_or_else(|e| unreachable!("snappy refused {} bytes: {e}", raw.len()))
}

/// Decodes a request body, with the reason when it is not snappy or not a
/// `WriteRequest`. `max_decoded` bounds the decompressed size.
pub fn decode_request(body: &[u8], max_decoded: usize) -> Result<WriteRequest, String> {
    let len = snap::raw::decompress_len(body).map_err(|e| format!("snappy: {e}"))?;
    if len > max_decoded {
        return Err(format!(
            "decompressed body of {len} bytes exceeds the limit of {max_decoded} bytes"
        ));
    }
    let raw = snap::raw::Decoder::new()
        .decompress_vec(body)
        .map_err(|e| format!("snappy: {e}"))?;
    <WriteRequest as prost::Message>::decode(raw.as_slice()).map_err(|e| format!("protobuf: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 64 << 20;

    #[test]
    fn captured_prometheus_requests_decode_and_round_trip() {
        let dir = testutil::shared("testdata/payloads/remote-write");
        let bodies = testutil::files_with_suffix(&dir, ".body");
        assert!(bodies.len() >= 20, "payloads found: {}", bodies.len());
        let (mut series, mut metadata) = (0, 0);
        for path in bodies {
            let body = std::fs::read(&path).unwrap();
            let meta: serde_json::Value =
                serde_json::from_slice(&std::fs::read(path.with_extension("json")).unwrap())
                    .unwrap();
            assert_eq!(meta["len"].as_u64(), Some(body.len() as u64));
            assert_eq!(meta["headers"]["Content-Encoding"], "snappy");
            let request =
                decode_request(&body, LIMIT).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for ts in &request.timeseries {
                let names: Vec<_> = ts.labels.iter().map(|l| l.name.as_str()).collect();
                assert!(names.is_sorted(), "{names:?}");
                assert!(names.contains(&"__name__"));
                assert_eq!(labels_to_wire(&labels_from_wire(&ts.labels)), ts.labels);
            }
            series += request.timeseries.len();
            metadata += request.metadata.len();
            // Compared as bytes: NaN samples make the messages unequal to themselves.
            let again = decode_request(&encode_request(&request), LIMIT).unwrap();
            assert!(
                prost::Message::encode_to_vec(&again) == prost::Message::encode_to_vec(&request)
            );
        }
        assert!(
            series > 0 && metadata > 0,
            "{series} series, {metadata} metadata"
        );
    }

    #[test]
    fn metadata_only_requests_have_no_series() {
        let body =
            std::fs::read(testutil::shared("testdata/payloads/remote-write/0011.body")).unwrap();
        let request = decode_request(&body, LIMIT).unwrap();
        assert!(request.timeseries.is_empty());
        let first = &request.metadata[0];
        assert!(!first.metric_family_name.is_empty());
        assert!(MetricMetadataType::try_from(first.r#type).is_ok());
    }

    #[test]
    fn bad_bodies_are_reported() {
        assert!(
            decode_request(b"\xff\xff\xff\xff\xff", LIMIT)
                .unwrap_err()
                .starts_with("snappy:")
        );
        let not_proto = compress(b"\x0a\xff\xff\xff");
        assert!(
            decode_request(&not_proto, LIMIT)
                .unwrap_err()
                .starts_with("protobuf:")
        );
        let big = compress(&vec![0u8; 1000]);
        assert!(decode_request(&big, 10).unwrap_err().contains("exceeds"));
    }

    #[test]
    fn stale_markers_keep_their_bits() {
        let request = WriteRequest {
            timeseries: vec![TimeSeries {
                labels: vec![Label {
                    name: "__name__".into(),
                    value: "up".into(),
                }],
                samples: vec![Sample {
                    value: crate::metrics::stale_nan(),
                    timestamp: 5,
                }],
                exemplars: vec![],
            }],
            metadata: vec![],
        };
        let back = decode_request(&encode_request(&request), LIMIT).unwrap();
        assert!(crate::metrics::is_stale_nan(
            back.timeseries[0].samples[0].value
        ));
    }
}
