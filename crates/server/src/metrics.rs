//! `/metrics`: ferroalloy's own metrics (the process, read from `/proc` at scrape
//! time, and the build) followed by every component's, in the OpenMetrics text
//! format the components' registries encode.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use runtime::host::Host;
use std::fmt::Write;
use std::sync::Arc;

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Linux reports CPU times in `/proc` in clock ticks of this many per second
/// (USER_HZ, fixed at 100 on every Linux architecture).
const TICKS_PER_SECOND: f64 = 100.0;

pub async fn metrics(State(host): State<Arc<dyn Host>>) -> Response {
    let mut out = String::new();
    build_info(&mut out);
    process(&mut out);
    host.encode_component_metrics(&mut out);
    out.push_str("# EOF\n");
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], out).into_response()
}

fn build_info(out: &mut String) {
    // Named as Alloy's, so dashboards made for Alloy find it.
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let _ = write!(
        out,
        "# HELP alloy_build_info A metric with a constant '1' value labeled by version, revision, branch, goversion from which alloy was built, and the goos and goarch for the build.\n\
         # TYPE alloy_build_info gauge\n\
         alloy_build_info{{branch=\"\",goarch=\"{arch}\",goos=\"{}\",goversion=\"\",revision=\"\",tags=\"\",version=\"v{}\"}} 1\n",
        std::env::consts::OS,
        env!("CARGO_PKG_VERSION"),
    );
}

/// The standard `process_*` metrics, where `/proc` has them.
fn process(out: &mut String) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // `fields[0]` is field 3 (state) of proc(5).
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<f64>().ok());
    if let (Some(utime), Some(stime)) = (field(14), field(15)) {
        metric(
            out,
            "process_cpu_seconds",
            "counter",
            "Total user and system CPU time spent in seconds.",
            (utime + stime) / TICKS_PER_SECOND,
        );
    }
    if let Some(vsize) = field(23) {
        metric(
            out,
            "process_virtual_memory_bytes",
            "gauge",
            "Virtual memory size in bytes.",
            vsize,
        );
    }
    if let Some(rss_kib) = status_kib("VmRSS:") {
        metric(
            out,
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory size in bytes.",
            rss_kib * 1024.0,
        );
    }
    if let (Some(start_ticks), Some(boot)) = (field(22), boot_time()) {
        metric(
            out,
            "process_start_time_seconds",
            "gauge",
            "Start time of the process since unix epoch in seconds.",
            boot + start_ticks / TICKS_PER_SECOND,
        );
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        metric(
            out,
            "process_open_fds",
            "gauge",
            "Number of open file descriptors.",
            fds.count() as f64,
        );
    }
    if let Some(max) = max_open_files() {
        metric(
            out,
            "process_max_fds",
            "gauge",
            "Maximum number of open file descriptors.",
            max,
        );
    }
}

fn metric(out: &mut String, name: &str, kind: &str, help: &str, value: f64) {
    let sample = if kind == "counter" {
        format!("{name}_total")
    } else {
        name.to_string()
    };
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{sample} {value}"
    );
}

/// A `kB` line of `/proc/self/status`, in KiB.
fn status_kib(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].split_whitespace().next()?.parse().ok()
}

/// The boot time in seconds since the epoch (`btime` of `/proc/stat`).
fn boot_time() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("btime "))?;
    line["btime ".len()..].trim().parse().ok()
}

/// The soft limit of open files (`/proc/self/limits`).
fn max_open_files() -> Option<f64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_metrics_are_read_from_proc() {
        let mut out = String::new();
        process(&mut out);
        for name in [
            "process_cpu_seconds_total ",
            "process_resident_memory_bytes ",
            "process_start_time_seconds ",
            "process_open_fds ",
        ] {
            assert!(out.contains(name), "{name} missing from:\n{out}");
        }
    }
}
