//! Parse throughput: scanning and parsing must reach at least 50 MB/s in a
//! release build. Run with `cargo bench -p ferroalloy-syntax --bench parse`.

use std::time::{Duration, Instant};

const MIN_MB_PER_S: f64 = 50.0;

/// The best of several runs, in MB/s.
fn throughput(src: &[u8]) -> f64 {
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let (file, diags) = syntax::parser::parse("bench.alloy", src);
        let elapsed = start.elapsed();
        assert!(diags.is_empty(), "{diags}");
        std::hint::black_box(file);
        best = best.min(elapsed);
    }
    src.len() as f64 / 1e6 / best.as_secs_f64()
}

fn main() {
    // Real documentation examples, repeated to about 20 MB.
    let docs = testutil::files_with_suffix(
        &testutil::shared("testdata/alloy/grafana-alloy-docs/parses"),
        ".alloy",
    );
    let mut corpus = Vec::new();
    for f in &docs {
        corpus.extend(std::fs::read(f).expect("readable example"));
        corpus.push(b'\n');
    }
    let corpus = corpus.repeat((20 << 20) / corpus.len() + 1);
    let generated = testutil::alloy_gen::config(20 << 20);

    for (name, src) in [
        ("docs examples", &corpus[..]),
        ("generated", generated.as_bytes()),
    ] {
        let speed = throughput(src);
        println!(
            "parse {name}: {:.1} MB at {speed:.0} MB/s",
            src.len() as f64 / 1e6
        );
        assert!(
            speed >= MIN_MB_PER_S,
            "{name}: {speed:.0} MB/s is below {MIN_MB_PER_S} MB/s"
        );
    }
}
