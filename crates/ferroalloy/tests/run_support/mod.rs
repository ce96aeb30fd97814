//! Support for the `ferroalloy run` tests: the real binary on an ephemeral port,
//! its log, signals, and a small HTTP/1.1 client over a plain socket.

#![allow(dead_code)] // each test binary uses its own share of these helpers

pub mod prometheus;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long anything a test waits for may take before the test fails. Only an
/// upper bound: every wait polls and returns as soon as the condition holds.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A running `ferroalloy run`.
pub struct Alloy {
    child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Alloy {
    /// Starts `ferroalloy run <config> --server.http.listen-addr=127.0.0.1:0 …`
    /// in `dir` and waits until it listens.
    pub fn start(dir: &Path, config: &str, args: &[&str]) -> Alloy {
        Alloy::start_with_env(dir, config, args, &[])
    }

    /// [`Alloy::start`] with extra environment variables (what `env()` in a
    /// configuration reads).
    pub fn start_with_env(dir: &Path, config: &str, args: &[&str], env: &[(&str, &str)]) -> Alloy {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ferroalloy"))
            .current_dir(dir)
            .envs(env.iter().copied())
            .arg("run")
            .arg(config)
            .arg("--server.http.listen-addr=127.0.0.1:0")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ferroalloy");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let mut alloy = Alloy {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            log,
        };
        let addr = alloy.wait_for_log(|log| {
            log.lines()
                .find(|l| l.contains("now listening for http traffic"))
                .and_then(|l| l.split("addr=").nth(1))
                .and_then(|a| a.split_whitespace().next())
                .and_then(|a| a.parse::<SocketAddr>().ok())
        });
        alloy.addr = addr;
        alloy
    }

    /// Starts and waits until `/-/ready` answers 200.
    pub fn start_ready(dir: &Path, config: &str, args: &[&str]) -> Alloy {
        Alloy::start_ready_with_env(dir, config, args, &[])
    }

    /// [`Alloy::start_ready`] with extra environment variables.
    pub fn start_ready_with_env(
        dir: &Path,
        config: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Alloy {
        let alloy = Alloy::start_with_env(dir, config, args, env);
        alloy.wait_until(|| alloy.get("/-/ready").status == 200);
        alloy
    }

    /// The process id, to read its /proc entries.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything written to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Polls the log until `found` finds something in it.
    pub fn wait_for_log<T>(&self, found: impl Fn(&str) -> Option<T>) -> T {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(t) = found(&self.log()) {
                return t;
            }
            assert!(
                Instant::now() < deadline,
                "not found in the log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Polls until `done` holds.
    pub fn wait_until(&self, done: impl Fn() -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !done() {
            assert!(
                Instant::now() < deadline,
                "condition not reached; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn get(&self, path: &str) -> Answer {
        request(self.addr, "GET", path, &[])
    }

    pub fn post(&self, path: &str) -> Answer {
        request(self.addr, "POST", path, &[])
    }

    /// Sends a signal (`HUP`, `TERM`, `INT`) to the process.
    pub fn signal(&self, name: &str) {
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!("kill -{name} {}", self.child.id()))
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name}");
    }

    /// Waits for the process to exit.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for ferroalloy") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "ferroalloy did not exit; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Alloy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `ferroalloy run` to its end (for configurations that fail to load).
pub fn run_to_exit(dir: &Path, config: &str) -> (ExitStatus, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ferroalloy"))
        .current_dir(dir)
        .args(["run", config, "--server.http.listen-addr=127.0.0.1:0"])
        .output()
        .expect("run ferroalloy");
    (
        output.status,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A temporary directory holding `files`.
pub fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, data) in files {
        std::fs::write(dir.path().join(name), data).expect("write file");
    }
    dir
}

pub struct Answer {
    pub status: u16,
    /// Header names in lower case, with their values.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: not JSON: {}", self.body))
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect to ferroalloy");
    stream
        .set_read_timeout(Some(PATIENCE))
        .expect("set read timeout");
    stream
}

/// One HTTP/1.1 request with `Connection: close`.
pub fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    request_with_body(addr, method, path, headers, b"")
}

/// One HTTP/1.1 request with a body and `Connection: close`.
pub fn request_with_body(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    exchange(connect(addr), addr, method, path, headers, body)
}

/// A GET over TLS, trusting only the certificates of `ca_pem`; `Err` when the
/// handshake fails.
pub fn get_tls(addr: SocketAddr, ca_pem: &[u8], path: &str) -> Result<Answer, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, ServerName};
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem) {
        roots
            .add(cert.expect("PEM certificate"))
            .expect("CA certificate");
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("localhost").expect("server name");
    let mut conn =
        rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
    let mut sock = connect(addr);
    while conn.is_handshaking() {
        conn.complete_io(&mut sock).map_err(|e| e.to_string())?;
    }
    Ok(exchange(
        rustls::StreamOwned::new(conn, sock),
        addr,
        "GET",
        path,
        &[],
        b"",
    ))
}

fn exchange(
    mut stream: impl Read + Write,
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Answer {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("send request");
    stream.write_all(body).expect("send body");
    let mut raw = Vec::new();
    // A TLS peer may close without close_notify once the answer is complete.
    if let Err(e) = stream.read_to_end(&mut raw) {
        assert!(!raw.is_empty(), "read response: {e}");
    }
    parse(&raw)
}

fn parse(raw: &[u8]) -> Answer {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .expect("chunk size");
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}
