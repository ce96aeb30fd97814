//! `scrape_failure_log_file`: one JSON line per failed scrape, so failures
//! can be inspected apart from the process log.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
    let since = t.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let secs = since.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
