//! `prom_sink`: a remote-write 1.0 receiver that counts samples and distinct
//! series (`GET /stats`, `POST /reset`). Prints `{"listen": "HOST:PORT"}` once
//! it listens.

use bench::prom::sink::{Stats, router};
use bench::prom::{announce, runtime};
use clap::Parser;
use parking_lot::Mutex;
use std::sync::Arc;

#[derive(Parser)]
#[command(about = "Count what remote-write senders push")]
struct Args {
    /// Address to listen on (port 0: an ephemeral port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// Worker threads decoding requests.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

fn main() -> std::io::Result<()> {
    let args = Args::parse();
    runtime(args.threads)?.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.listen).await?;
        announce(serde_json::json!({"listen": listener.local_addr()?.to_string()}))?;
        let stats = Arc::new(Mutex::new(Stats::default()));
        axum::serve(listener, router(stats)).await
    })
}
