//! Scrape targets for the benchmark: each serves a fixed mix of counters,
//! gauges, classic histograms and summaries with labels like real exporters',
//! values that advance every second, and optional churn (a share of the series
//! renamed every K scrapes, as pods come and go).
//!
//! The label text of every line is rendered once when the target is made; a
//! scrape only writes the numbers, and the body is cached for the second it
//! belongs to, so the generator stays far cheaper than the agents it feeds.

use bytes::Bytes;
use parking_lot::Mutex;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// What every target serves.
#[derive(Clone, Debug)]
pub struct Shape {
    /// Series per target (exactly).
    pub series: usize,
    /// Share of the series (0.0–1.0) that churn.
    pub churn: f64,
    /// The churning series get new label values every this many scrapes.
    pub churn_every: u64,
}

/// The classic-histogram buckets of the Prometheus client libraries.
const BUCKETS: [&str; 11] = [
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
];
const QUANTILES: [&str; 3] = ["0.5", "0.9", "0.99"];
const METHODS: [&str; 4] = ["GET", "POST", "PUT", "DELETE"];
const CODES: [&str; 3] = ["200", "404", "500"];

#[derive(Clone, Copy)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
    Summary,
}

/// The family kinds in the order they repeat: mostly counters and gauges, as
/// in node_exporter and application exporters, with histograms carrying most
/// of the series.
const PATTERN: [Kind; 8] = [
    Kind::Counter,
    Kind::Gauge,
    Kind::Counter,
    Kind::Histogram,
    Kind::Gauge,
    Kind::Summary,
    Kind::Counter,
    Kind::Gauge,
];

/// Label sets (children) per family.
const CHILDREN: usize = 8;

/// How a line's value moves with time.
#[derive(Clone, Copy)]
enum Value {
    Counter,
    Gauge,
    /// Cumulative count of finite bucket `index` (`None` = `+Inf`).
    Bucket(Option<usize>),
    HistogramSum,
    Quantile(usize),
    SummarySum,
    /// `_count` of a histogram or summary.
    Count,
}

struct Line {
    /// `# HELP` and `# TYPE` lines when this is the first line of a family.
    comment: String,
    /// `name{label="value",…` without the closing brace, so a churn label can
    /// follow.
    head: String,
    value: Value,
    seed: u64,
}

/// One scrape target.
pub struct Target {
    lines: Vec<Line>,
    /// The first `churning` lines carry a `pod` label that changes with the
    /// scrape count.
    churning: usize,
    churn_every: u64,
    scrapes: AtomicU64,
    start: Instant,
    /// The last body, keyed by (second, churn generation).
    cache: Mutex<Option<((u64, u64), Bytes)>>,
}

impl Target {
    /// Target number `index` of the run; `start` is the generator's clock
    /// origin, shared so all targets advance together.
    pub fn new(index: usize, shape: &Shape, start: Instant) -> Target {
        let lines = lines(index as u64, shape.series);
        let churning = ((shape.series as f64) * shape.churn.clamp(0.0, 1.0)).round() as usize;
        Target {
            lines,
            churning,
            churn_every: shape.churn_every.max(1),
            scrapes: AtomicU64::new(0),
            start,
            cache: Mutex::new(None),
        }
    }

    /// Counts a scrape and returns the exposition text for now.
    pub fn scrape(&self) -> Bytes {
        let scrapes = self.scrapes.fetch_add(1, Ordering::Relaxed);
        let key = (self.start.elapsed().as_secs(), scrapes / self.churn_every);
        let mut cache = self.cache.lock();
        if let Some((cached, body)) = cache.as_ref()
            && *cached == key
        {
            return body.clone();
        }
        let capacity = cache.as_ref().map_or(0, |(_, body)| body.len() + 1024);
        let body = Bytes::from(self.render(key.0, key.1, capacity));
        *cache = Some((key, body.clone()));
        body
    }

    fn render(&self, second: u64, generation: u64, capacity: usize) -> String {
        let mut out = String::with_capacity(capacity);
        for (i, line) in self.lines.iter().enumerate() {
            out.push_str(&line.comment);
            out.push_str(&line.head);
            if i < self.churning {
                // Writing to a String cannot fail.
                let _ = write!(out, ",pod=\"pod-{generation}\"");
            }
            out.push_str("} ");
            let _ = match value(line.value, line.seed, second) {
                Number::Int(n) => write!(out, "{n}"),
                Number::Float(x) => write!(out, "{x}"),
            };
            out.push('\n');
        }
        out
    }
}

enum Number {
    Int(u64),
    Float(f64),
}

/// The value of a line at `second`: counters and histogram counts grow at a
/// per-series rate, gauges and quantiles wander within a band.
fn value(value: Value, seed: u64, second: u64) -> Number {
    let rate = 1 + seed % 9;
    let count = seed % 100 + rate * second;
    match value {
        Value::Counter => Number::Int(seed % 1000 + rate * second),
        Value::Gauge => Number::Int(1_000_000 + (seed % 997) * 1000 + (second * rate) % 500),
        Value::Bucket(Some(index)) => {
            Number::Int(count * (index as u64 + 1) / (BUCKETS.len() as u64 + 1))
        }
        Value::Bucket(None) | Value::Count => Number::Int(count),
        Value::HistogramSum => Number::Float(count as f64 * 0.042),
        Value::Quantile(index) => {
            Number::Float(0.01 * (index + 1) as f64 + ((second + seed) % 10) as f64 * 0.001)
        }
        Value::SummarySum => Number::Float(count as f64 * 0.02),
    }
}

/// The lines of target `target`: families in [`PATTERN`] order until `series`
/// lines, the last family cut down to a gauge family of the remaining size.
fn lines(target: u64, series: usize) -> Vec<Line> {
    let mut lines = Vec::with_capacity(series);
    let mut family = 0;
    while lines.len() < series {
        let kind = PATTERN[family % PATTERN.len()];
        let before = lines.len();
        family_lines(&mut lines, target, family, kind, CHILDREN);
        if lines.len() > series {
            lines.truncate(before);
            let remaining = series - before;
            family_lines(&mut lines, target, family, Kind::Gauge, remaining);
        }
        family += 1;
    }
    lines
}

/// Appends the lines of one family. All lines of one child (the buckets, sum
/// and count of a histogram) share a seed so that they agree with each other.
fn family_lines(lines: &mut Vec<Line>, target: u64, family: usize, kind: Kind, children: usize) {
    let subsystem = ["http", "rpc", "cache", "db", "queue"][family % 5];
    let (name, kind_name, help) = match kind {
        Kind::Counter => (
            format!("app{family}_{subsystem}_requests_total"),
            "counter",
            "Requests handled.",
        ),
        Kind::Gauge => (
            format!("app{family}_{subsystem}_bytes"),
            "gauge",
            "Bytes in use.",
        ),
        Kind::Histogram => (
            format!("app{family}_{subsystem}_request_duration_seconds"),
            "histogram",
            "Request latency.",
        ),
        Kind::Summary => (
            format!("app{family}_{subsystem}_rpc_duration_seconds"),
            "summary",
            "RPC latency.",
        ),
    };
    let mut comment = format!("# HELP {name} {help}\n# TYPE {name} {kind_name}\n");
    for child in 0..children {
        let seed = ((target << 32) ^ ((family as u64) << 12) ^ child as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            >> 16;
        let mut push = |head: String, value: Value| {
            lines.push(Line {
                comment: std::mem::take(&mut comment),
                head,
                value,
                seed,
            });
        };
        let method = METHODS[child % METHODS.len()];
        let handler = format!("/api/v1/items/{}", child / METHODS.len());
        match kind {
            Kind::Counter => push(
                format!(
                    "{name}{{method=\"{method}\",handler=\"{handler}\",code=\"{}\"",
                    CODES[child % CODES.len()]
                ),
                Value::Counter,
            ),
            Kind::Gauge => push(
                format!(
                    "{name}{{device=\"sd{}\",fstype=\"ext4\",mountpoint=\"/data/{child}\"",
                    (b'a' + (child % 26) as u8) as char
                ),
                Value::Gauge,
            ),
            Kind::Histogram => {
                let labels = format!("method=\"{method}\",handler=\"{handler}\"");
                for (index, le) in BUCKETS.iter().enumerate() {
                    push(
                        format!("{name}_bucket{{{labels},le=\"{le}\""),
                        Value::Bucket(Some(index)),
                    );
                }
                push(
                    format!("{name}_bucket{{{labels},le=\"+Inf\""),
                    Value::Bucket(None),
                );
                push(format!("{name}_sum{{{labels}"), Value::HistogramSum);
                push(format!("{name}_count{{{labels}"), Value::Count);
            }
            Kind::Summary => {
                let labels = format!("service=\"svc{child}\"");
                for (index, quantile) in QUANTILES.iter().enumerate() {
                    push(
                        format!("{name}{{{labels},quantile=\"{quantile}\""),
                        Value::Quantile(index),
                    );
                }
                push(format!("{name}_sum{{{labels}"), Value::SummarySum);
                push(format!("{name}_count{{{labels}"), Value::Count);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn shape(series: usize, churn: f64, churn_every: u64) -> Shape {
        Shape {
            series,
            churn,
            churn_every,
        }
    }

    /// The series lines of a body (without comments), split into the series
    /// text and the value.
    fn series(body: &[u8]) -> Vec<(String, String)> {
        std::str::from_utf8(body)
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| {
                let (series, value) = l.rsplit_once(' ').unwrap();
                (series.to_string(), value.to_string())
            })
            .collect()
    }

    #[test]
    fn serves_exactly_the_series_asked_for_all_distinct() {
        for n in [1, 7, 100, 2000] {
            let target = Target::new(3, &shape(n, 0.0, 1), Instant::now());
            let lines = series(&target.scrape());
            assert_eq!(lines.len(), n);
            let distinct: HashSet<_> = lines.iter().map(|(s, _)| s).collect();
            assert_eq!(distinct.len(), n, "duplicate series among {n}");
        }
    }

    #[test]
    fn mixes_every_kind_with_whole_histograms() {
        let target = Target::new(0, &shape(2000, 0.0, 1), Instant::now());
        let body = String::from_utf8(target.scrape().to_vec()).unwrap();
        for kind in ["counter", "gauge", "histogram", "summary"] {
            assert!(body.contains(&format!(" {kind}\n")), "no {kind} family");
        }
        assert!(body.contains("le=\"+Inf\"} "));
        assert!(body.contains("quantile=\"0.99\"} "));
        // Buckets are cumulative: each le at most the next one.
        let first_child: Vec<f64> = series(body.as_bytes())
            .into_iter()
            .filter(|(s, _)| s.starts_with("app3_") && s.contains("items/0\",le="))
            .filter(|(s, _)| s.contains("method=\"GET\""))
            .map(|(_, v)| v.parse().unwrap())
            .collect();
        assert_eq!(first_child.len(), BUCKETS.len() + 1);
        assert!(
            first_child.windows(2).all(|w| w[0] <= w[1]),
            "{first_child:?}"
        );
    }

    #[test]
    fn churn_renames_the_asked_share_every_k_scrapes() {
        let target = Target::new(1, &shape(100, 0.25, 2), Instant::now());
        let first = series(&target.scrape());
        let second = series(&target.scrape());
        let third = series(&target.scrape());
        let names = |lines: &[(String, String)]| -> HashSet<String> {
            lines.iter().map(|(s, _)| s.clone()).collect()
        };
        assert_eq!(names(&first), names(&second), "renamed before K scrapes");
        assert_eq!(names(&first).difference(&names(&third)).count(), 25);
    }

    #[test]
    fn values_advance_with_time() {
        let target = Target::new(0, &shape(10, 0.0, 1), Instant::now());
        let line = &target.lines[0];
        let at = |second| match value(line.value, line.seed, second) {
            Number::Int(n) => n,
            Number::Float(_) => unreachable!("the first line is a counter"),
        };
        assert!(at(101) > at(100));
    }
}
