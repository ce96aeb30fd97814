//! A dashboard query set over generated in-memory data: counters for
//! `FERROALLOY_BENCH_SERIES` instances (default 1000) plus classic histogram
//! buckets and an info metric, 6 h at 15 s. Range queries at 30 s step over
//! the last 1 h and the whole 6 h.

use std::sync::OnceLock;

use model::labels::Labels;
use promql::storage::{MemoryQuerier, MemoryStorage};
use promql::{Engine, EngineOptions};

const SCRAPE: i64 = 15_000;
const SPAN: i64 = 6 * 3_600_000;
const STEP: i64 = 30_000;
const BUCKETS: [&str; 8] = ["0.005", "0.01", "0.05", "0.1", "0.5", "1", "5", "+Inf"];

fn series_count() -> usize {
    std::env::var("FERROALLOY_BENCH_SERIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

fn data() -> &'static MemoryQuerier {
    static DATA: OnceLock<MemoryQuerier> = OnceLock::new();
    DATA.get_or_init(|| {
        let mut storage = MemoryStorage::new();
        let n = series_count();
        for i in 0..n {
            let instance = format!("host-{i}");
            let job = format!("job-{}", i % 10);
            let requests = Labels::from_pairs([
                ("__name__", "http_requests_total"),
                ("job", job.as_str()),
                ("instance", instance.as_str()),
            ]);
            let info = Labels::from_pairs([
                ("__name__", "build_info"),
                ("instance", instance.as_str()),
                ("version", "1.2.3"),
            ]);
            let buckets: Vec<Labels> = if i % 10 == 0 {
                BUCKETS
                    .iter()
                    .map(|le| {
                        Labels::from_pairs([
                            ("__name__", "http_request_duration_seconds_bucket"),
                            ("instance", instance.as_str()),
                            ("le", le),
                        ])
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let mut t = 0;
            let mut value = 0.0;
            while t <= SPAN {
                value += (i % 7 + 1) as f64;
                storage.append(&requests, t, value).expect("in order");
                storage.append(&info, t, 1.0).expect("in order");
                for (k, labels) in buckets.iter().enumerate() {
                    storage
                        .append(labels, t, value * (k + 1) as f64 / BUCKETS.len() as f64)
                        .expect("in order");
                }
                t += SCRAPE;
            }
        }
        storage.into_querier()
    })
}

const QUERIES: [&str; 4] = [
    "sum by (job) (rate(http_requests_total[5m]))",
    "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
    "topk(5, rate(http_requests_total[5m]))",
    "rate(http_requests_total[5m]) * on (instance) group_left (version) build_info",
];

fn engine() -> Engine {
    Engine::new(EngineOptions {
        max_samples: usize::MAX,
        ..EngineOptions::default()
    })
}

#[divan::bench(args = QUERIES, sample_count = 5)]
fn range_1h(query: &str) {
    let data = data();
    engine()
        .range(data, query, SPAN - 3_600_000, SPAN, STEP)
        .expect("query");
}

#[divan::bench(args = QUERIES, sample_count = 3)]
fn range_6h(query: &str) {
    let data = data();
    engine().range(data, query, 0, SPAN, STEP).expect("query");
}

#[divan::bench(args = QUERIES, sample_count = 20)]
fn instant(query: &str) {
    let data = data();
    engine().instant(data, query, SPAN).expect("query");
}

fn main() {
    divan::main();
}
