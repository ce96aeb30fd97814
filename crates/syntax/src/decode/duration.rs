//! Go's `time.Duration` as an argument type: parsed with `time.ParseDuration`
//! rules and printed in Go's form (`1h0m0s`), because Alloy configs and exports
//! use exactly those texts.

use super::codec::Codec;
use super::error::ValueError;
use super::schema::ValueType;
use crate::value::Value;
use crate::value::convert;
use std::fmt;
use std::str::FromStr;

/// A signed span of time in nanoseconds, as Go's `time.Duration`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct GoDuration(pub i64);

const NANOS_PER_SECOND: u64 = 1_000_000_000;

impl GoDuration {
    pub const fn from_nanos(n: i64) -> GoDuration {
        GoDuration(n)
    }

    pub const fn from_secs(s: i64) -> GoDuration {
        GoDuration(s.saturating_mul(NANOS_PER_SECOND as i64))
    }

    pub const fn nanos(self) -> i64 {
        self.0
    }

    /// The duration as a standard one; `None` when negative.
    pub fn to_std(self) -> Option<std::time::Duration> {
        u64::try_from(self.0)
            .ok()
            .map(std::time::Duration::from_nanos)
    }

    /// A standard duration, saturating at Go's largest duration (about 292 years).
    pub fn from_std(d: std::time::Duration) -> GoDuration {
        GoDuration(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
    }
}

/// The quoting Go's `time` package uses in its errors: non-ASCII and control
/// bytes as `\xNN`, `"` and `\` escaped.
fn go_time_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c.is_ascii() && !c.is_ascii_control() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        } else {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
    }
    out.push('"');
    out
}

fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => 1,
        // Go accepts the micro sign (U+00B5) and the Greek mu (U+03BC).
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => NANOS_PER_SECOND,
        "m" => 60 * NANOS_PER_SECOND,
        "h" => 3600 * NANOS_PER_SECOND,
        _ => return None,
    })
}

const LIMIT: u64 = 1 << 63;

/// A run of digits as an integer; `Err` on overflow past 2^63.
fn leading_int(s: &[u8]) -> Result<(u64, usize), ()> {
    let mut x: u64 = 0;
    let mut i = 0;
    while let Some(&c) = s.get(i).filter(|c| c.is_ascii_digit()) {
        if x > LIMIT / 10 {
            return Err(());
        }
        x = x * 10 + u64::from(c - b'0');
        if x > LIMIT {
            return Err(());
        }
        i += 1;
    }
    Ok((x, i))
}

/// Fraction digits as (value, scale); digits beyond precision are skipped.
fn leading_fraction(s: &[u8]) -> (u64, f64, usize) {
    let (mut x, mut scale, mut overflow) = (0u64, 1.0f64, false);
    let mut i = 0;
    while let Some(&c) = s.get(i).filter(|c| c.is_ascii_digit()) {
        i += 1;
        if overflow {
            continue;
        }
        if x > (LIMIT - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > LIMIT {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, i)
}

/// `time.ParseDuration`: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or a bare `0`.
pub fn parse_go_duration(text: &str) -> Result<GoDuration, String> {
    let invalid = || format!("time: invalid duration {}", go_time_quote(text));
    let (neg, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(GoDuration(0));
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut s = rest;
    let mut total: u64 = 0;
    while !s.is_empty() {
        let bytes = s.as_bytes();
        if !(bytes[0] == b'.' || bytes[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let (whole, n) = leading_int(bytes).map_err(|()| invalid())?;
        let mut pos = n;
        let (mut frac, mut scale, mut has_frac) = (0, 1.0, false);
        if bytes.get(pos) == Some(&b'.') {
            let (f, sc, m) = leading_fraction(&bytes[pos + 1..]);
            (frac, scale, has_frac) = (f, sc, m > 0);
            pos += 1 + m;
        }
        if n == 0 && !has_frac {
            return Err(invalid());
        }
        let unit_len = bytes[pos..]
            .iter()
            .position(|&c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(bytes.len() - pos);
        if unit_len == 0 {
            return Err(format!(
                "time: missing unit in duration {}",
                go_time_quote(text)
            ));
        }
        // Unit bytes end before an ASCII byte, so this is a char boundary.
        let unit = &s[pos..pos + unit_len];
        let Some(per_unit) = unit_nanos(unit) else {
            return Err(format!(
                "time: unknown unit {} in duration {}",
                go_time_quote(unit),
                go_time_quote(text)
            ));
        };
        s = &s[pos + unit_len..];
        if whole > LIMIT / per_unit {
            return Err(invalid());
        }
        let mut v = whole * per_unit;
        if frac > 0 {
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let part = (frac as f64 * (per_unit as f64 / scale)) as u64;
            v += part;
            if v > LIMIT {
                return Err(invalid());
            }
        }
        total += v;
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if neg {
        // 2^63 itself is allowed when negative: it is i64::MIN.
        return Ok(GoDuration(0i64.wrapping_sub_unsigned(total)));
    }
    i64::try_from(total).map(GoDuration).map_err(|_| invalid())
}

impl FromStr for GoDuration {
    type Err = String;
    fn from_str(s: &str) -> Result<GoDuration, String> {
        parse_go_duration(s)
    }
}

/// Writes `v / 10^prec` with trailing zeros (and a bare point) dropped.
fn push_scaled(out: &mut String, v: u64, prec: u32) {
    let unit = 10u64.pow(prec);
    out.push_str(&(v / unit).to_string());
    let frac = v % unit;
    if frac != 0 {
        let digits = format!("{frac:0width$}", width = prec as usize);
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

impl fmt::Display for GoDuration {
    /// Go's `Duration.String`: `1h0m0s`, `1.5s`, `2ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        if self.0 < 0 {
            out.push('-');
        }
        let u = self.0.unsigned_abs();
        if u < NANOS_PER_SECOND {
            let (prec, unit) = match u {
                0 => return f.write_str("0s"),
                1..1_000 => (0, "ns"),
                1_000..1_000_000 => (3, "\u{b5}s"),
                _ => (6, "ms"),
            };
            push_scaled(&mut out, u, prec);
            out.push_str(unit);
        } else {
            let (secs, nanos) = (u / NANOS_PER_SECOND, u % NANOS_PER_SECOND);
            let (mins, hours) = (secs / 60, secs / 3600);
            if hours > 0 {
                out.push_str(&format!("{hours}h"));
            }
            if mins > 0 {
                out.push_str(&format!("{}m", mins % 60));
            }
            push_scaled(&mut out, (secs % 60) * NANOS_PER_SECOND + nanos, 9);
            out.push('s');
        }
        f.write_str(&out)
    }
}

/// Durations are strings in the language (numbers are turned into strings
/// first, so `timeout = 5` fails for want of a unit).
impl Codec for GoDuration {
    fn value_type() -> ValueType {
        ValueType::Text("duration")
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        if value.is_null() {
            return Ok(GoDuration::default());
        }
        parse_go_duration(&convert::to_string(value)?).map_err(ValueError::message)
    }
    fn encode(&self) -> Value {
        Value::String(self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_like_go() {
        assert_eq!(go_time_quote("a\"b"), r#""a\"b""#);
        assert_eq!(go_time_quote("1µs!"), r#""1\xc2\xb5s!""#);
    }
}
