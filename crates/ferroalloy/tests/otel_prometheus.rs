//! OTLP metrics to Prometheus through the real binary: the OpenTelemetry
//! Python SDK (OTLP/HTTP) → `otelcol.receiver.otlp` →
//! `otelcol.exporter.prometheus` → `prometheus.remote_write` → Debian's
//! `prometheus` (remote-write receiver), queried back by the names Prometheus
//! users expect.

mod otlp_support;
#[allow(dead_code)] // the helpers of the other Prometheus tests
mod prometheus_support;
mod run_support;

use prometheus_support::{Peer, eventually};
use run_support::{Alloy, dir_with};
use std::process::Command;
use std::time::Duration;

/// How long remote-written samples may take to be queryable (the default
/// batch deadline is 5 s; a loaded CI machine is slower).
const DELIVERY: Duration = Duration::from_secs(60);

/// The value of the single series `expr` selects, or why there is none.
fn single_value(prometheus: &Peer, expr: &str) -> Result<f64, String> {
    let result = prometheus.query(expr);
    match result.as_slice() {
        [series] => series["value"][1]
            .as_str()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{expr}: no value in {series}")),
        other => Err(format!("{expr}: expected one series, got {other:?}")),
    }
}

#[test]
fn sdk_metrics_arrive_in_prometheus_under_their_prometheus_names() {
    let prometheus_dir = tempfile::tempdir().unwrap();
    let prometheus = Peer::prometheus(prometheus_dir.path(), None);
    let otlp_port = otlp_support::free_port();
    let config = format!(
        r#"
otelcol.receiver.otlp "in" {{
  http {{
    endpoint = "127.0.0.1:{otlp_port}"
  }}
  output {{
    metrics = [otelcol.exporter.prometheus.out.input]
  }}
}}

otelcol.exporter.prometheus "out" {{
  forward_to = [prometheus.remote_write.peer.receiver]
}}

prometheus.remote_write "peer" {{
  endpoint {{
    url = "http://{}/api/v1/write"
  }}
}}
"#,
        prometheus.addr
    );
    let dir = dir_with(&[("config.alloy", &config)]);
    let alloy = Alloy::start_ready(dir.path(), "config.alloy", &[]);

    let sent = Command::new(otlp_support::python())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/otel_prometheus_send.py"
        ))
        .arg(format!("http://127.0.0.1:{otlp_port}/v1/metrics"))
        .output()
        .expect("run the SDK script");
    assert!(
        sent.status.success(),
        "the SDK could not export: {}\n{}",
        String::from_utf8_lossy(&sent.stderr),
        alloy.log()
    );

    let identity =
        r#"job="ferro/shop",instance="i-7",otel_scope_name="ferro.test",otel_scope_version="2.0""#;
    let expected = [
        (format!(r#"requests_total{{{identity},route="/a"}}"#), 3.0),
        (format!(r#"requests_total{{{identity},route="/b"}}"#), 2.0),
        (
            format!(r#"request_duration_seconds_bucket{{{identity},le="0.5"}}"#),
            1.0,
        ),
        (
            format!(r#"request_duration_seconds_bucket{{{identity},le="1"}}"#),
            2.0,
        ),
        (
            format!(r#"request_duration_seconds_bucket{{{identity},le="5"}}"#),
            3.0,
        ),
        (
            format!(r#"request_duration_seconds_bucket{{{identity},le="+Inf"}}"#),
            3.0,
        ),
        (
            format!(r#"request_duration_seconds_count{{{identity}}}"#),
            3.0,
        ),
        (
            format!(r#"request_duration_seconds_sum{{{identity}}}"#),
            3.9,
        ),
        (
            r#"target_info{job="ferro/shop",instance="i-7",deployment_environment="test"}"#
                .to_owned(),
            1.0,
        ),
    ];
    eventually(DELIVERY, || {
        for (expr, want) in &expected {
            let got = single_value(&prometheus, expr)?;
            if (got - want).abs() > 1e-9 {
                return Err(format!("{expr} = {got}, want {want}"));
            }
        }
        Ok(())
    });

    // Nothing else: no series under the OTel names, no identifying
    // attributes left on target_info.
    let names = prometheus.get("/api/v1/label/__name__/values").json();
    let names: Vec<&str> = names["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "request_duration_seconds_bucket",
            "request_duration_seconds_count",
            "request_duration_seconds_sum",
            "requests_total",
            "target_info"
        ]
    );
    let target_info = prometheus.query("target_info");
    assert_eq!(target_info[0]["metric"].get("service_name"), None);

    let metrics = alloy.get("/metrics").body;
    let forwarded = metrics
        .lines()
        .find(|l| {
            l.starts_with("prometheus_forwarded_samples_total")
                && l.contains(r#"component_id="otelcol.exporter.prometheus.out""#)
        })
        .unwrap_or_else(|| panic!("no forwarded samples counter in\n{metrics}"));
    // 9 samples per request; the SDK exports on flush and again on shutdown.
    let count: u64 = forwarded
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {forwarded}"));
    assert!(count >= 9 && count.is_multiple_of(9), "{forwarded}");
}
