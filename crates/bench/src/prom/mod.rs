//! Load tools for the Prometheus pipeline benchmark (`bench/prometheus.py`):
//! scrape targets that serve realistic exposition text ([`targets`]) and a
//! remote-write receiver that counts what arrives ([`sink`]).

pub mod sink;
pub mod targets;

use std::io::Write;

/// The runtime of a load tool: few worker threads, so that the tool leaves the
/// cores to the agent under test.
pub fn runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
}

/// Prints the one JSON line a harness waits for once a tool listens.
pub fn announce(value: serde_json::Value) -> std::io::Result<()> {
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{value}")?;
    stdout.flush()
}
