//! `otelcol.receiver.otlp` in the real binary: the configuration wires an
//! `otelcol.auth.bearer` handler into the HTTP server, requests are checked,
//! and the receiver's counters appear on `/metrics` with its component id.
//! (Pipelines across processes with the OpenTelemetry SDK are tested in
//! `otlp_e2e`.)

mod run_support;

use run_support::{Alloy, dir_with, request_with_body};
use std::net::SocketAddr;

const TRACE: &[u8] = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{
    "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"op"}]}]}]}"#;

fn free_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

#[test]
fn receiver_with_bearer_auth_accepts_and_counts() {
    let otlp = free_port();
    let config = format!(
        r#"
otelcol.auth.bearer "token" {{
  token = "s3cret"
}}

otelcol.receiver.otlp "default" {{
  http {{
    endpoint = "{otlp}"
    auth     = otelcol.auth.bearer.token.handler
  }}
  output {{}}
}}
"#
    );
    let dir = dir_with(&[("config.alloy", &config)]);
    let alloy = Alloy::start_ready(dir.path(), "config.alloy", &[]);
    let send = |authorization: &str| {
        request_with_body(
            otlp,
            "POST",
            "/v1/traces",
            &[
                ("Content-Type", "application/json"),
                ("Authorization", authorization),
            ],
            TRACE,
        )
    };
    let accepted = send("Bearer s3cret");
    assert_eq!(accepted.status, 200, "{}", alloy.log());
    assert_eq!(accepted.header("content-type"), Some("application/json"));
    assert_eq!(send("Bearer wrong").status, 401);

    let metrics = alloy.get("/metrics").body;
    let line = metrics
        .lines()
        .find(|l| l.starts_with("otelcol_receiver_accepted_spans_total{"))
        .unwrap_or_else(|| panic!("no accepted spans counter in:\n{metrics}"));
    assert!(
        line.contains(r#"component_id="otelcol.receiver.otlp.default""#)
            && line.contains(r#"transport="http""#)
            && line.ends_with(" 1"),
        "{line}"
    );
}
