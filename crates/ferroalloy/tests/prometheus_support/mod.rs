//! Support for the Prometheus pipeline tests: Debian's `prometheus` and
//! `prometheus-node-exporter` as real peers, scrape targets that answer from a
//! script, Prometheus's query API, the text exposition format and the Alloy
//! JSON body of the component API.

use crate::run_support::{Answer, PATIENCE, request};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A series: its labels, `__name__` included, sorted by name.
pub type Series = BTreeMap<String, String>;

/// The path of a binary from Debian; a missing one fails the test (CI installs
/// them in `scripts/test`).
pub fn debian_binary(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!("{name} is not installed (scripts/test installs it with apt-get)")
        })
}

/// A loopback address nothing listens on, for peers that cannot report the
/// port they picked.
pub fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
}

/// A peer process from Debian, killed when dropped.
pub struct Peer {
    child: Child,
    pub addr: SocketAddr,
    log: PathBuf,
    /// The `Authorization` header its HTTP API wants, if any.
    auth: Option<String>,
}

impl Peer {
    /// `prometheus-node-exporter` with its default collectors, plus the
    /// textfile collector reading `textfile_dir`.
    pub fn node_exporter(dir: &Path, textfile_dir: &Path) -> Peer {
        let addr = free_addr();
        let mut command = Command::new(debian_binary("prometheus-node-exporter"));
        command
            .arg(format!("--web.listen-address={addr}"))
            .arg(format!(
                "--collector.textfile.directory={}",
                textfile_dir.display()
            ));
        Peer::start(command, addr, dir.join("node_exporter.log"), "/", None)
    }

    /// `prometheus` with no scrape jobs, accepting remote writes; with
    /// `web_config` (a `--web.config.file` body) and the `auth` header that
    /// passes it, when given.
    pub fn prometheus(dir: &Path, web_config: Option<(&str, &str)>) -> Peer {
        let addr = free_addr();
        let config = dir.join("prometheus.yml");
        std::fs::write(&config, "").expect("write prometheus.yml");
        let mut command = Command::new(debian_binary("prometheus"));
        command
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("prometheus-data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .arg("--web.enable-remote-write-receiver");
        let auth = web_config.map(|(body, auth)| {
            let path = dir.join("web.yml");
            std::fs::write(&path, body).expect("write web.yml");
            command.arg(format!("--web.config.file={}", path.display()));
            auth.to_string()
        });
        Peer::start(command, addr, dir.join("prometheus.log"), "/-/ready", auth)
    }

    fn start(
        mut command: Command,
        addr: SocketAddr,
        log: PathBuf,
        ready_path: &str,
        auth: Option<String>,
    ) -> Peer {
        let log_file = std::fs::File::create(&log).expect("create peer log");
        let child = command
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("start peer");
        let mut peer = Peer {
            child,
            addr,
            log,
            auth,
        };
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = peer.child.try_wait().expect("wait for peer") {
                panic!("peer exited with {status}:\n{}", peer.log());
            }
            if TcpStream::connect(addr).is_ok() && peer.get(ready_path).status == 200 {
                return peer;
            }
            assert!(Instant::now() < deadline, "peer not ready:\n{}", peer.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn get(&self, path: &str) -> Answer {
        match &self.auth {
            Some(auth) => request(self.addr, "GET", path, &[("Authorization", auth)]),
            None => request(self.addr, "GET", path, &[]),
        }
    }

    /// The result of an instant query evaluated now.
    pub fn query(&self, expr: &str) -> Vec<Value> {
        let answer = self.get(&format!("/api/v1/query?query={}", url_encode(expr)));
        assert_eq!(answer.status, 200, "query {expr}: {}", answer.body);
        let json = answer.json();
        json["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("query {expr}: no result in {json}"))
    }

    /// Every raw sample of the series `selector` matches in the last hour,
    /// with millisecond timestamps (staleness markers are not returned).
    pub fn raw_samples(&self, selector: &str) -> BTreeMap<Series, Vec<(i64, f64)>> {
        self.query(&format!("{selector}[1h]"))
            .iter()
            .map(|series| {
                let labels = series["metric"]
                    .as_object()
                    .expect("metric")
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().expect("label").to_string()))
                    .collect();
                let samples = series["values"]
                    .as_array()
                    .expect("values")
                    .iter()
                    .map(|pair| {
                        let seconds = pair[0].as_f64().expect("timestamp");
                        let value = parse_value(pair[1].as_str().expect("value"))
                            .expect("Prometheus value");
                        ((seconds * 1000.0).round() as i64, value)
                    })
                    .collect();
                (labels, samples)
            })
            .collect()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` until it passes; fails with its last complaint after `patience`.
pub fn eventually(patience: Duration, check: impl Fn() -> Result<(), String>) {
    let deadline = Instant::now() + patience;
    loop {
        match check() {
            Ok(()) => return,
            Err(complaint) if Instant::now() >= deadline => panic!("{complaint}"),
            Err(_) => std::thread::sleep(Duration::from_millis(250)),
        }
    }
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One HTTP answer of a [`ScriptedTarget`].
#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub fn ok(body: impl Into<String>) -> Reply {
        Reply {
            status: 200,
            body: body.into(),
        }
    }
}

/// A scrape target served by the test: the n-th request gets the n-th reply
/// of the script, later ones the last. Knowing exactly what each scrape got
/// is what lets the tests compare stored values exactly.
pub struct ScriptedTarget {
    pub addr: SocketAddr,
    served: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl ScriptedTarget {
    pub fn start(script: Vec<Reply>) -> ScriptedTarget {
        assert!(!script.is_empty(), "a script needs a reply");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind target");
        let addr = listener.local_addr().expect("target address");
        let served = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, stopped) = (served.clone(), stop.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let n = count.load(Ordering::SeqCst);
                let reply = &script[n.min(script.len() - 1)];
                if answer(stream, reply) {
                    count.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        ScriptedTarget { addr, served, stop }
    }

    /// How many scrapes were answered.
    pub fn served(&self) -> usize {
        self.served.load(Ordering::SeqCst)
    }
}

impl Drop for ScriptedTarget {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

/// Reads one request head and writes `reply`; whether a request was answered.
fn answer(mut stream: TcpStream, reply: &Reply) -> bool {
    let _ = stream.set_read_timeout(Some(PATIENCE));
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return false,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let response = format!(
        "HTTP/1.1 {} X\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{}",
        reply.status,
        reply.body.len(),
        reply.body
    );
    stream.write_all(response.as_bytes()).is_ok()
}

/// The samples of a text-format (0.0.4) exposition without timestamps, as
/// node_exporter and Prometheus write it, with the series as Prometheus stores
/// them.
pub fn parse_exposition(text: &str) -> Vec<(Series, f64)> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| parse_line(line).unwrap_or_else(|| panic!("cannot parse line {line:?}")))
        .collect()
}

fn parse_line(line: &str) -> Option<(Series, f64)> {
    let name_end = line.find(['{', ' '])?;
    let mut series = Series::new();
    series.insert("__name__".into(), line[..name_end].to_string());
    let mut rest = &line[name_end..];
    if let Some(labels) = rest.strip_prefix('{') {
        rest = labels;
        loop {
            rest = rest.trim_start_matches([' ', ',']);
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let (name, after) = rest.split_once("=\"")?;
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next()? {
                    (i, '"') => break i,
                    (_, '\\') => match chars.next()?.1 {
                        'n' => value.push('\n'),
                        other => value.push(other),
                    },
                    (_, c) => value.push(c),
                }
            };
            // An empty label value is the same as no label (Prometheus drops it).
            if !value.is_empty() {
                series.insert(name.trim().to_string(), value);
            }
            rest = &after[end + 1..];
        }
    }
    let mut fields = rest.split_whitespace();
    let value = parse_value(fields.next()?)?;
    // A timestamp would make the scrape time irrelevant; none is expected here.
    fields.next().is_none().then_some((series, value))
}

/// A sample value as the text format and Prometheus's API write it.
pub fn parse_value(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => text.parse().ok(),
    }
}

/// Whether two sample values are the same float (NaN equal to NaN, -0 apart
/// from +0).
pub fn same_value(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

/// The per-target statuses in `prometheus.scrape`'s debug info (an Alloy JSON
/// body), each as its fields' typed values. Alloy writes one `target` block
/// per target; the runtime's debug info can only hold attributes so far, so a
/// `targets` attribute holding a list of objects with the same fields is read
/// too.
pub fn target_statuses(debug_info: &Value) -> Vec<BTreeMap<String, Value>> {
    let statements = debug_info.as_array().into_iter().flatten();
    let mut statuses = Vec::new();
    for statement in statements {
        match (statement["type"].as_str(), statement["name"].as_str()) {
            (Some("block"), Some("target")) => statuses.push(
                statement["body"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|s| s["type"] == "attr")
                    .filter_map(|s| Some((s["name"].as_str()?.to_string(), s["value"].clone())))
                    .collect(),
            ),
            (Some("attr"), Some("targets")) => {
                let objects = statement["value"]["value"].as_array().into_iter().flatten();
                statuses.extend(objects.map(|object| {
                    object["value"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|f| Some((f["key"].as_str()?.to_string(), f["value"].clone())))
                        .collect()
                }));
            }
            _ => {}
        }
    }
    statuses
}

/// The text of a string field of a target status; `""` when absent (Alloy
/// leaves out optional attributes equal to their zero value).
pub fn status_string(block: &BTreeMap<String, Value>, name: &str) -> String {
    block
        .get(name)
        .and_then(|v| v["value"].as_str())
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_text_format_with_escapes_and_special_values() {
        let samples = parse_exposition(
            "# HELP x y\nx 1\nx_bucket{le=\"+Inf\",a=\"q\\\"b\\\\c\\nd\",e=\"\"} +Inf\ny{} NaN\n",
        );
        assert_eq!(samples.len(), 3);
        assert_eq!(samples[1].0["a"], "q\"b\\c\nd");
        assert_eq!(samples[1].0["le"], "+Inf");
        assert!(!samples[1].0.contains_key("e"), "empty labels are absent");
        assert!(same_value(samples[1].1, f64::INFINITY));
        assert!(samples[2].1.is_nan());
        assert!(!same_value(0.0, -0.0));
    }
}
