//! Support for the OTLP pipeline tests: the OpenTelemetry Python SDK as the
//! sender (`sdk_send.py`), an OTLP/HTTP server that keeps what it receives
//! (`capture.py`), a test CA, and comparing what was sent with what arrived
//! item by item (both sides described by `describe.py`).

#![allow(dead_code)] // each test binary uses its own share of these helpers

use crate::run_support::{self, Alloy, PATIENCE};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The three item lists of a description, by signal.
pub const KINDS: [(&str, &str); 3] = [
    ("traces", "spans"),
    ("metrics", "points"),
    ("logs", "records"),
];

fn support_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/otlp_support")
}

/// The Python of the test venv: `FERROALLOY_PYTHON`, else
/// `target/test-venv/bin/python` under the workspace root (made by
/// `scripts/python-venv`). Missing is a failure, not a skip.
pub fn python() -> PathBuf {
    let path = std::env::var_os("FERROALLOY_PYTHON").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-venv/bin/python"),
        PathBuf::from,
    );
    assert!(
        path.exists(),
        "no Python with the OpenTelemetry SDK at {} (run scripts/python-venv or set FERROALLOY_PYTHON)",
        path.display()
    );
    path
}

/// The venv's Python, told not to leave byte code in the source tree.
fn python_command() -> Command {
    let mut command = Command::new(python());
    command.env("PYTHONDONTWRITEBYTECODE", "1");
    command
}

/// A free TCP port on 127.0.0.1 (for a server whose address must be known
/// before it starts, like a receiver that another process exports to).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind an ephemeral port")
        .port()
}

/// Runs sdk_send.py and returns its description of what it sent; `args` are
/// its options (`--endpoint`, `--protocol`, …).
pub fn sdk_send(args: &[&str]) -> Value {
    let output = python_command()
        .arg(support_dir().join("sdk_send.py"))
        .args(args)
        .output()
        .expect("run sdk_send.py");
    assert!(
        output.status.success(),
        "sdk_send.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("sdk_send.py prints JSON")
}

/// Asserts that every signal in `sent` was exported with SUCCESS.
pub fn assert_exported(sent: &Value) {
    for (signal, _) in KINDS {
        if let Some(s) = sent.get(signal) {
            assert_eq!(s["result"], "SUCCESS", "the SDK's {signal} export");
        }
    }
}

/// capture.py: an OTLP/HTTP server keeping what it accepts.
pub struct Capture {
    child: Child,
    pub addr: SocketAddr,
}

impl Capture {
    pub fn start() -> Capture {
        let mut child = python_command()
            .arg(support_dir().join("capture.py"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start capture.py");
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first)
            .expect("read capture.py's address");
        let listening: Value = serde_json::from_str(&first).expect("capture.py's first line");
        let addr = listening["listening"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .expect("capture.py's address");
        Capture { child, addr }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Everything received: `requests`, `refused`, `invalid` and the items.
    pub fn received(&self) -> Value {
        let answer = run_support::request(self.addr, "GET", "/received", &[]);
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()
    }

    /// Answers exports with `status` (200 to accept again).
    pub fn answer(&self, status: u16, retry_after: u32) {
        let path = format!("/answer?status={status}&retry_after={retry_after}");
        let answer = run_support::request(self.addr, "PUT", &path, &[]);
        assert_eq!(answer.status, 200, "{}", answer.body);
    }

    /// Polls until `done` holds for what was received; returns that.
    pub fn wait_for(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "capture did not see {what}; it has {}",
                summary(&received)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until at least everything `sent` describes has arrived.
    pub fn wait_for_all(&self, sent: &[&Value]) -> Value {
        self.wait_for("every item sent", |received| {
            KINDS.iter().all(|(signal, kind)| {
                let wanted: usize = sent.iter().map(|s| items(s, signal, kind).len()).sum();
                received[kind].as_array().map_or(0, Vec::len) >= wanted
            })
        })
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn summary(received: &Value) -> String {
    let count = |k: &str| received[k].as_array().map_or(0, Vec::len);
    format!(
        "{} spans, {} points, {} records; requests {}, refused {}, invalid {}",
        count("spans"),
        count("points"),
        count("records"),
        received["requests"],
        received["refused"],
        received["invalid"]
    )
}

fn items<'a>(sent: &'a Value, signal: &str, kind: &str) -> &'a [Value] {
    sent.get(signal)
        .and_then(|s| s[kind].as_array())
        .map_or(&[], Vec::as_slice)
}

/// The items of `received` whose resource's `service.name` ends with `-tag`
/// (sdk_send.py's `--tag`).
pub fn tagged(received: &Value, kind: &str, tag: &str) -> Vec<Value> {
    let suffix = format!("-{tag}");
    received[kind]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|i| {
                    i["resource"]["service.name"]
                        .as_str()
                        .is_some_and(|n| n.ends_with(&suffix))
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts that `received` holds every item of the `sent` descriptions exactly
/// once, field by field, and nothing else.
pub fn assert_exactly_once(sent: &[&Value], received: &Value) {
    for (signal, kind) in KINDS {
        let mut want: BTreeMap<String, i64> = BTreeMap::new();
        for s in sent {
            for item in items(s, signal, kind) {
                *want.entry(item.to_string()).or_default() += 1;
            }
        }
        let mut got: BTreeMap<String, i64> = BTreeMap::new();
        for item in received[kind].as_array().map_or(&[][..], Vec::as_slice) {
            *got.entry(item.to_string()).or_default() += 1;
        }
        let missing: Vec<_> = want
            .iter()
            .filter(|(k, n)| got.get(*k) != Some(n))
            .map(|(k, n)| format!("{n}× sent, {}× received: {k}", got.get(k).unwrap_or(&0)))
            .collect();
        let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(*k)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{kind}: {} differ, {} unexpected\nfirst differing: {:?}\nfirst unexpected: {:?}",
            missing.len(),
            extra.len(),
            missing.first(),
            extra.first()
        );
    }
}

/// The `{SHA}` htpasswd line of `user` (what `htpasswd -s` writes).
pub fn htpasswd_sha(user: &str, password: &str) -> String {
    let output = Command::new("sh")
        .arg("-c")
        .arg(r#"printf %s "$1" | openssl dgst -sha1 -binary | openssl base64 -A"#)
        .arg("sh")
        .arg(password)
        .output()
        .expect("run openssl");
    assert!(output.status.success(), "openssl dgst");
    format!(
        "{user}:{{SHA}}{}",
        String::from_utf8_lossy(&output.stdout).trim()
    )
}

/// The sum of the samples on `/metrics` whose line starts with `name` and
/// contains every one of `labels`; 0 when there is none yet.
pub fn metric(alloy: &Alloy, name: &str, labels: &[&str]) -> f64 {
    let answer = alloy.get("/metrics");
    assert_eq!(answer.status, 200);
    answer
        .body
        .lines()
        .filter(|l| l.starts_with(name) && labels.iter().all(|label| l.contains(label)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// VmRSS and VmHWM of a process, in bytes.
pub fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("read /proc status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .map(|kib| kib * 1024)
            .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"))
    };
    (field("VmRSS:"), field("VmHWM:"))
}
