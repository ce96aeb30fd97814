//! The web UI in a real headless Chromium (Debian's `chromium`, installed by
//! `scripts/test`) against a running `ferroalloy run`: each page is loaded, what
//! its JavaScript rendered is checked in the dumped DOM, and a screenshot of it
//! is saved under `target/ui-screenshots/` for people to look at.

mod run_support;

use run_support::Alloy;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;

fn url(alloy: &Alloy, path: &str) -> String {
    format!("http://{}{path}", alloy.addr)
}

fn screenshot_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is `<target dir>/tmp`; screenshots go beside it.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target dir")
        .join("ui-screenshots");
    std::fs::create_dir_all(&dir).expect("create the screenshot dir");
    dir
}

/// Loads `url` in headless Chromium, saves a screenshot as `<name>.png` and
/// returns the DOM as the page's JavaScript left it.
fn chromium(url: &str, name: &str, extra_flags: &[&str]) -> String {
    let profile = tempfile::tempdir().expect("chromium profile dir");
    let shot = screenshot_dir().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&shot);
    let output = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra_flags)
        // Virtual time lets the page's fetches and timers finish before the
        // DOM is dumped, without a wall-clock wait.
        .arg("--virtual-time-budget=5000")
        .arg("--window-size=1280,900")
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--dump-dom")
        .arg(url)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run chromium ({e}): scripts/test installs it with apt-get install chromium"
            )
        });
    let dom = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success() && !dom.is_empty(),
        "chromium failed on {url}: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(shot.is_file(), "chromium saved no screenshot of {url}");
    dom
}

/// Loads `path` of the UI in Chromium (screenshot `<shot>.png`), checks that
/// the rendered page shows every `expected` piece of markup, and returns it.
fn check_page(alloy: &Alloy, path: &str, shot: &str, expected: &[&str]) -> String {
    let dom = chromium(&url(alloy, path), shot, &[]);
    assert_shows(&dom, path, expected);
    dom
}

fn assert_shows(dom: &str, page: &str, expected: &[&str]) {
    for text in expected {
        assert!(
            dom.contains(text),
            "the {page} page does not show {text:?}; its DOM:\n{dom}"
        );
    }
}

/// Serves one HTML page on an ephemeral port, for as long as the test runs.
fn serve_page(html: String) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the driver page");
    let addr = listener.local_addr().expect("driver page address");
    thread::spawn(move || {
        for mut stream in listener.incoming().map_while(Result::ok) {
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{html}",
                html.len()
            );
        }
    });
    addr
}

/// Opens the UI at `path` in a frame, clicks "Reload configuration" and
/// copies the reload result panel and the page below it out of the frame, so
/// the dumped DOM shows what the user saw. The frame is on another origin, so
/// Chromium runs with web security off for this page only.
fn check_reload(alloy: &Alloy, path: &str, shot: &str, expected: &[&str]) {
    let ui_url = url(alloy, path);
    let driver = format!(
        r##"<!doctype html>
<html><head><style>html, body {{ margin: 0; overflow: hidden }} iframe {{ border: 0; width: 100vw; height: 100vh }}</style></head>
<body><iframe id="ui" src="{ui_url}"></iframe><pre id="copied" hidden></pre>
<script>
const frame = document.getElementById("ui");
const copied = document.getElementById("copied");
const until = (ready, then) => {{
  const timer = setInterval(() => {{ if (ready()) {{ clearInterval(timer); then(); }} }}, 50);
}};
frame.addEventListener("load", () => {{
  const doc = frame.contentDocument;
  if (!doc) {{ copied.textContent = "the UI frame is not readable"; return; }}
  until(() => doc.querySelector("#view[data-page]"), () => {{
    doc.getElementById("reload").click();
    until(() => !doc.getElementById("reload-result").hidden && !doc.getElementById("reload").disabled, () => {{
      copied.textContent = doc.getElementById("reload-result").outerHTML + "\n" + doc.getElementById("view").outerHTML;
    }});
  }});
}});
</script></body></html>"##
    );
    let page = serve_page(driver);
    let dom = chromium(
        &format!("http://{page}/"),
        shot,
        &["--disable-web-security"],
    );
    assert_shows(&dom, &format!("{path} after clicking reload"), expected);
}

const CONFIG: &str = "config.alloy";

struct Pipeline {
    dir: tempfile::TempDir,
}

impl Pipeline {
    /// A secret `local.file` whose file name is the content of another, a
    /// `discovery.relabel` whose target address is read from a file (so the
    /// graph has edges), a `local.file` whose file will be deleted, and a
    /// custom component (a module with a graph of its own).
    fn new() -> Pipeline {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("address.txt"), "localhost:9100").expect("write address");
        let token = dir.path().join("token.txt");
        std::fs::write(&token, "hunter2").expect("write token");
        std::fs::write(
            dir.path().join("token_path.txt"),
            token.display().to_string(),
        )
        .expect("write token path");
        std::fs::write(dir.path().join("doomed.txt"), "soon gone").expect("write doomed");
        let pipeline = Pipeline { dir };
        pipeline.write_config("local.file.token_path.content");
        pipeline
    }

    /// The configuration, with `token_file` as the secret's file name.
    fn write_config(&self, token_file: &str) {
        let file = |name: &str| self.dir.path().join(name).display().to_string();
        let config = format!(
            r#"local.file "token_path" {{
  filename = {token_path:?}
}}

local.file "token" {{
  filename  = {token_file}
  is_secret = true
}}

local.file "doomed" {{
  filename       = {doomed:?}
  detector       = "poll"
  poll_frequency = "50ms"
}}

local.file "address" {{
  filename = {address:?}
}}

discovery.relabel "web" {{
  targets = [{{"__address__" = local.file.address.content, "job" = "web"}}]

  rule {{
    target_label = "team"
    replacement  = "ui"
  }}
}}

declare "reader" {{
  argument "path" {{ }}

  local.file "inner" {{
    filename = argument.path.value
  }}

  export "content" {{
    value = local.file.inner.content
  }}
}}

reader "address" {{
  path = {address:?}
}}
"#,
            token_path = file("token_path.txt"),
            address = file("address.txt"),
            doomed = file("doomed.txt"),
        );
        std::fs::write(self.dir.path().join(CONFIG), config).expect("write config");
    }

    fn token_file(&self) -> String {
        self.dir.path().join("token.txt").display().to_string()
    }
}

#[test]
fn every_page_renders_in_chromium() {
    let pipeline = Pipeline::new();
    let alloy = Alloy::start_ready(pipeline.dir.path(), CONFIG, &[]);

    // A file that vanishes makes its component unhealthy.
    std::fs::remove_file(pipeline.dir.path().join("doomed.txt")).expect("remove doomed");
    alloy.wait_until(|| {
        let detail = alloy.get("/api/v0/web/components/local.file.doomed").json();
        detail["health"]["state"] == "unhealthy"
    });

    check_page(
        &alloy,
        "/",
        "components",
        &[
            r#"href="component/local.file.token_path""#,
            r#"href="component/local.file.token""#,
            r#"href="component/local.file.doomed""#,
            r#"href="component/discovery.relabel.web""#,
            r#"<tr data-id="local.file.doomed"><td><span class="badge state-unhealthy">Unhealthy</span>"#,
            r#"<tr data-id="local.file.token"><td><span class="badge state-healthy">Healthy</span>"#,
        ],
    );

    let filename = format!(
        r#"<th scope="row">filename</th><td><code class="value"><span class="v-string">{:?}</span>"#,
        pipeline.token_file()
    );
    let secret = check_page(
        &alloy,
        "/component/local.file.token",
        "component-local.file.token",
        &[
            "<h1>local.file.token</h1>",
            r#"<section class="card" id="arguments">"#,
            &filename,
            r#"<th scope="row">is_secret</th><td><code class="value"><span class="v-bool">true</span>"#,
            r#"<section class="card" id="exports">"#,
            r#"<th scope="row">content</th><td><code class="value"><span class="v-secret" title="A secret: its value is never shown">(secret)</span>"#,
            r#"<a href="component/local.file.token_path" data-route="">local.file.token_path</a>"#,
        ],
    );
    assert!(
        !secret.contains("hunter2"),
        "the secret's value is shown:\n{secret}"
    );

    check_page(
        &alloy,
        "/component/discovery.relabel.web",
        "component-discovery.relabel.web",
        &[
            "<h1>discovery.relabel.web</h1>",
            r#"<th scope="row">targets</th>"#,
            r#"<span class="v-key">__address__</span> = <span class="v-string">"localhost:9100"</span>"#,
            r#"<div class="block-title">rule</div>"#,
            r#"<th scope="row">target_label</th><td><code class="value"><span class="v-string">"team"</span>"#,
            r#"<th scope="row">output</th>"#,
            r#"<span class="v-key">team</span> = <span class="v-string">"ui"</span>"#,
            r#"<a href="component/local.file.address" data-route="">local.file.address</a>"#,
        ],
    );

    check_page(
        &alloy,
        "/component/local.file.nope",
        "component-missing",
        &[
            "<strong>Could not load component local.file.nope</strong>",
            "nothing by this ID",
        ],
    );

    check_page(
        &alloy,
        "/component/local.file.doomed",
        "component-local.file.doomed",
        &[
            r#"<span class="badge state-unhealthy">Unhealthy</span>"#,
            "no such file or directory",
        ],
    );

    check_page(
        &alloy,
        "/graph",
        "graph",
        &[
            r#"<svg class="pipeline-graph""#,
            r#"<g class="node state-healthy" data-id="local.file.token_path">"#,
            r#"<g class="node state-healthy" data-id="local.file.token">"#,
            r#"<g class="node state-unhealthy" data-id="local.file.doomed">"#,
            r#"<a href="component/local.file.token" class="node-link">"#,
            r#"<g class="edge edge-data" data-from="local.file.token_path" data-to="local.file.token">"#,
            r#"<g class="node state-healthy" data-id="discovery.relabel.web">"#,
            r#"<g class="edge edge-data" data-from="local.file.address" data-to="discovery.relabel.web">"#,
        ],
    );

    check_reload(
        &alloy,
        "/",
        "reload-success",
        &[
            r#"data-outcome="success""#,
            "Configuration reloaded",
            "config reloaded",
        ],
    );

    // A broken configuration: the reload fails, the diagnostics are shown and
    // the running pipeline stays.
    pipeline.write_config("local.file.missing.content");
    check_reload(
        &alloy,
        "/graph",
        "reload-failure",
        &[
            r#"data-outcome="failure""#,
            "Reload failed (HTTP 400)",
            r#"class="diagnostics""#,
            r#"component "local.file.missing.content" does not exist or is out of scope"#,
            r#"data-id="local.file.token""#,
        ],
    );
}

#[test]
fn the_ui_follows_its_path_prefix() {
    let pipeline = Pipeline::new();
    let alloy = Alloy::start_ready(
        pipeline.dir.path(),
        CONFIG,
        &["--server.http.ui-path-prefix=/alloy/"],
    );

    check_page(
        &alloy,
        "/alloy/component/local.file.token",
        "prefix-component-local.file.token",
        &[
            r#"<base href="/alloy/">"#,
            "<h1>local.file.token</h1>",
            r#"<span class="badge state-healthy">Healthy</span>"#,
            r#"<a href="component/local.file.token_path" data-route="">local.file.token_path</a>"#,
        ],
    );

    check_page(
        &alloy,
        "/alloy/graph",
        "prefix-graph",
        &[
            r#"<g class="edge edge-data" data-from="local.file.token_path" data-to="local.file.token">"#,
        ],
    );

    check_page(
        &alloy,
        "/alloy/component/reader.address",
        "prefix-component-reader.address",
        &[
            r#"<section class="card" id="modules"><h2>Modules</h2><ul class="links"><li><a href="graph/reader.address" data-route="">reader.address</a>"#,
        ],
    );

    check_page(
        &alloy,
        "/alloy/graph/reader.address",
        "prefix-module-graph",
        &[
            "<h1>Graph of reader.address</h1>",
            r#"<a href="component/reader.address/local.file.inner" class="node-link"><g class="node state-healthy" data-id="local.file.inner">"#,
            r#"<g class="edge edge-data" data-from="argument.path" data-to="local.file.inner">"#,
        ],
    );

    check_page(
        &alloy,
        "/alloy/component/reader.address/local.file.inner",
        "prefix-component-in-module",
        &[
            r#"<a href="graph/reader.address" data-route="">reader.address</a> / <span>local.file.inner</span>"#,
            // The content of a file that is not secret is an optional secret:
            // a capsule that shows its text.
            r#"<th scope="row">content</th><td><code class="value"><span class="v-opaque">"localhost:9100"</span>"#,
        ],
    );

    // `/-/reload` lives at the server's root, outside the prefix.
    check_reload(
        &alloy,
        "/alloy/",
        "prefix-reload",
        &[r#"data-outcome="success""#],
    );
}
