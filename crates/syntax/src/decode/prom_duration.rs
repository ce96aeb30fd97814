//! Prometheus's durations (`model.Duration`: `15d`, `2w`, `1y`, `1h30m`,
//! `500ms`) as an argument type, for arguments named after Prometheus flags such
//! as a TSDB's retention. Go's forms (`1.5h`, `90s`) are accepted too, so every
//! value a `duration` argument takes works here as well.

use super::codec::Codec;
use super::duration::{GoDuration, parse_go_duration};
use super::error::ValueError;
use super::schema::ValueType;
use crate::value::Value;
use crate::value::convert;
use std::fmt;

/// A span of time written as Prometheus writes it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct PromDuration(pub GoDuration);

const MS: i64 = 1_000_000;
/// Units largest first, in nanoseconds, as Prometheus combines them.
const UNITS: [(&str, i64); 7] = [
    ("y", 365 * 24 * 3600 * 1000 * MS),
    ("w", 7 * 24 * 3600 * 1000 * MS),
    ("d", 24 * 3600 * 1000 * MS),
    ("h", 3600 * 1000 * MS),
    ("m", 60 * 1000 * MS),
    ("s", 1000 * MS),
    ("ms", MS),
];

/// Parses Prometheus's form (integers, units largest first, each at most once,
/// bare `0`), then Go's.
pub fn parse_prom_duration(text: &str) -> Result<PromDuration, String> {
    if let Some(d) = parse_prometheus_form(text) {
        return Ok(PromDuration(d));
    }
    parse_go_duration(text)
        .map(PromDuration)
        .map_err(|_| format!("not a valid duration string: {text:?}"))
}

fn parse_prometheus_form(text: &str) -> Option<GoDuration> {
    if text == "0" {
        return Some(GoDuration(0));
    }
    if text.is_empty() {
        return None;
    }
    let mut rest = text;
    let mut total: i64 = 0;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let n: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        // `ms` before `m`, so the longer unit wins.
        let (index, (unit, nanos)) = UNITS
            .iter()
            .enumerate()
            .skip(next_unit)
            .filter(|(_, (u, _))| rest.starts_with(u) && !(*u == "m" && rest.starts_with("ms")))
            .min_by_key(|(i, _)| *i)?;
        rest = &rest[unit.len()..];
        total = total.checked_add(n.checked_mul(*nanos)?)?;
        next_unit = index + 1;
    }
    Some(GoDuration(total))
}

impl fmt::Display for PromDuration {
    /// Prometheus's `Duration.String`: `15d`, `2w`, `1h30m`, `0s` (weeks only
    /// when they divide what is left exactly).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0.nanos();
        if rest == 0 {
            return f.write_str("0s");
        }
        if rest < 0 || rest % MS != 0 {
            return write!(f, "{}", self.0);
        }
        for (unit, nanos) in UNITS {
            if unit == "w" && rest % nanos != 0 {
                continue;
            }
            let n = rest / nanos;
            if n > 0 {
                write!(f, "{n}{unit}")?;
                rest -= n * nanos;
            }
        }
        Ok(())
    }
}

impl Codec for PromDuration {
    fn value_type() -> ValueType {
        ValueType::Text("duration")
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        if value.is_null() {
            return Ok(PromDuration::default());
        }
        parse_prom_duration(&convert::to_string(value)?).map_err(ValueError::message)
    }
    fn encode(&self) -> Value {
        Value::String(self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(text: &str) -> i64 {
        parse_prom_duration(text).unwrap().0.nanos() / 1_000_000_000
    }

    #[test]
    fn prometheus_and_go_forms() {
        assert_eq!(secs("15d"), 15 * 86_400);
        assert_eq!(secs("1w2d"), 9 * 86_400);
        assert_eq!(secs("1y"), 365 * 86_400);
        assert_eq!(secs("1h30m"), 5400);
        assert_eq!(secs("0"), 0);
        assert_eq!(parse_prom_duration("500ms").unwrap().0.nanos(), 500 * MS);
        assert_eq!(secs("1.5h"), 5400, "Go's form");
        for bad in ["", "d", "1x", "1.5d", "-1d"] {
            assert_eq!(
                parse_prom_duration(bad).unwrap_err(),
                format!("not a valid duration string: {bad:?}"),
                "{bad}"
            );
        }
    }

    #[test]
    fn printed_as_prometheus_does() {
        for text in ["15d", "2w", "1h30m", "0s", "1y1d", "500ms"] {
            assert_eq!(parse_prom_duration(text).unwrap().to_string(), text);
        }
        assert_eq!(parse_prom_duration("90s").unwrap().to_string(), "1m30s");
    }
}
