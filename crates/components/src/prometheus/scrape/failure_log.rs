//! `scrape_failure_log_file`: one JSON line per failed scrape, so failures
//! can be inspected apart from the process log.

use model::time::UtcTime;
use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

/// Appends the failure of the scrape of `url` at `time` to `path`. Writing the
/// log is best effort: a failure to write is reported in the process log and
/// does not fail the scrape.
pub(crate) fn append(path: &Path, time: SystemTime, job: &str, url: &str, error: &str) {
    let line = serde_json::json!({
        "time": rfc3339(time),
        "level": "ERROR",
        "msg": "Scrape failed",
        "job": job,
        "target": url,
        "err": error,
    });
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut file| writeln!(file, "{line}"));
    if let Err(e) = written {
        tracing::warn!(path = %path.display(), error = %e, "writing the scrape failure log failed");
    }
}

/// A time as RFC 3339 in UTC, to the millisecond.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let t = UtcTime::from_system_time(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.nanos / 1_000_000
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn times_and_lines() {
        let t = UNIX_EPOCH + Duration::new(951_782_400, 120_000_000); // 2000-02-29
        assert_eq!(rfc3339(t), "2000-02-29T00:00:00.120Z");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("failures.log");
        append(&path, t, "j", "http://h:1/metrics", "boom");
        append(&path, t, "j", "http://h:1/metrics", "again");
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["err"], "boom");
        assert_eq!(lines[1]["target"], "http://h:1/metrics");
        assert_eq!(lines[1]["time"], "2000-02-29T00:00:00.120Z");
    }
}
