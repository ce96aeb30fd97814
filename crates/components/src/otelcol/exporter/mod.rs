//! `otelcol.exporter.*`: components that send OTLP data out of the process.
//!
//! The OTLP exporters share one pipeline (the Collector's exporterhelper):
//! `input` → bounded [`queue`] with `num_consumers` workers (or a direct send
//! when the queue is disabled) → [`sender`], which retries retryable failures
//! with the backoff of [`retry`] → a [`Transport`] (gRPC or HTTP) that sends
//! the request's protobuf bytes as they arrived.

mod component;
pub mod debug;
mod metrics;
pub mod otlp;
pub mod otlphttp;
pub mod prometheus;
mod queue;
mod retry;
mod sender;
#[cfg(test)]
mod tests;

pub use component::{Exporter, ExporterKind, Settings};

use bytes::Bytes;
use model::otlp::{Signal, Telemetry};
use model::otlp_json::OtlpJson;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceResponse;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceResponse;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;
use std::future::Future;
use std::time::Duration;

/// One export request on its way out: the signal, how many items it holds,
/// and its protobuf encoding.
#[derive(Clone, Debug)]
pub struct Outgoing {
    pub signal: Signal,
    pub items: usize,
    pub body: Bytes,
}

impl Outgoing {
    pub fn new(data: Telemetry) -> Outgoing {
        let signal = data.signal();
        let items = data.items();
        let body = match data {
            Telemetry::Traces(mut p) => p.encoded(),
            Telemetry::Metrics(mut p) => p.encoded(),
            Telemetry::Logs(mut p) => p.encoded(),
        };
        Outgoing {
            signal,
            items,
            body,
        }
    }
}

/// What the server said about an accepted request: items it rejected anyway
/// (OTLP partial success) and why.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Accepted {
    pub rejected: u64,
    pub message: String,
}

/// Why a send failed.
#[derive(Clone, Debug, PartialEq)]
pub enum SendError {
    /// The same request may succeed later; `retry_after` is the server's
    /// requested delay (`Retry-After`, gRPC `RetryInfo`).
    Retryable {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// The request will never be accepted.
    Permanent(String),
}

impl SendError {
    pub fn retryable(reason: impl Into<String>) -> SendError {
        SendError::Retryable {
            reason: reason.into(),
            retry_after: None,
        }
    }
}

/// Sends one request to the server; one attempt, no retries.
pub trait Transport: Send + Sync + 'static {
    fn send(&self, request: &Outgoing) -> impl Future<Output = Result<Accepted, SendError>> + Send;
}

/// How a request or response body is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

fn decode_response<R: Message + Default + OtlpJson>(
    body: &[u8],
    encoding: Encoding,
) -> Result<R, String> {
    match encoding {
        Encoding::Protobuf => R::decode(body).map_err(|e| e.to_string()),
        Encoding::Json => R::from_json(body).map_err(|e| e.to_string()),
    }
}

/// The partial success in a response body of `signal` (empty = full success).
pub fn partial_success(
    signal: Signal,
    body: &[u8],
    encoding: Encoding,
) -> Result<Accepted, String> {
    if body.is_empty() {
        return Ok(Accepted::default());
    }
    let (rejected, message) = match signal {
        Signal::Traces => decode_response::<ExportTraceServiceResponse>(body, encoding)?
            .partial_success
            .map(|p| (p.rejected_spans, p.error_message)),
        Signal::Metrics => decode_response::<ExportMetricsServiceResponse>(body, encoding)?
            .partial_success
            .map(|p| (p.rejected_data_points, p.error_message)),
        Signal::Logs => decode_response::<ExportLogsServiceResponse>(body, encoding)?
            .partial_success
            .map(|p| (p.rejected_log_records, p.error_message)),
    }
    .unwrap_or_default();
    Ok(Accepted {
        rejected: rejected.max(0) as u64,
        message,
    })
}

/// `google.rpc.Status` (the body of OTLP/HTTP failures, the details of gRPC
/// statuses) and the one detail read from it, `RetryInfo`.
pub mod rpc {
    use prost::Message;
    use std::time::Duration;

    #[derive(Clone, PartialEq, Message)]
    pub struct Status {
        #[prost(int32, tag = "1")]
        pub code: i32,
        #[prost(string, tag = "2")]
        pub message: String,
        #[prost(message, repeated, tag = "3")]
        pub details: Vec<Any>,
    }

    #[derive(Clone, PartialEq, Message)]
    pub struct Any {
        #[prost(string, tag = "1")]
        pub type_url: String,
        #[prost(bytes = "vec", tag = "2")]
        pub value: Vec<u8>,
    }

    #[derive(Clone, PartialEq, Message)]
    pub struct ProtoDuration {
        #[prost(int64, tag = "1")]
        pub seconds: i64,
        #[prost(int32, tag = "2")]
        pub nanos: i32,
    }

    #[derive(Clone, PartialEq, Message)]
    pub struct RetryInfo {
        #[prost(message, optional, tag = "1")]
        pub retry_delay: Option<ProtoDuration>,
    }

    pub const RETRY_INFO_TYPE: &str = "type.googleapis.com/google.rpc.RetryInfo";

    impl Status {
        /// The delay a `RetryInfo` detail asks for, if there is one.
        pub fn retry_delay(&self) -> Option<Duration> {
            self.details
                .iter()
                .filter(|d| d.type_url == RETRY_INFO_TYPE)
                .find_map(|d| RetryInfo::decode(d.value.as_slice()).ok())
                .map(|info| {
                    let delay = info.retry_delay.unwrap_or_default();
                    Duration::new(
                        delay.seconds.max(0) as u64,
                        delay.nanos.clamp(0, 999_999_999) as u32,
                    )
                })
        }
    }
}
