//! `prometheus.receive_http` → `prometheus.remote_write` → a real Prometheus
//! 2.42 (`--web.enable-remote-write-receiver`) through the real binary: every
//! series and value is queried back, across an outage of the receiver, a
//! SIGKILL of ferroalloy, and a full disk under the WAL.

mod run_support;

use model::labels::Labels;
use model::remote_write::{Label, Sample, TimeSeries, WriteRequest, encode_request};
use run_support::prometheus::{Prometheus, free_port};
use run_support::{Alloy, PATIENCE, dir_with, request};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

const SERIES: usize = 5;

/// Samples as Prometheus returns them: series labels → (timestamp ms, value).
type Stored = BTreeMap<String, Vec<(i64, f64)>>;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
}

impl Prometheus {
    /// Every raw sample of `rw_test` within the last hour.
    fn stored(&self) -> Stored {
        let path = format!(
            "/api/v1/query?query=rw_test%5B1h%5D&time={}",
            now_ms() / 1000 + 1
        );
        let answer = request(self.addr, "GET", &path, &[]);
        assert_eq!(answer.status, 200, "{}", answer.body);
        let json = answer.json();
        let mut stored = Stored::new();
        for series in json["data"]["result"].as_array().expect("result") {
            let labels: Vec<String> = series["metric"]
                .as_object()
                .expect("metric")
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect();
            let values = series["values"]
                .as_array()
                .expect("values")
                .iter()
                .map(|pair| {
                    let ts = (pair[0].as_f64().expect("ts") * 1000.0).round() as i64;
                    let value: f64 = pair[1].as_str().expect("value").parse().expect("number");
                    (ts, value)
                })
                .collect();
            stored.insert(labels.join(","), values);
        }
        stored
    }
}

fn wait_for(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Test data: `SERIES` series, samples `from..to` one second apart.
struct Samples {
    base: i64,
}

impl Samples {
    fn new() -> Samples {
        // Recent enough for Prometheus's head block, whole seconds.
        Samples {
            base: (now_ms() / 1000 - 300) * 1000,
        }
    }

    fn value(series: usize, k: i64) -> f64 {
        series as f64 * 1000.0 + k as f64 + 0.25
    }

    /// One request per step `k`, each carrying every series.
    fn push(&self, receiver: SocketAddr, steps: std::ops::Range<i64>) {
        for k in steps {
            let request = WriteRequest {
                timeseries: (0..SERIES)
                    .map(|s| TimeSeries {
                        labels: vec![
                            Label {
                                name: "__name__".into(),
                                value: "rw_test".into(),
                            },
                            Label {
                                name: "series".into(),
                                value: format!("s{s}"),
                            },
                        ],
                        samples: vec![Sample {
                            value: Samples::value(s, k),
                            timestamp: self.base + k * 1000,
                        }],
                        exemplars: vec![],
                    })
                    .collect(),
                metadata: vec![],
            };
            let (status, body) = post_write(receiver, &encode_request(&request));
            assert_eq!(status, 204, "push {k}: {body}");
        }
    }

    /// What Prometheus must hold after steps `0..upto`.
    fn expected(&self, upto: i64, external: &str) -> Stored {
        (0..SERIES)
            .map(|s| {
                let labels = Labels::from_pairs([
                    ("__name__", "rw_test".to_string()),
                    ("series", format!("s{s}")),
                    ("cluster", external.to_string()),
                ]);
                let key: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let values = (0..upto)
                    .map(|k| (self.base + k * 1000, Samples::value(s, k)))
                    .collect();
                (key.join(","), values)
            })
            .collect()
    }
}

/// POSTs a remote-write body; the status and the body of the answer.
fn post_write(addr: SocketAddr, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to prometheus.receive_http");
    stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let head = format!(
        "POST /api/v1/metrics/write HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Encoding: snappy\r\nContent-Type: application/x-protobuf\r\n\
         X-Prometheus-Remote-Write-Version: 0.1.0\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("send head");
    stream.write_all(body).expect("send body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read answer");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

fn config(receive_port: u16, prometheus_port: u16, wal: &str) -> String {
    format!(
        r#"
prometheus.receive_http "in" {{
  http {{
    listen_address = "127.0.0.1"
    listen_port    = {receive_port}
  }}
  forward_to = [prometheus.remote_write.out.receiver]
}}

prometheus.remote_write "out" {{
  external_labels = {{ cluster = "it" }}
  endpoint {{
    url = "http://127.0.0.1:{prometheus_port}/api/v1/write"
    queue_config {{
      batch_send_deadline = "200ms"
      min_backoff         = "50ms"
      max_backoff         = "1s"
    }}
  }}
  {wal}
}}
"#
    )
}

fn start_alloy(dir: &Path, storage: &Path) -> Alloy {
    let storage = format!("--storage.path={}", storage.display());
    Alloy::start_ready(dir, "config.alloy", &[&storage])
}

#[test]
fn every_sample_reaches_prometheus_across_its_outage() {
    let prom_dir = tempfile::tempdir().expect("temp dir");
    let prom_port = free_port();
    let prometheus = Prometheus::start_on(prom_dir.path(), prom_port);
    let receive_port = free_port();
    let dir = dir_with(&[("config.alloy", &config(receive_port, prom_port, ""))]);
    let alloy = start_alloy(dir.path(), &dir.path().join("data"));
    let receiver = SocketAddr::from(([127, 0, 0, 1], receive_port));
    let samples = Samples::new();

    samples.push(receiver, 0..10);
    let expected = samples.expected(10, "it");
    wait_for("the first samples in Prometheus", || {
        prometheus.stored() == expected
    });

    // The receiver goes away for a minute; appends keep being accepted.
    prometheus.stop();
    samples.push(receiver, 10..20);
    std::thread::sleep(Duration::from_secs(60));
    let prometheus = Prometheus::start_on(prom_dir.path(), prom_port);
    let expected = samples.expected(20, "it");
    wait_for("every sample after the outage", || {
        prometheus.stored() == expected
    });
    assert_eq!(prometheus.stored(), expected);
    let metrics = alloy.get("/metrics").body;
    assert!(
        metrics.lines().any(
            |l| l.starts_with("prometheus_remote_storage_samples_retried_total")
                && !l.ends_with(" 0")
        ),
        "retries counted:\n{metrics}"
    );
}

#[test]
fn the_wal_is_replayed_after_sigkill() {
    let prom_dir = tempfile::tempdir().expect("temp dir");
    let prom_port = free_port();
    let receive_port = free_port();
    let dir = dir_with(&[("config.alloy", &config(receive_port, prom_port, ""))]);
    let storage = dir.path().join("data");
    let receiver = SocketAddr::from(([127, 0, 0, 1], receive_port));
    let samples = Samples::new();

    // Nothing listens on the endpoint yet: samples are acknowledged by the WAL only.
    let mut alloy = start_alloy(dir.path(), &storage);
    samples.push(receiver, 0..10);
    alloy.signal("KILL");
    alloy.wait_exit();
    drop(alloy);

    let prometheus = Prometheus::start_on(prom_dir.path(), prom_port);
    let alloy = start_alloy(dir.path(), &storage);
    let expected = samples.expected(10, "it");
    wait_for("the replayed samples in Prometheus", || {
        prometheus.stored() == expected
    });
    samples.push(receiver, 10..15);
    let expected = samples.expected(15, "it");
    wait_for("new samples after the restart", || {
        prometheus.stored() == expected
    });
    drop(alloy);
}

#[test]
fn the_guides_wal_max_age_loads_with_a_warning() {
    let receive_port = free_port();
    let wal = "wal {\n    max_age = \"2h\"\n  }";
    let dir = dir_with(&[("config.alloy", &config(receive_port, free_port(), wal))]);
    let alloy = start_alloy(dir.path(), &dir.path().join("data"));
    alloy.wait_for_log(|log| {
        log.lines()
            .find(|l| l.contains("max_age") && l.contains("max_keepalive_time"))
            .map(str::to_string)
    });
    let component = alloy.get("/api/v0/web/components/prometheus.remote_write.out");
    assert_eq!(component.status, 200);
    assert_eq!(
        component.json()["health"]["state"],
        "healthy",
        "{}",
        component.body
    );
}

/// A tiny tmpfs as `--storage.path` (needs root to mount).
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().expect("temp dir");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .ok()?
            .success();
        mounted.then_some(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.0.path()).status();
    }
}

#[test]
fn a_full_disk_refuses_appends_and_recovers() {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root {
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    }
    let tmpfs = Tmpfs::mount("512k").expect("mount a tmpfs");
    let storage = tmpfs.0.path().join("data");
    let receive_port = free_port();
    // The endpoint is down: nothing is sent, so the WAL only grows.
    let dir = dir_with(&[("config.alloy", &config(receive_port, free_port(), ""))]);
    let alloy = start_alloy(dir.path(), &storage);
    let receiver = SocketAddr::from(([127, 0, 0, 1], receive_port));
    let filler = tmpfs.0.path().join("filler");
    let mut file = std::fs::File::create(&filler).expect("filler");
    // Fill what is left; the write fails when the disk is full.
    let _ = file.write_all(&vec![0u8; 1 << 20]);
    drop(file);

    let samples = Samples::new();
    let request = WriteRequest {
        timeseries: vec![TimeSeries {
            labels: vec![Label {
                name: "__name__".into(),
                value: "rw_test".into(),
            }],
            samples: vec![Sample {
                value: 1.0,
                timestamp: samples.base,
            }],
            exemplars: vec![],
        }],
        metadata: vec![],
    };
    let body = encode_request(&request);
    let (status, text) = post_write(receiver, &body);
    assert_eq!(status, 500, "a full disk is a retryable refusal: {text}");
    assert!(text.contains("failed to write to the WAL"), "{text}");
    let component = alloy
        .get("/api/v0/web/components/prometheus.remote_write.out")
        .json();
    assert_eq!(component["health"]["state"], "unhealthy");
    let message = component["health"]["message"].as_str().unwrap_or("");
    assert!(message.contains("No space left on device"), "{message}");

    // Space comes back: appends are accepted again and the component is healthy.
    std::fs::remove_file(&filler).expect("remove filler");
    let (status, text) = post_write(receiver, &body);
    assert_eq!(status, 204, "{text}");
    let component = alloy
        .get("/api/v0/web/components/prometheus.remote_write.out")
        .json();
    assert_eq!(component["health"]["state"], "healthy");
    drop(alloy);
}
