//! The Prometheus HTTP API of `storage.metrics` through the real binary:
//! `promtool query` against its `listen_address`, Prometheus's error shapes,
//! and a differential test — the same remote-written data in ferroalloy and
//! in Debian's Prometheus 2.42, dashboard queries compared between them.

mod run_support;

use model::remote_write::{Label, Sample, TimeSeries, WriteRequest, encode_request};
use run_support::prometheus::{Prometheus, free_port};
use run_support::{Alloy, PATIENCE, dir_with, request, request_with_body};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

fn now_s() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

/// ferroalloy with one `storage.metrics` serving the API on its own port.
fn start_storage(extra: &str) -> (tempfile::TempDir, Alloy, SocketAddr) {
    let port = free_port();
    let config = format!(
        r#"
storage.metrics "db" {{
  listen_address = "127.0.0.1:{port}"
}}
{extra}
"#
    );
    let dir = dir_with(&[("config.alloy", &config)]);
    let storage = format!("--storage.path={}", dir.path().join("data").display());
    // `honor_metadata` of prometheus.scrape is experimental.
    let args = [storage.as_str(), "--stability.level=experimental"];
    let alloy = Alloy::start_ready(dir.path(), "config.alloy", &args);
    (dir, alloy, SocketAddr::from(([127, 0, 0, 1], port)))
}

fn promtool(args: &[&str]) -> String {
    let output = Command::new("promtool")
        .arg("query")
        .args(args)
        .output()
        .expect("Debian's promtool must be installed (apt-get install prometheus)");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "promtool query {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn promtool_queries_the_scraped_self_metrics() {
    let (_dir, alloy, api) = start_storage(
        r#"
prometheus.exporter.self "self" { }

prometheus.scrape "self" {
  targets         = prometheus.exporter.self.self.targets
  forward_to      = [storage.metrics.db.receiver]
  scrape_interval = "1s"
  scrape_timeout  = "1s"
  honor_metadata  = true
}
"#,
    );
    // The guide's `curl localhost:9090/api/v1/query?query=up`, on our port.
    alloy.wait_until(|| {
        if TcpStream::connect(api).is_err() {
            return false;
        }
        let answer = request(api, "GET", "/api/v1/query?query=up", &[]);
        answer.status == 200 && answer.json()["data"]["result"][0]["value"][1] == "1"
    });
    let url = format!("http://{api}");

    let instant = promtool(&["instant", &url, "up"]);
    assert!(
        instant.contains("up{") && instant.contains("=> 1 @["),
        "{instant}"
    );

    // Up to a second ahead: the first scrape may be later than the whole second now.
    let end = now_s() + 1;
    let (start, end) = ((end - 60).to_string(), end.to_string());
    let range = promtool(&[
        "range", "--start", &start, "--end", &end, "--step", "5s", &url, "up",
    ]);
    assert!(range.contains("up{") && range.contains("1 @["), "{range}");

    let series = promtool(&["series", "--match", "up", &url]);
    assert!(
        series.contains("__name__=\"up\"") || series.contains("up{"),
        "{series}"
    );

    let labels = promtool(&["labels", &url, "job"]);
    assert!(
        labels.lines().any(|l| l.trim() == "integrations/self"),
        "{labels}"
    );

    // The same API under the component's mount point of the main server.
    let mounted = alloy.get("/api/v0/component/storage.metrics.db/api/v1/label/__name__/values");
    assert_eq!(mounted.status, 200, "{}", mounted.body);
    let names = mounted.json();
    let names: Vec<&str> = names["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        names.contains(&"up") && names.contains(&"scrape_duration_seconds"),
        "{names:?}"
    );

    // The queries above are counted in the self-metrics.
    let metrics = alloy.get("/metrics").body;
    let queries = metrics
        .lines()
        .find(|l| {
            l.starts_with("storage_metrics_queries_total{") && l.contains("storage.metrics.db")
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<f64>().ok());
    assert!(
        queries.is_some_and(|n| n >= 3.0),
        "{queries:?} in\n{metrics}"
    );
    assert!(
        metrics.contains("storage_metrics_query_duration_seconds_bucket{"),
        "{metrics}"
    );

    // Metadata comes from the scrapes: every family has its type and help.
    let metadata = request(api, "GET", "/api/v1/metadata", &[]).json();
    let families = metadata["data"].as_object().expect("metadata object");
    assert!(!families.is_empty(), "{metadata}");
    for (name, entries) in families {
        let kind = entries[0]["type"].as_str().unwrap_or_default();
        assert!(
            ["counter", "gauge", "histogram", "summary", "unknown"].contains(&kind),
            "{name}: {entries}"
        );
    }
    let (name, _) = families.iter().next().expect("a family");
    let one = request(api, "GET", &format!("/api/v1/metadata?metric={name}"), &[]).json();
    assert_eq!(one["data"].as_object().map(|o| o.len()), Some(1), "{one}");
}

#[test]
fn errors_have_prometheus_statuses_and_types() {
    let (_dir, _alloy, api) = start_storage("");
    let cases = [
        ("GET", "/api/v1/query?query=sum(up", 400, "bad_data"),
        (
            "GET",
            "/api/v1/query_range?query=up&start=0&end=100&step=-1",
            400,
            "bad_data",
        ),
        (
            "GET",
            "/api/v1/query_range?query=up&start=0&end=1000000&step=1",
            400,
            "bad_data",
        ),
        ("GET", "/api/v1/series", 400, "bad_data"),
        (
            "GET",
            "/api/v1/query?query=up&time=tomorrow",
            400,
            "bad_data",
        ),
        (
            "GET",
            "/api/v1/query?query=label_replace(vector(1),\"a\",\"b\",\"c\",\"(\")",
            422,
            "execution",
        ),
        (
            "GET",
            "/api/v1/query_range?query=vector(1)&start=0&end=10000&step=1&timeout=0",
            503,
            "timeout",
        ),
    ];
    for (method, path, status, kind) in cases {
        let answer = request(api, method, &path.replace('"', "%22"), &[]);
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
        assert_eq!(
            answer.header("content-type"),
            Some("application/json"),
            "{path}"
        );
        let body = answer.json();
        assert_eq!(
            (body["status"].as_str(), body["errorType"].as_str()),
            (Some("error"), Some(kind)),
            "{path}"
        );
    }
    let form = request_with_body(
        api,
        "POST",
        "/api/v1/query",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        b"query=vector(2)&time=100",
    );
    assert_eq!(
        form.json()["data"]["result"][0]["value"],
        serde_json::json!([100, "2"]),
        "{}",
        form.body
    );
    assert_eq!(request(api, "GET", "/api/v1/nowhere", &[]).status, 404);
}

/// Dashboard-like data: requests by instance/method/code, a latency
/// histogram, Redis hits and misses, Postgres backends, `up`, every 15 s.
struct Dataset {
    /// First sample time, seconds.
    start: i64,
    steps: i64,
}

const STEP_S: i64 = 15;
const BUCKETS: [&str; 6] = ["0.05", "0.1", "0.25", "0.5", "1", "+Inf"];

impl Dataset {
    /// 40 minutes of samples ending a minute ago (Prometheus's head takes them).
    fn recent() -> Dataset {
        let steps = 40 * 60 / STEP_S;
        let start = (now_s() - 60 - steps * STEP_S) / STEP_S * STEP_S;
        Dataset { start, steps }
    }

    /// Every series' labels and its value at step `k`.
    fn series_at(&self, k: i64) -> Vec<(Vec<(&'static str, String)>, f64)> {
        let mut out = Vec::new();
        // A counter growing by a varying amount, reset once for one series.
        let counter = |seed: i64, k: i64| -> f64 {
            let from = if seed == 3 && k >= 90 { 90 } else { 0 };
            (from..=k)
                .map(|i| ((i * 7 + seed * 3) % 11) as f64 + 0.25)
                .sum()
        };
        for instance in 0..3i64 {
            let inst = format!("10.0.0.{instance}:8080");
            for (m, method) in ["GET", "POST"].iter().enumerate() {
                for (c, code) in ["200", "404", "500", "503"].iter().enumerate() {
                    let seed = instance * 8 + m as i64 * 4 + c as i64;
                    let labels = vec![
                        ("__name__", "http_requests_total".to_string()),
                        ("job", "api".to_string()),
                        ("instance", inst.clone()),
                        ("method", method.to_string()),
                        ("code", code.to_string()),
                    ];
                    out.push((labels, counter(seed, k) * (4 - c as i64) as f64));
                }
            }
            let mut cumulative = 0.0;
            for (b, le) in BUCKETS.iter().enumerate() {
                cumulative += counter(instance * 6 + b as i64 + 40, k);
                let labels = vec![
                    (
                        "__name__",
                        "http_request_duration_seconds_bucket".to_string(),
                    ),
                    ("job", "api".to_string()),
                    ("instance", inst.clone()),
                    ("le", le.to_string()),
                ];
                out.push((labels, cumulative));
            }
            let up = vec![
                ("__name__", "up".to_string()),
                ("job", "api".to_string()),
                ("instance", inst.clone()),
            ];
            out.push((up, 1.0));
        }
        for (name, seed) in [
            ("redis_keyspace_hits_total", 60),
            ("redis_keyspace_misses_total", 61),
        ] {
            let labels = vec![("__name__", name.to_string()), ("job", "redis".to_string())];
            out.push((
                labels,
                counter(seed, k) * if seed == 60 { 9.0 } else { 1.0 },
            ));
        }
        for (d, db) in ["orders", "users"].iter().enumerate() {
            let labels = vec![
                ("__name__", "pg_stat_database_numbackends".to_string()),
                ("job", "postgres".to_string()),
                ("datname", db.to_string()),
            ];
            out.push((labels, ((k * 3 + d as i64 * 5) % 17) as f64));
        }
        out
    }

    /// The whole dataset as remote-write requests of 20 steps each, in time order.
    fn requests(&self) -> Vec<Vec<u8>> {
        let mut bodies = Vec::new();
        for chunk_start in (0..self.steps).step_by(20) {
            let mut by_series: BTreeMap<Vec<(&'static str, String)>, Vec<Sample>> = BTreeMap::new();
            for k in chunk_start..(chunk_start + 20).min(self.steps) {
                let timestamp = (self.start + k * STEP_S) * 1000;
                for (labels, value) in self.series_at(k) {
                    by_series
                        .entry(labels)
                        .or_default()
                        .push(Sample { value, timestamp });
                }
            }
            let request = WriteRequest {
                timeseries: by_series
                    .into_iter()
                    .map(|(labels, samples)| TimeSeries {
                        labels: labels
                            .into_iter()
                            .map(|(name, value)| Label {
                                name: name.into(),
                                value,
                            })
                            .collect(),
                        samples,
                        exemplars: vec![],
                    })
                    .collect(),
                metadata: vec![],
            };
            bodies.push(encode_request(&request));
        }
        bodies
    }
}

fn remote_write(addr: SocketAddr, body: &[u8]) {
    let headers = [
        ("Content-Encoding", "snappy"),
        ("Content-Type", "application/x-protobuf"),
        ("X-Prometheus-Remote-Write-Version", "0.1.0"),
    ];
    let answer = request_with_body(addr, "POST", "/api/v1/write", &headers, body);
    assert!(
        answer.status == 204 || answer.status == 200,
        "remote write to {addr}: {} {}",
        answer.status,
        answer.body
    );
}

/// A query's result as comparable data: label set → values.
fn query(addr: SocketAddr, path: &str) -> BTreeMap<String, Vec<(f64, f64)>> {
    let answer = request(addr, "GET", path, &[]);
    assert_eq!(answer.status, 200, "{addr}{path}: {}", answer.body);
    let body = answer.json();
    let mut out = BTreeMap::new();
    for series in body["data"]["result"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: {body}"))
    {
        let key = series["metric"].to_string();
        let points: Vec<&Value> = match series.get("values") {
            Some(values) => values.as_array().expect("values").iter().collect(),
            None => vec![&series["value"]],
        };
        let parsed = points
            .iter()
            .map(|p| {
                (
                    p[0].as_f64().expect("time"),
                    p[1].as_str().expect("value").parse::<f64>().expect("float"),
                )
            })
            .collect();
        out.insert(key, parsed);
    }
    out
}

fn encode(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

const DASHBOARD: [&str; 12] = [
    "rate(http_requests_total[5m])",
    "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
    "histogram_quantile(0.5, rate(http_request_duration_seconds_bucket[5m]))",
    r#"sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))"#,
    "rate(redis_keyspace_hits_total[5m]) / ignoring(__name__) (rate(redis_keyspace_hits_total[5m]) + rate(redis_keyspace_misses_total[5m]))",
    "sum(rate(redis_keyspace_hits_total[5m])) / (sum(rate(redis_keyspace_hits_total[5m])) + sum(rate(redis_keyspace_misses_total[5m])))",
    "pg_stat_database_numbackends",
    "sum by (method, code) (rate(http_requests_total[5m]))",
    "topk(3, sum by (instance) (rate(http_requests_total[5m])))",
    "sum by (instance) (rate(http_requests_total[5m])) * on(instance) group_left() up",
    "increase(http_requests_total[10m])",
    "avg_over_time(pg_stat_database_numbackends[10m]) > 7",
];

#[test]
fn dashboard_queries_agree_with_prometheus() {
    let peer_dir = tempfile::tempdir().expect("temp dir");
    let prometheus = Prometheus::start(peer_dir.path());
    let (_dir, _alloy, ours) = start_storage("");
    let data = Dataset::recent();
    for body in data.requests() {
        remote_write(ours, &body);
        remote_write(prometheus.addr, &body);
    }
    let last = data.start + (data.steps - 1) * STEP_S;
    // Remote-written samples are queryable at once in both, but wait for the
    // last one to be sure.
    let probe = format!("/api/v1/query?query=up&time={last}");
    let deadline = Instant::now() + PATIENCE;
    while query(prometheus.addr, &probe).len() < 3 || query(ours, &probe).len() < 3 {
        assert!(Instant::now() < deadline, "data never became queryable");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut compared = 0;
    for q in DASHBOARD {
        // Times between samples, where Prometheus 2.x's closed windows and
        // 3.x's left-open ones hold the same samples, and windows that begin
        // after the first sample: there 2.x extrapolates a counter towards
        // zero before its threshold check, 3.x after it, so they disagree.
        for offset in [7, 602, 1211, 1703] {
            let t = format!("{}.5", data.start + 600 + offset);
            let path = format!("/api/v1/query?query={}&time={t}", encode(q));
            let (theirs, mine) = (query(prometheus.addr, &path), query(ours, &path));
            assert_eq!(
                mine.keys().collect::<Vec<_>>(),
                theirs.keys().collect::<Vec<_>>(),
                "{q} at {t}"
            );
            for (key, expected) in &theirs {
                let got = &mine[key];
                assert!(
                    close(got[0].1, expected[0].1),
                    "{q} at {t} {key}: ours {got:?}, Prometheus {expected:?}"
                );
            }
            compared += theirs.len();
        }
        let (start, end) = (data.start + 607, last - 8);
        let path = format!(
            "/api/v1/query_range?query={}&start={start}.5&end={end}.5&step=60",
            encode(q)
        );
        let (theirs, mine) = (query(prometheus.addr, &path), query(ours, &path));
        assert_eq!(
            mine.keys().collect::<Vec<_>>(),
            theirs.keys().collect::<Vec<_>>(),
            "range {q}"
        );
        for (key, expected) in &theirs {
            let got = &mine[key];
            assert_eq!(got.len(), expected.len(), "range {q} {key}");
            for (g, e) in got.iter().zip(expected) {
                assert!(
                    g.0 == e.0 && close(g.1, e.1),
                    "range {q} {key}: ours {g:?}, Prometheus {e:?}"
                );
            }
        }
    }
    assert!(compared > 100, "only {compared} samples compared");
}
