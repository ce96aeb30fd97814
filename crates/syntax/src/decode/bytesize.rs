//! Byte sizes (`"4MiB"`, `"512KiB"`) as the `alecthomas/units` base-2 parser
//! that Alloy uses reads and prints them: `KiB` and `KB` both mean 1024.

use super::codec::Codec;
use super::error::ValueError;
use super::schema::ValueType;
use crate::value::Value;
use crate::value::convert;
use std::fmt;
use std::str::FromStr;

/// A number of bytes.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct ByteSize(pub i64);

const PREFIXES: [&str; 6] = ["K", "M", "G", "T", "P", "E"];

/// The multiplier of `unit` when units end in `suffix` (`iB` or `B`).
fn unit_scale(unit: &str, suffix: &str) -> Option<f64> {
    if unit == "B" {
        return Some(1.0);
    }
    let prefix = unit.strip_suffix(suffix)?;
    let power = PREFIXES.iter().position(|p| *p == prefix)?;
    Some(1024f64.powi(i32::try_from(power).ok()? + 1))
}

/// `units.ParseUnit`: a sign, then one or more `<number><unit>` parts.
fn parse_with(text: &str, suffix: &str) -> Result<i64, String> {
    let invalid = || format!("units: invalid {text}");
    let (neg, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let mut s = rest;
    let mut total = 0f64;
    while !s.is_empty() {
        if !(s.starts_with('.') || s.as_bytes()[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let n = digits(s);
        // Go's parser gives up on runs of digits near 2^63.
        let whole: f64 = if n > 0 {
            s[..n].parse::<i64>().map_err(|_| invalid())? as f64
        } else {
            0.0
        };
        s = &s[n..];
        let mut frac_digits = 0;
        let mut value = whole;
        if let Some(after) = s.strip_prefix('.') {
            frac_digits = digits(after);
            if frac_digits > 0 {
                let f: i64 = after[..frac_digits].parse().map_err(|_| invalid())?;
                value += f as f64 / 10f64.powi(i32::try_from(frac_digits).map_err(|_| invalid())?);
            }
            s = &after[frac_digits..];
        }
        if n == 0 && frac_digits == 0 {
            return Err(invalid());
        }
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        let scale = unit_scale(unit, suffix)
            .ok_or_else(|| format!("units: unknown unit {unit} in {text}"))?;
        total += value * scale;
    }
    if neg {
        total = -total;
    }
    let limit = 2f64.powi(63);
    if !(-limit..limit).contains(&total) {
        return Err("units: overflow parsing unit".to_string());
    }
    #[allow(clippy::cast_possible_truncation)]
    Ok(total as i64)
}

/// `units.ParseBase2Bytes`: `KiB`-style units first, then `KB`-style ones (both
/// powers of 1024); the second attempt's error is the one reported.
pub fn parse_byte_size(text: &str) -> Result<ByteSize, String> {
    parse_with(text, "iB")
        .or_else(|_| parse_with(text, "B"))
        .map(ByteSize)
}

impl FromStr for ByteSize {
    type Err = String;
    fn from_str(s: &str) -> Result<ByteSize, String> {
        parse_byte_size(s)
    }
}

impl fmt::Display for ByteSize {
    /// `Base2Bytes.String`: every non-zero base-1024 digit with its unit, largest
    /// first: `4MiB`, `1KiB512B`, `0B`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut n = self.0;
        let mut parts = Vec::new();
        for (i, prefix) in std::iter::once("").chain(PREFIXES).enumerate() {
            if n % 1024 != 0 || (i == 0 && n == 0) {
                let unit = if i == 0 {
                    "B".to_string()
                } else {
                    format!("{prefix}iB")
                };
                parts.push(format!("{}{unit}", n % 1024));
            }
            n /= 1024;
            if n == 0 {
                break;
            }
        }
        parts.reverse();
        f.write_str(&parts.concat())
    }
}

impl Codec for ByteSize {
    fn value_type() -> ValueType {
        ValueType::Text("bytes")
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        if value.is_null() {
            return Ok(ByteSize::default());
        }
        parse_byte_size(&convert::to_string(value)?).map_err(ValueError::message)
    }
    fn encode(&self) -> Value {
        Value::String(self.to_string())
    }
}
