//! The README's run command, as a new user runs it: `examples/config.alloy`
//! scrapes the host and ferroalloy itself into `storage.metrics`, the guide's
//! `curl localhost:9090/api/v1/query?query=up` answers, and the stored data is
//! still there after a restart. Ports come from the environment variables the
//! example reads, so the test does not need the default ones.

mod run_support;

use run_support::prometheus::free_port;
use run_support::{Alloy, PATIENCE, request};
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

/// The `up` series the example's scrapes produce, with their timestamps.
fn up_samples(api: SocketAddr, at: Option<f64>) -> Vec<(String, f64)> {
    let path = match at {
        Some(t) => format!("/api/v1/query?query=up&time={t}"),
        None => "/api/v1/query?query=up".to_string(),
    };
    let answer = request(api, "GET", &path, &[]);
    if answer.status != 200 {
        return Vec::new();
    }
    let json = answer.json();
    assert_eq!(json["status"], "success", "{json}");
    json["data"]["result"]
        .as_array()
        .expect("a vector")
        .iter()
        .map(|s| {
            (
                s["metric"]["job"].as_str().expect("a job").to_string(),
                s["value"][0].as_f64().expect("a time"),
            )
        })
        .collect()
}

fn start(dir: &Path, api: SocketAddr) -> Alloy {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/config.alloy");
    let grpc = format!("127.0.0.1:{}", free_port());
    let http = format!("127.0.0.1:{}", free_port());
    let api = api.to_string();
    Alloy::start_ready_with_env(
        dir,
        config.to_str().expect("a UTF-8 path"),
        &["--storage.path=data-alloy"],
        &[
            ("OTLP_GRPC_ENDPOINT", &grpc),
            ("OTLP_HTTP_ENDPOINT", &http),
            ("PROMETHEUS_LISTEN_ADDRESS", &api),
        ],
    )
}

#[test]
fn the_example_stores_what_it_scrapes_across_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let api = SocketAddr::from(([127, 0, 0, 1], free_port()));

    let mut alloy = start(dir.path(), api);
    let deadline = Instant::now() + PATIENCE + PATIENCE;
    let first = loop {
        let mut up = up_samples(api, None);
        up.sort_by(|a, b| a.0.cmp(&b.0));
        let jobs: Vec<&str> = up.iter().map(|(job, _)| job.as_str()).collect();
        if jobs == ["integrations/self", "integrations/unix"] {
            break up;
        }
        assert!(
            Instant::now() < deadline,
            "the example never stored `up` of both exporters (got {jobs:?}); log:\n{}",
            alloy.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    alloy.signal("TERM");
    assert!(alloy.wait_exit().success(), "log:\n{}", alloy.log());
    assert!(dir.path().join("data-alloy").is_dir());

    // After a restart, the samples stored before it are still answered at
    // their time.
    let alloy = start(dir.path(), api);
    let latest = first.iter().map(|(_, t)| *t).fold(f64::MIN, f64::max);
    let before = up_samples(api, Some(latest));
    assert_eq!(
        before.len(),
        2,
        "the samples from before the restart are gone; log:\n{}",
        alloy.log()
    );
}
