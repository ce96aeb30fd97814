//! `prom_targets`: N Prometheus scrape targets × M series, each on its own
//! loopback port (each is its own `__address__`, as real targets are). Prints
//! one JSON line once all listen:
//! `{"targets": ["127.0.0.1:PORT", …], "series_per_target": M}`.

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use bench::prom::targets::{Shape, Target};
use bench::prom::{announce, runtime};
use clap::Parser;
use std::sync::Arc;
use std::time::Instant;

#[derive(Parser)]
#[command(about = "Serve N scrape targets × M series of realistic exposition text")]
struct Args {
    /// Number of targets (one port each).
    #[arg(long, default_value_t = 50)]
    targets: usize,
    /// Series per target.
    #[arg(long, default_value_t = 2000)]
    series: usize,
    /// Share of each target's series (0.0–1.0) replaced every --churn-every scrapes.
    #[arg(long, default_value_t = 0.0)]
    churn: f64,
    #[arg(long, default_value_t = 10)]
    churn_every: u64,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// First port; targets take consecutive ports. 0: ephemeral ports.
    #[arg(long, default_value_t = 0)]
    base_port: u16,
    /// Worker threads serving the targets.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    runtime(args.threads)?.block_on(serve(args))
}

async fn serve(args: Args) -> std::io::Result<()> {
    let shape = Shape {
        series: args.series,
        churn: args.churn,
        churn_every: args.churn_every,
    };
    let start = Instant::now();
    let mut addresses = Vec::with_capacity(args.targets);
    let mut servers = tokio::task::JoinSet::new();
    for index in 0..args.targets {
        let port = match args.base_port {
            0 => 0,
            base => base + index as u16,
        };
        let listener = tokio::net::TcpListener::bind((args.host.as_str(), port)).await?;
        addresses.push(listener.local_addr()?.to_string());
        let target = Arc::new(Target::new(index, &shape, start));
        let app = Router::new()
            .route("/metrics", get(metrics))
            .with_state(target);
        servers.spawn(async move { axum::serve(listener, app).await });
    }
    announce(serde_json::json!({
        "targets": addresses,
        "series_per_target": args.series,
    }))?;
    while let Some(result) = servers.join_next().await {
        result.map_err(std::io::Error::other)??;
    }
    Ok(())
}

async fn metrics(State(target): State<Arc<Target>>) -> impl axum::response::IntoResponse {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        target.scrape(),
    )
}
