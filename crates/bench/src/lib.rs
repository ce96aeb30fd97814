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

/// The OTLP signals, as the data plane names them.
pub use model::otlp::Signal;

/// The OTLP/HTTP path of a signal.
pub fn http_path(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "/v1/traces",
        Signal::Metrics => "/v1/metrics",
        Signal::Logs => "/v1/logs",
    }
}

/// The gRPC method path of a signal.
pub fn grpc_path(signal: Signal) -> &'static str {
    match signal {
        Signal::Traces => "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        Signal::Metrics => "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        Signal::Logs => "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    }
}

/// The signal an OTLP/HTTP or gRPC path is for.
pub fn signal_of_path(path: &str) -> Option<Signal> {
    Signal::ALL
        .into_iter()
        .find(|&s| http_path(s) == path || grpc_path(s) == path)
}

/// A signal by its name (`traces`, `metrics`, `logs`), for command lines.
pub fn parse_signal(name: &str) -> Result<Signal, String> {
    Signal::ALL
        .into_iter()
        .find(|s| s.as_str() == name)
        .ok_or_else(|| format!("{name:?} is not one of traces, metrics, logs"))
}
