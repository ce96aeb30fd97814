//! How the Collector's debug exporter prints values: attribute values as
//! `Type(text)`, ids in hex, timestamps as Go prints a UTC `time.Time`,
//! floats as Go's `%v` / `%f`, and enum names.

use model::time::UtcTime;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value::Value};
use std::fmt::Write;

/// The value's type name as pdata spells it.
pub fn type_name(value: Option<&AnyValue>) -> &'static str {
    match value.and_then(|v| v.value.as_ref()) {
        None => "Empty",
        Some(Value::StringValue(_)) => "Str",
        Some(Value::BoolValue(_)) => "Bool",
        Some(Value::IntValue(_)) => "Int",
        Some(Value::DoubleValue(_)) => "Double",
        Some(Value::ArrayValue(_)) => "Slice",
        Some(Value::KvlistValue(_)) => "Map",
        Some(Value::BytesValue(_)) => "Bytes",
        Some(Value::StringValueStrindex(_)) => "Str",
    }
}

/// The value as text (pdata's `AsString`): maps and slices as JSON, bytes in
/// base64.
pub fn as_string(value: Option<&AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        None => String::new(),
        Some(Value::StringValue(s)) => s.clone(),
        Some(Value::BoolValue(b)) => b.to_string(),
        Some(Value::IntValue(i)) => i.to_string(),
        Some(Value::StringValueStrindex(i)) => i.to_string(),
        Some(Value::DoubleValue(d)) => plain_float(*d),
        Some(Value::BytesValue(b)) => base64(b),
        Some(other @ (Value::ArrayValue(_) | Value::KvlistValue(_))) => {
            to_json(Some(other)).to_string()
        }
    }
}

fn to_json(value: Option<&Value>) -> serde_json::Value {
    use serde_json::Value as Json;
    match value {
        None => Json::Null,
        Some(Value::StringValue(s)) => Json::String(s.clone()),
        Some(Value::BoolValue(b)) => Json::Bool(*b),
        Some(Value::IntValue(i)) => Json::from(*i),
        Some(Value::StringValueStrindex(i)) => Json::from(*i),
        Some(Value::DoubleValue(d)) => {
            serde_json::Number::from_f64(*d).map_or(Json::Null, Json::Number)
        }
        Some(Value::BytesValue(b)) => Json::String(base64(b)),
        Some(Value::ArrayValue(a)) => {
            Json::Array(a.values.iter().map(|v| to_json(v.value.as_ref())).collect())
        }
        Some(Value::KvlistValue(kv)) => Json::Object(
            kv.values
                .iter()
                .map(|kv| {
                    (
                        kv.key.clone(),
                        to_json(kv.value.as_ref().and_then(|v| v.value.as_ref())),
                    )
                })
                .collect(),
        ),
    }
}

/// `Type(text)`, the detailed form of an attribute value.
pub fn typed(value: Option<&AnyValue>) -> String {
    format!("{}({})", type_name(value), as_string(value))
}

/// `key=value` pairs, the normal form of attributes.
pub fn pairs(attributes: &[KeyValue]) -> Vec<String> {
    attributes
        .iter()
        .map(|kv| format!("{}={}", kv.key, as_string(kv.value.as_ref())))
        .collect()
}

/// A trace or span id in lower-case hex; empty when unset (all zeros).
pub fn hex_id(id: &[u8]) -> String {
    if id.iter().all(|b| *b == 0) {
        return String::new();
    }
    id.iter()
        .fold(String::with_capacity(id.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Nanoseconds since the epoch as Go prints `time.Unix(0, ns).UTC()`:
/// `2018-12-13 14:51:00.000000321 +0000 UTC` (trailing fraction zeros cut).
pub fn timestamp(nanos: u64) -> String {
    let t = UtcTime::from_unix(
        (nanos / 1_000_000_000) as i64,
        (nanos % 1_000_000_000) as u32,
    );
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}{} +0000 UTC",
        t.year,
        t.month,
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.trimmed_fraction()
    )
}

/// Go's `%v` for a float64: the shortest text, with an exponent below 1e-4
/// and from 1e21 on.
pub fn go_float(v: f64) -> String {
    let magnitude = v.abs();
    if v == 0.0 || !v.is_finite() || (1e-4..1e21).contains(&magnitude) {
        return match v {
            f64::INFINITY => "+Inf".into(),
            f64::NEG_INFINITY => "-Inf".into(),
            _ => v.to_string(),
        };
    }
    let text = format!("{v:e}");
    let (mantissa, exponent) = text.split_once('e').expect("`{:e}` writes an exponent");
    let exponent: i32 = exponent.parse().expect("an integer exponent");
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.abs())
}

/// Go's `%f`: six decimals.
pub fn fixed(v: f64) -> String {
    format!("{v:.6}")
}

/// pdata's `AsString` of a double: decimal notation, shortest digits.
fn plain_float(v: f64) -> String {
    if v.is_finite() {
        v.to_string()
    } else {
        go_float(v)
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn span_kind(kind: i32) -> &'static str {
    match kind {
        1 => "Internal",
        2 => "Server",
        3 => "Client",
        4 => "Producer",
        5 => "Consumer",
        _ => "Unspecified",
    }
}

pub fn status_code(code: i32) -> &'static str {
    match code {
        1 => "Ok",
        2 => "Error",
        _ => "Unset",
    }
}

pub fn temporality(t: i32) -> &'static str {
    match t {
        1 => "Delta",
        2 => "Cumulative",
        _ => "Unspecified",
    }
}

/// `Info`, `Info2`, … `Fatal4`; `Unspecified` for 0 and unknown numbers.
pub fn severity(number: i32) -> String {
    const NAMES: [&str; 6] = ["Trace", "Debug", "Info", "Warn", "Error", "Fatal"];
    if !(1..=24).contains(&number) {
        return "Unspecified".into();
    }
    let (name, step) = (NAMES[(number as usize - 1) / 4], (number - 1) % 4 + 1);
    if step == 1 {
        name.into()
    } else {
        format!("{name}{step}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_formats() {
        assert_eq!(timestamp(0), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(
            timestamp(1_581_452_773_000_000_789),
            "2020-02-11 20:26:13.000000789 +0000 UTC"
        );
        assert_eq!(
            timestamp(1_544_712_660_300_000_000),
            "2018-12-13 14:51:00.3 +0000 UTC"
        );
        assert_eq!(go_float(4.5), "4.5");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(0.00001), "1e-05");
        assert_eq!(fixed(1.5), "1.500000");
        assert_eq!(base64(b"hello"), "aGVsbG8=");
        assert_eq!(base64(b"hi!"), "aGkh");
        assert_eq!(hex_id(&[0; 8]), "");
        assert_eq!(hex_id(&[0xee, 0x01]), "ee01");
        assert_eq!(severity(9), "Info");
        assert_eq!(severity(14), "Warn2");
        assert_eq!(severity(0), "Unspecified");
    }
}
