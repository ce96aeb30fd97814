//! `prometheus.exporter.unix` and `prometheus.exporter.self` in the real
//! binary: their targets, and their metrics endpoints answering valid
//! exposition text (checked by Prometheus's own `promtool`).

mod run_support;

use run_support::{Alloy, dir_with};
use std::io::Write;
use std::process::{Command, Stdio};

const CONFIG: &str = r#"prometheus.exporter.unix "host" {
  set_collectors = ["cpu", "meminfo", "loadavg", "filesystem", "diskstats", "netdev", "stat", "vmstat", "time", "uname", "filefd", "pressure", "os", "netstat", "sockstat", "entropy", "conntrack", "softnet", "schedstat", "zfs"]
  disk {
    device_exclude = "^loop"
  }
  netdev {
    device_exclude = "^lo$"
  }
}

prometheus.exporter.self "alloy" { }
"#;

/// `promtool check metrics` on `text`: its exit code and output.
fn promtool_check(text: &str) -> (i32, String) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool must be installed (Debian package prometheus)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let mut report = String::from_utf8_lossy(&output.stdout).into_owned();
    report.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), report)
}

/// promtool's verdict: parsing must succeed; the only lint findings allowed
/// are those node_exporter's own names draw (its kernel field names are
/// CamelCase, entropy is counted in bits).
fn assert_valid_exposition(text: &str) {
    let (code, report) = promtool_check(text);
    assert!(
        code == 0 || code == 3,
        "promtool failed ({code}):\n{report}"
    );
    for finding in report.lines() {
        assert!(
            finding.contains("should be written in 'snake_case' not 'camelCase'")
                || finding.contains("use base unit \"bytes\" instead of \"bits\""),
            "unexpected promtool finding: {finding}"
        );
    }
}

#[test]
fn unix_and_self_serve_valid_metrics() {
    let dir = dir_with(&[("main.alloy", CONFIG)]);
    let alloy = Alloy::start_ready(dir.path(), "main.alloy", &[]);

    let unix = alloy.get("/api/v0/component/prometheus.exporter.unix.host/metrics");
    assert_eq!(unix.status, 200, "{}", unix.body);
    assert_eq!(
        unix.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    for family in [
        "node_cpu_seconds_total",
        "node_memory_MemTotal_bytes",
        "node_load1",
        "node_uname_info",
        "node_scrape_collector_success",
    ] {
        assert!(
            unix.body.contains(&format!("# TYPE {family} ")),
            "no {family} in\n{}",
            unix.body
        );
    }
    assert!(
        !unix.body.contains("collector=\"zfs\""),
        "zfs is not implemented and so not reported as run"
    );
    assert_valid_exposition(&unix.body);

    let own = alloy.get("/api/v0/component/prometheus.exporter.self.alloy/metrics");
    assert_eq!(own.status, 200, "{}", own.body);
    assert!(
        own.body
            .contains("alloy_component_controller_running_components"),
        "{}",
        own.body
    );
    let (code, report) = promtool_check(&own.body);
    assert!(
        code == 0 || code == 3,
        "promtool failed ({code}):\n{report}"
    );
    assert!(!report.contains("error"), "{report}");

    // The targets as the UI's API shows the exports.
    let components = alloy.get("/api/v0/web/components/prometheus.exporter.unix.host");
    assert_eq!(components.status, 200, "{}", components.body);
    let body = components.body;
    for expected in [
        "alloy.internal:12345",
        "/api/v0/component/prometheus.exporter.unix.host/metrics",
        "integrations/unix",
    ] {
        assert!(body.contains(expected), "no {expected} in {body}");
    }
    let debug = body.contains("not_implemented_collectors");
    assert!(
        debug,
        "the debug info lists what is not implemented: {body}"
    );
}
