//! The JSON text of query results as Prometheus writes it: sample values as
//! strings in Go's shortest form, timestamps as numbers of seconds, label sets
//! as objects. Results can hold millions of points, so they are written
//! straight into one buffer rather than through an intermediate tree.

use model::labels::Labels;
use promql::Value;
use std::fmt::Write;

/// Appends `s` as a JSON string.
pub fn string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escaped = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escaped.is_empty() {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push_str(escaped);
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends a list of strings as a JSON array.
pub fn strings<'a>(out: &mut String, items: impl IntoIterator<Item = &'a str>) {
    out.push('[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, item);
    }
    out.push(']');
}

/// Appends a label set as a JSON object (`{"job":"node",…}`).
pub fn labels(out: &mut String, labels: &Labels) {
    out.push('{');
    for (i, (name, value)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        string(out, name);
        out.push(':');
        string(out, value);
    }
    out.push('}');
}

/// A sample value as Prometheus spells it: plain decimals, exponent form
/// below 1e-6 and from 1e21 (`1e-07`, `1e+21`), `NaN`, `+Inf`, `-Inf`.
pub fn float_text(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else if v == 0.0 || (1e-6..1e21).contains(&v.abs()) {
        let _ = write!(out, "{v}");
    } else {
        // Rust writes `1e-7`; Go writes the exponent signed with two digits at least.
        let text = format!("{v:e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        let (sign, digits) = match exponent.strip_prefix('-') {
            Some(digits) => ('-', digits),
            None => ('+', exponent),
        };
        let _ = write!(out, "{mantissa}e{sign}{digits:0>2}");
    }
}

/// `[<seconds>,"<value>"]`.
pub fn point(out: &mut String, t: i64, v: f64) {
    out.push('[');
    timestamp(out, t);
    out.push_str(",\"");
    float_text(out, v);
    out.push_str("\"]");
}

/// A millisecond timestamp as a number of seconds (`1795566837.383`).
pub fn timestamp(out: &mut String, t: i64) {
    let _ = write!(out, "{}", t as f64 / 1000.0);
}

/// `"resultType":…,"result":…` of a value evaluated at `t` (ms): the fields
/// of the query endpoints' `data` object, which may carry `stats` too.
pub fn result_fields(out: &mut String, value: &Value, t: i64) {
    match value {
        Value::Scalar(v) => {
            out.push_str("\"resultType\":\"scalar\",\"result\":");
            point(out, t, *v);
        }
        Value::String(s) => {
            out.push_str("\"resultType\":\"string\",\"result\":[");
            timestamp(out, t);
            out.push(',');
            string(out, s);
            out.push(']');
        }
        Value::Vector(samples) => {
            out.push_str("\"resultType\":\"vector\",\"result\":[");
            for (i, s) in samples.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"metric\":");
                labels(out, &s.metric);
                out.push_str(",\"value\":");
                point(out, t, s.v);
                out.push('}');
            }
            out.push(']');
        }
        Value::Matrix(series) => {
            out.push_str("\"resultType\":\"matrix\",\"result\":[");
            for (i, s) in series.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"metric\":");
                labels(out, &s.metric);
                out.push_str(",\"values\":[");
                for (j, &(pt, pv)) in s.points.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    point(out, pt, pv);
                }
                out.push_str("]}");
            }
            out.push(']');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: f64) -> String {
        let mut out = String::new();
        float_text(&mut out, v);
        out
    }

    #[test]
    fn values_are_spelled_as_prometheus_spells_them() {
        assert_eq!(text(0.010399999999999637), "0.010399999999999637");
        assert_eq!(text(1.0), "1");
        assert_eq!(text(0.0), "0");
        assert_eq!(text(1e-7), "1e-07");
        assert_eq!(text(-2.5e-9), "-2.5e-09");
        assert_eq!(text(1e21), "1e+21");
        assert_eq!(text(1.5e300), "1.5e+300");
        assert_eq!(text(f64::NAN), "NaN");
        assert_eq!(text(f64::NEG_INFINITY), "-Inf");
    }

    #[test]
    fn timestamps_and_strings() {
        let mut out = String::new();
        timestamp(&mut out, 1_795_566_837_383);
        out.push(' ');
        timestamp(&mut out, 1_795_566_852_000);
        out.push(' ');
        string(&mut out, "a\"b\\c\n\u{1}é");
        assert_eq!(out, "1795566837.383 1795566852 \"a\\\"b\\\\c\\n\\u0001é\"");
    }
}
