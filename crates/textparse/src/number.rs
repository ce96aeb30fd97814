//! Numbers and escapes of the text formats.

use std::borrow::Cow;

/// The NaN bit pattern Prometheus stores for a NaN read from an exposition, so
/// that it is never mistaken for the staleness marker (`0x7ff0000000000002`).
pub const NORMAL_NAN_BITS: u64 = 0x7ff8_0000_0000_0001;

/// A sample or exemplar value. Prometheus keeps to the float syntax of
/// pre-1.13 Go: no hex floats (`p` exponents) and no `_` digit separators.
pub(crate) fn parse_float(text: &[u8]) -> Result<f64, String> {
    if text.iter().any(|&c| matches!(c, b'p' | b'P' | b'_')) {
        return Err("unsupported character in float".to_owned());
    }
    let value = std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .ok_or_else(|| format!("invalid float {}", crate::error::quote(text)))?;
    Ok(if value.is_nan() {
        f64::from_bits(NORMAL_NAN_BITS)
    } else {
        value
    })
}

/// Resolves the escapes of a label value or quoted name (`\\`, `\"`, `\n`);
/// other backslash sequences stay as written, as in Prometheus. Borrows when
/// there is nothing to unescape, which is the common case.
pub fn unescape(text: &str) -> Cow<'_, str> {
    unescape_with(text, true)
}

/// As [`unescape`]; `quotes` is false for the text format's HELP, where `\"`
/// is not an escape.
pub(crate) fn unescape_with(text: &str, quotes: bool) -> Cow<'_, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if quotes => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_as_prometheus_reads_them() {
        assert_eq!(parse_float(b"1.5e3"), Ok(1500.0));
        assert_eq!(parse_float(b"+Inf"), Ok(f64::INFINITY));
        assert_eq!(parse_float(b"-inf"), Ok(f64::NEG_INFINITY));
        assert_eq!(parse_float(b"NaN").unwrap().to_bits(), NORMAL_NAN_BITS);
        assert_eq!(parse_float(b"nan").unwrap().to_bits(), NORMAL_NAN_BITS);
        assert_eq!(
            parse_float(b"0x1p-3").unwrap_err(),
            "unsupported character in float"
        );
        assert_eq!(
            parse_float(b"1_2").unwrap_err(),
            "unsupported character in float"
        );
        assert_eq!(parse_float(b"true").unwrap_err(), "invalid float \"true\"");
    }

    #[test]
    fn escapes() {
        assert!(matches!(unescape("plain"), Cow::Borrowed("plain")));
        assert_eq!(unescape(r#"a\"b\\c\nd\x"#), "a\"b\\c\nd\\x");
        assert_eq!(unescape_with(r#"a\"b\n"#, false), "a\\\"b\n");
    }
}
