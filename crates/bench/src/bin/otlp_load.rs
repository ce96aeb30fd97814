//! otlp-load: an OTLP load generator. It encodes a pool of realistic export
//! requests up front, then sends them over gRPC or HTTP/protobuf from N
//! connections, each with one request in flight, at a fixed rate of items per
//! second or as fast as the server accepts (rate 0). At the end it prints one
//! JSON object: what was sent, accepted, refused (throttled or pushed back,
//! to be retried) and rejected, the achieved rate and latency percentiles.

use bench::Signal;
use bench::client::Protocol;
use bench::compression::Compression;
use bench::load::{self, Options};
use clap::Parser;
use std::time::Duration;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum BodyCompression {
    None,
    Gzip,
    Zstd,
}

#[derive(Parser)]
#[command(about = "Sends OTLP export requests at a fixed rate or as fast as accepted")]
struct Args {
    /// host:port of the OTLP receiver.
    #[arg(long, default_value = "127.0.0.1:4317")]
    endpoint: String,
    #[arg(long, value_enum, default_value = "grpc")]
    protocol: Protocol,
    /// traces, metrics or logs.
    #[arg(long, value_parser = bench::parse_signal, default_value = "traces")]
    signal: Signal,
    /// Items (spans, data points, log records) per request.
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Concurrent connections, each with one request in flight.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Items per second over all connections; 0 sends as fast as accepted.
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// Seconds to send for.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Distinct pre-encoded requests to cycle through.
    #[arg(long, default_value_t = 64)]
    pool: usize,
    #[arg(long, value_enum, default_value = "none")]
    compression: BodyCompression,
    /// Extra request header `name: value` (e.g. an authorization), repeatable.
    #[arg(long = "header")]
    headers: Vec<String>,
    /// Worker threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let headers = args
        .headers
        .iter()
        .map(|line| {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| anyhow::anyhow!("header {line:?} is not `name: value`"))?;
            Ok((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect::<anyhow::Result<_>>()?;
    let options = Options {
        endpoint: args.endpoint,
        protocol: args.protocol,
        signal: args.signal,
        batch: args.batch,
        connections: args.connections,
        rate: args.rate,
        duration: Duration::try_from_secs_f64(args.duration)?,
        pool: args.pool,
        compression: match args.compression {
            BodyCompression::None => None,
            BodyCompression::Gzip => Some(Compression::Gzip),
            BodyCompression::Zstd => Some(Compression::Zstd),
        },
        headers,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?;
    let report = runtime.block_on(load::run(&options))?;
    println!("{}", report.to_json(&options));
    Ok(())
}
