//! Side-by-side write benchmark against Prometheus's `promtool tsdb bench
//! write` on the same label sets (`cargo bench -p ferroalloy-tsdb --bench
//! write`; `TSDB_BENCH_SERIES`, `TSDB_BENCH_SCRAPES` change the size).
//!
//! The comparable run replays promtool's workload on one core: shards of
//! 1000 series, one commit per shard and scrape, 30 s apart, values growing
//! by 1000. A second run stores mixed data (counters, gauges, histogram
//! buckets at 15 s) for a realistic bytes-per-sample figure. Printed: append
//! rate, bytes per sample in the first compacted block, head bytes and RSS
//! per series, WAL replay time — and the peer's figures with the ratios,
//! also written as JSON to `$CARGO_TARGET_DIR/tsdb-bench.json` (or `target/`).

use model::labels::Labels;
use model::metrics::{MetricsBatch, Sample};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tsdb::{Db, Options};

const SHARD: usize = 1000;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// 100 series per target: 20 counters, 30 gauges, 50 histogram buckets.
fn label_sets(n: usize) -> Vec<Arc<Labels>> {
    let les = [
        "0.005", "0.01", "0.05", "0.1", "0.5", "1", "2.5", "5", "10", "+Inf",
    ];
    (0..n)
        .map(|i| {
            let target = i / 100;
            let k = i % 100;
            let job = format!("job-{}", target % 10);
            let instance = format!("host-{target}:9100");
            let labels = if k < 20 {
                vec![
                    ("__name__", "app_requests_total".to_string()),
                    ("code", ["200", "404", "500", "503"][k % 4].to_string()),
                    (
                        "method",
                        ["get", "post", "put", "delete", "patch"][k / 4].to_string(),
                    ),
                ]
            } else if k < 50 {
                vec![
                    ("__name__", "app_memory_bytes".to_string()),
                    ("area", format!("area-{k}")),
                ]
            } else {
                vec![
                    ("__name__", "app_latency_seconds_bucket".to_string()),
                    ("handler", format!("/api/v{}", (k - 50) / 10)),
                    ("le", les[(k - 50) % 10].to_string()),
                ]
            };
            let mut labels: Labels = labels.into_iter().collect();
            labels.set("job", job);
            labels.set("instance", instance);
            Arc::new(labels)
        })
        .collect()
}

fn write_label_file(path: &Path, sets: &[Arc<Labels>]) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for labels in sets {
        let map: serde_json::Map<String, serde_json::Value> = labels
            .iter()
            .map(|(n, v)| (n.to_string(), v.into()))
            .collect();
        writeln!(out, "{}", serde_json::Value::Object(map)).unwrap();
    }
}

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// A small deterministic generator for the mixed values.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Appends `scrapes` rounds of every series, shard by shard; returns the time spent appending.
fn ingest(
    db: &Db,
    sets: &[Arc<Labels>],
    scrapes: usize,
    step: i64,
    mut value: impl FnMut(usize, usize) -> f64,
) -> Duration {
    let mut batch = MetricsBatch::default();
    let mut spent = Duration::ZERO;
    for (s, shard) in sets.chunks(SHARD).enumerate() {
        for i in 0..scrapes {
            let t = (i as i64 + 1) * step;
            batch.samples.clear();
            batch
                .samples
                .extend(shard.iter().enumerate().map(|(k, labels)| Sample {
                    labels: labels.clone(),
                    timestamp: t,
                    value: value(s * SHARD + k, i),
                }));
            let start = Instant::now();
            db.append(&batch).unwrap();
            spent += start.elapsed();
        }
    }
    spent
}

/// Bytes per sample over the persisted blocks.
fn block_bytes_per_sample(dir: &Path) -> Option<f64> {
    let (mut bytes, mut samples) = (0u64, 0u64);
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let meta = entry.path().join("meta.json");
        let Ok(text) = std::fs::read(&meta) else {
            continue;
        };
        let meta: serde_json::Value = serde_json::from_slice(&text).ok()?;
        samples += meta["stats"]["numSamples"].as_u64()?;
        for f in ["index", "chunks"] {
            bytes += std::fs::metadata(entry.path().join(f)).map_or(0, |m| m.len());
        }
        if let Ok(files) = std::fs::read_dir(entry.path().join("chunks")) {
            bytes += files
                .flatten()
                .map(|f| f.metadata().map_or(0, |m| m.len()))
                .sum::<u64>();
        }
    }
    (samples > 0).then(|| bytes as f64 / samples as f64)
}

struct Peer {
    samples_per_sec: f64,
    bytes_per_sample: Option<f64>,
    replay: Option<Duration>,
}

fn promtool(labels_file: &Path, out: &Path, series: usize, scrapes: usize) -> Option<Peer> {
    let output = Command::new("promtool")
        .env("GOMAXPROCS", "1")
        .args(["tsdb", "bench", "write"])
        .arg(format!("--metrics={series}"))
        .arg(format!("--scrapes={scrapes}"))
        .arg(format!("--out={}", out.display()))
        .arg(labels_file)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    let samples_per_sec = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("> samples/sec:"))
        .and_then(|v| v.trim().parse().ok())?;
    let storage = out.join("storage");
    let replay = prometheus_replay(&storage, out);
    Some(Peer {
        samples_per_sec,
        bytes_per_sample: block_bytes_per_sample(&storage),
        replay,
    })
}

/// Starts Prometheus on the benchmark's storage: reads the replay durations
/// it logs (memory-mapped head chunks plus WAL), then waits for its first
/// head compaction (promtool disables compaction) so the block can be sized.
fn prometheus_replay(storage: &Path, scratch: &Path) -> Option<Duration> {
    let config = scratch.join("prometheus.yml");
    std::fs::write(&config, "global: {}\n").ok()?;
    let mut child = Command::new("prometheus")
        .env("GOMAXPROCS", "1")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!("--storage.tsdb.path={}", storage.display()))
        .arg("--web.listen-address=127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    let stderr = child.stderr.take()?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let field = |line: &str, name: &str| {
        line.split_whitespace()
            .find_map(|f| f.strip_prefix(name))
            .and_then(parse_go_duration)
    };
    let deadline = Instant::now() + Duration::from_secs(150);
    let mut replay = Duration::ZERO;
    let mut replayed = false;
    while let Ok(line) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if line.contains("memory mappable chunks replay completed") {
            replay += field(&line, "duration=").unwrap_or_default();
        } else if line.contains("WAL replay completed") {
            replay += field(&line, "total_replay_duration=").unwrap_or_default();
            replayed = true;
        } else if line.contains("msg=\"write block\"") || line.contains("level=error") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    replayed.then_some(replay)
}

fn parse_go_duration(s: &str) -> Option<Duration> {
    let (number, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic() || c == 'µ')?);
    let n: f64 = number.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "ms" => n / 1e3,
        "µs" | "us" => n / 1e6,
        "m" => n * 60.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(secs))
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is expected.
    let series = env_usize("TSDB_BENCH_SERIES", 100_000);
    // promtool rounds the scrape count up to hundreds.
    let scrapes = env_usize("TSDB_BENCH_SCRAPES", 500).div_ceil(100) * 100;
    let scratch = tempfile::tempdir().unwrap();
    let sets = label_sets(series);
    let labels_file = scratch.path().join("series.json");
    write_label_file(&labels_file, &sets);
    let samples = (series * scrapes) as f64;

    // The promtool workload: 30 s apart, values growing by 1000.
    let dir = scratch.path().join("ours");
    let rss_before = rss_bytes();
    let db = Db::open(&dir, Options::default()).unwrap();
    let spent = ingest(&db, &sets, scrapes, 30_000, |_, i| {
        123_456_789.0 + 1000.0 * (i as f64 + 1.0)
    });
    let rss_per_series = rss_bytes().saturating_sub(rss_before) as f64 / series as f64;
    let stats = db.stats();
    let head_per_series = stats.head_bytes as f64 / series as f64;
    let head_overhead_per_series =
        (stats.head_bytes - stats.head_chunk_bytes) as f64 / series as f64;
    drop(db);
    let start = Instant::now();
    let db = Db::open(&dir, Options::default()).unwrap();
    let replay = start.elapsed();
    db.maintain().unwrap();
    let bytes_per_sample = block_bytes_per_sample(&dir);
    drop(db);
    let rate = samples / spent.as_secs_f64();

    // Mixed data at 15 s, plus one late round so the first 2 h are cut.
    let mixed_dir = scratch.path().join("mixed");
    let db = Db::open(&mixed_dir, Options::default()).unwrap();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut counters = vec![0.0f64; series];
    ingest(&db, &sets, scrapes.min(480), 15_000, |k, _| match k % 100 {
        0..20 | 50.. => {
            counters[k] += (rng.next() % 50) as f64;
            counters[k]
        }
        _ => (rng.next() % 1_000_000) as f64 / 7.0,
    });
    ingest(&db, &sets, 1, 4 * 3_600_000, |_, _| 0.0);
    db.maintain().unwrap();
    let mixed_bytes_per_sample = block_bytes_per_sample(&mixed_dir);
    drop(db);

    println!("ferroalloy tsdb: {series} series x {scrapes} scrapes");
    println!("  append rate (1 core):        {rate:.0} samples/s");
    println!("  bytes/sample (promtool data): {bytes_per_sample:.3?}");
    println!("  bytes/sample (mixed data):    {mixed_bytes_per_sample:.3?}");
    println!("  head bytes/series (accounted): {head_per_series:.0}");
    println!("  of which not sample data:     {head_overhead_per_series:.0}");
    println!("  RSS growth/series:            {rss_per_series:.0}");
    println!("  WAL replay:                   {replay:.2?}");
    let peer = promtool(
        &labels_file,
        &scratch.path().join("promtool"),
        series,
        scrapes,
    );
    let mut json = serde_json::json!({
        "series": series,
        "scrapes": scrapes,
        "ours": {
            "samples_per_sec": rate,
            "bytes_per_sample": bytes_per_sample,
            "mixed_bytes_per_sample": mixed_bytes_per_sample,
            "head_bytes_per_series": head_per_series,
            "head_overhead_bytes_per_series": head_overhead_per_series,
            "rss_per_series": rss_per_series,
            "replay_seconds": replay.as_secs_f64(),
        },
    });
    match peer {
        Some(p) => {
            println!("promtool tsdb bench write (GOMAXPROCS=1):");
            println!(
                "  append rate:   {:.0} samples/s (ratio ours/peer {:.2})",
                p.samples_per_sec,
                rate / p.samples_per_sec
            );
            if let (Some(ours), Some(theirs)) = (bytes_per_sample, p.bytes_per_sample) {
                println!(
                    "  bytes/sample:  {theirs:.3} (ratio ours/peer {:.2})",
                    ours / theirs
                );
            }
            if let Some(r) = p.replay {
                println!(
                    "  WAL replay:    {r:.2?} (ratio ours/peer {:.2})",
                    replay.as_secs_f64() / r.as_secs_f64()
                );
            }
            json["promtool"] = serde_json::json!({
                "samples_per_sec": p.samples_per_sec,
                "bytes_per_sample": p.bytes_per_sample,
                "replay_seconds": p.replay.map(|r| r.as_secs_f64()),
            });
        }
        None => println!("promtool: not found or failed; no peer figures"),
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let _ = std::fs::write(
        target.join("tsdb-bench.json"),
        serde_json::to_vec_pretty(&json).unwrap(),
    );
}
