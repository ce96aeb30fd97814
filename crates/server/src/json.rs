//! A small JSON writer that prints what Go's `encoding/json` prints, so the API
//! answers byte for byte as Alloy's: numbers in Go's float format (`1`, not
//! `1.0`), HTML-safe string escapes, RFC 3339 times.

use model::time::UtcTime;
use std::fmt::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// Appends `s` as a JSON string, escaped as Go's `json.Marshal` escapes it.
pub fn string(out: &mut String, s: &str) {
    syntax::stdlib::json::quote(out, s);
}

/// Appends a float as Go's encoder writes it. Go refuses NaN and infinities;
/// they are written as `null` so one odd value does not fail the whole answer.
pub fn float(out: &mut String, f: f64) {
    match syntax::stdlib::json::json_float(f) {
        Ok(text) => out.push_str(&text),
        Err(_) => out.push_str("null"),
    }
}

/// Appends a time as Go's `time.Time` marshals in UTC (RFC 3339 with
/// nanoseconds, trailing zeros trimmed). The Unix epoch stands for Go's zero
/// time, which is what Alloy shows for a health that was never reported.
pub fn time(out: &mut String, t: SystemTime) {
    let Ok(since) = t.duration_since(UNIX_EPOCH) else {
        out.push_str("\"0001-01-01T00:00:00Z\"");
        return;
    };
    if since.is_zero() {
        out.push_str("\"0001-01-01T00:00:00Z\"");
        return;
    }
    let t = UtcTime::from_system_time(t);
    let _ = write!(
        out,
        "\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}Z\"",
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.trimmed_fraction()
    );
}

/// Appends a JSON array of strings.
pub fn strings(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, item);
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn render(f: impl FnOnce(&mut String)) -> String {
        let mut out = String::new();
        f(&mut out);
        out
    }

    #[test]
    fn floats_print_as_go() {
        assert_eq!(render(|o| float(o, 1.0)), "1");
        assert_eq!(render(|o| float(o, 1.5)), "1.5");
        assert_eq!(render(|o| float(o, -0.25)), "-0.25");
        assert_eq!(render(|o| float(o, 1e21)), "1e+21");
        assert_eq!(render(|o| float(o, 1.5e-7)), "1.5e-7");
        assert_eq!(render(|o| float(o, 123456789.0)), "123456789");
        assert_eq!(render(|o| float(o, 0.0)), "0");
        assert_eq!(render(|o| float(o, f64::NAN)), "null");
    }

    #[test]
    fn strings_escape_as_go() {
        assert_eq!(
            render(|o| string(o, "a\"b\\c\n<&>\u{1}\u{2028}é")),
            r#""a\"b\\c\n\u003c\u0026\u003e\u0001\u2028é""#
        );
    }

    #[test]
    fn times_are_rfc3339_utc() {
        let t = UNIX_EPOCH + Duration::new(1_700_000_000, 120_000_000);
        assert_eq!(render(|o| time(o, t)), "\"2023-11-14T22:13:20.12Z\"");
        assert_eq!(render(|o| time(o, UNIX_EPOCH)), "\"0001-01-01T00:00:00Z\"");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(render(|o| time(o, leap)), "\"2000-02-29T00:00:00Z\"");
    }
}
