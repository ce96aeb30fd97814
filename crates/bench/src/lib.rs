//! Load generators and whole-process benchmarks for ferroalloy: an OTLP load
//! generator (`otlp-load`), a counting OTLP sink (`otlp-sink`) and what they
//! share — the signals, pre-encoded realistic requests, a cheap item count
//! from protobuf bytes, gRPC framing and body compression.

pub mod client;
pub mod compression;
pub mod grpc;
pub mod load;
pub mod requests;
pub mod sink;
pub mod wire;

/// One OTLP signal, with where it is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Signal {
    Traces,
    Metrics,
    Logs,
}

impl Signal {
    pub const ALL: [Signal; 3] = [Signal::Traces, Signal::Metrics, Signal::Logs];

    pub fn name(self) -> &'static str {
        match self {
            Signal::Traces => "traces",
            Signal::Metrics => "metrics",
            Signal::Logs => "logs",
        }
    }

    /// The OTLP/HTTP path.
    pub fn http_path(self) -> &'static str {
        match self {
            Signal::Traces => "/v1/traces",
            Signal::Metrics => "/v1/metrics",
            Signal::Logs => "/v1/logs",
        }
    }

    /// The gRPC method path.
    pub fn grpc_path(self) -> &'static str {
        match self {
            Signal::Traces => "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            Signal::Metrics => "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
            Signal::Logs => "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
        }
    }

    /// The signal an HTTP or gRPC path is for.
    pub fn from_path(path: &str) -> Option<Signal> {
        Signal::ALL
            .into_iter()
            .find(|s| s.http_path() == path || s.grpc_path() == path)
    }
}
