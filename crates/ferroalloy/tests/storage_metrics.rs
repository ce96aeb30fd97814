//! `storage.metrics` through the real binary: Prometheus 2.42 remote-writes
//! into it, and every acknowledged sample survives a SIGKILL during ingest.

mod run_support;

use model::remote_write::{Label, Sample, TimeSeries, WriteRequest, encode_request};
use run_support::{Alloy, PATIENCE, dir_with, request_with_body};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CONFIG: &str = r#"storage.metrics "local" { }
"#;
const MOUNT: &str = "/api/v0/component/storage.metrics.local";

fn write_path() -> String {
    format!("{MOUNT}/api/v1/write")
}

/// The stored series matching `query` (`label=value&…`).
fn stored(alloy: &Alloy, query: &str) -> Vec<serde_json::Value> {
    let answer = alloy.get(&format!("{MOUNT}/debug/samples?{query}"));
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json().as_array().cloned().unwrap_or_default()
}

#[test]
fn prometheus_remote_writes_into_it() {
    let dir = dir_with(&[("config.alloy", CONFIG)]);
    let alloy = Alloy::start_ready(dir.path(), "config.alloy", &[]);
    let prometheus_config = format!(
        r#"global:
  scrape_interval: 1s
scrape_configs:
  - job_name: ferroalloy
    static_configs:
      - targets: ["{addr}"]
remote_write:
  - url: http://{addr}{path}
    queue_config:
      batch_send_deadline: 1s
"#,
        addr = alloy.addr,
        path = write_path()
    );
    std::fs::write(dir.path().join("prometheus.yml"), prometheus_config).unwrap();
    let mut prometheus = Command::new("prometheus")
        .current_dir(dir.path())
        .arg("--config.file=prometheus.yml")
        .arg("--storage.tsdb.path=prometheus-data")
        .arg("--web.listen-address=127.0.0.1:0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start prometheus (Debian package `prometheus`)");
    alloy.wait_until(|| {
        stored(&alloy, "job=ferroalloy&__name__=up")
            .first()
            .and_then(|s| s["samples"].as_array().map(|a| a.len() >= 2))
            .unwrap_or(false)
    });
    let up = stored(&alloy, "job=ferroalloy&__name__=up");
    assert_eq!(up[0]["labels"]["instance"], alloy.addr.to_string());
    assert_eq!(up[0]["samples"][0][1], "1");
    let _ = prometheus.kill();
    let _ = prometheus.wait();
}

/// One request of `series` series with one sample each at `t`.
fn request(batch: usize, t: i64, series: usize) -> Vec<u8> {
    let label = |name: &str, value: String| Label {
        name: name.into(),
        value,
    };
    encode_request(&WriteRequest {
        timeseries: (0..series)
            .map(|i| TimeSeries {
                labels: vec![
                    label("__name__", "load".into()),
                    label("series", i.to_string()),
                ],
                samples: vec![Sample {
                    value: (batch * 1000 + i) as f64,
                    timestamp: t,
                }],
                exemplars: vec![],
            })
            .collect(),
        metadata: vec![],
    })
}

#[test]
fn every_acknowledged_sample_survives_sigkill() {
    const SERIES: usize = 50;
    let dir = dir_with(&[("config.alloy", CONFIG)]);
    let alloy = Alloy::start_ready(dir.path(), "config.alloy", &[]);
    let addr = alloy.addr;
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut batch = 0;
            while !stop.load(Ordering::Relaxed) {
                let t = 1_000 + batch as i64;
                let body = request(batch, t, SERIES);
                let sent = std::panic::catch_unwind(|| {
                    request_with_body(
                        addr,
                        "POST",
                        &write_path(),
                        &[
                            ("Content-Type", "application/x-protobuf"),
                            ("Content-Encoding", "snappy"),
                        ],
                        &body,
                    )
                    .status
                });
                match sent {
                    Ok(204) => acknowledged.lock().unwrap().push((batch, t)),
                    _ => break,
                }
                batch += 1;
            }
        })
    };
    let deadline = Instant::now() + PATIENCE;
    while acknowledged.lock().unwrap().len() < 400 {
        assert!(
            Instant::now() < deadline,
            "ingest too slow; log:\n{}",
            alloy.log()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    alloy.signal("KILL");
    let mut alloy = alloy;
    alloy.wait_exit();
    stop.store(true, Ordering::Relaxed);
    let _ = writer.join();
    let acknowledged = acknowledged.lock().unwrap().clone();

    let alloy = Alloy::start_ready(dir.path(), "config.alloy", &[]);
    let series = stored(&alloy, "__name__=load");
    assert_eq!(series.len(), SERIES);
    for s in &series {
        let i: usize = s["labels"]["series"].as_str().unwrap().parse().unwrap();
        let samples: std::collections::HashMap<i64, String> = s["samples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_i64().unwrap(), p[1].as_str().unwrap().to_string()))
            .collect();
        for &(batch, t) in &acknowledged {
            let want = ((batch * 1000 + i) as f64).to_string();
            assert_eq!(
                samples.get(&t),
                Some(&want),
                "series {i}, batch {batch} lost"
            );
        }
    }
}

#[test]
fn listen_address_serves_the_apis_at_its_root() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config =
        format!("storage.metrics \"local\" {{\n  listen_address = \"127.0.0.1:{port}\"\n}}\n");
    let dir = dir_with(&[("config.alloy", &config)]);
    let _alloy = Alloy::start_ready(dir.path(), "config.alloy", &[]);
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let answer = request_with_body(
        addr,
        "POST",
        "/api/v1/write",
        &[
            ("Content-Type", "application/x-protobuf"),
            ("Content-Encoding", "snappy"),
        ],
        &request(7, 5000, 3),
    );
    assert_eq!(answer.status, 204, "{}", answer.body);
    let answer = run_support::request(addr, "GET", "/debug/samples?series=2", &[]);
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.json()[0]["samples"],
        serde_json::json!([[5000, "7002"]])
    );
}
