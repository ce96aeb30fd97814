//! otlp-sink: an OTLP receiver that only counts (see `bench::sink`). Prints
//! `{"listening": ADDR}` first and the counts again on exit.

use bench::sink::{self, Sink};
use clap::Parser;
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Parser)]
#[command(about = "Counts OTLP items received over gRPC and HTTP/protobuf")]
struct Args {
    /// Address to listen on (gRPC and HTTP share it).
    #[arg(long, default_value = "127.0.0.1:4317")]
    listen: SocketAddr,
    /// HTTP status answered to exports.
    #[arg(long, default_value_t = 200)]
    http_status: u16,
    /// gRPC status code answered to exports.
    #[arg(long, default_value_t = 0)]
    grpc_status: u32,
    /// Seconds put in a Retry-After header of refusals (0: none).
    #[arg(long, default_value_t = 0)]
    retry_after: u32,
    /// Largest request body accepted, after decompression.
    #[arg(long, default_value_t = 64 << 20)]
    max_body: u64,
    /// Worker threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()?;
    runtime.block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let sink = Arc::new(Sink::new(
        args.http_status,
        args.grpc_status,
        args.retry_after,
        args.max_body,
    ));
    // The first line tells a harness which port was taken.
    println!(
        "{}",
        serde_json::json!({ "listening": listener.local_addr()?.to_string() })
    );
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let shutdown = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    };
    sink::serve(listener, sink.clone(), shutdown).await;
    println!("{}", sink.counts_json());
    Ok(())
}
