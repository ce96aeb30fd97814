//! Decoding string literals into their bytes, with the semantics of Go's
//! `strconv.Unquote`, which Alloy uses to evaluate string literals.

/// Go's `strconv.Unquote` error text.
const INVALID: &str = "invalid syntax";

/// Decodes a string literal: `"..."` with escapes, or a backtick raw string.
///
/// `\NNN` (octal) and `\xNN` give one raw byte each (so the result need not be
/// UTF-8); `\u`/`\U` give the UTF-8 encoding of the code point. Carriage
/// returns inside a raw string are dropped. Anything malformed is
/// `Err("invalid syntax")`, as Go reports it.
pub fn unquote(lit: &str) -> Result<Vec<u8>, String> {
    let bytes = lit.as_bytes();
    match bytes {
        [b'`', inner @ .., b'`'] if !inner.contains(&b'`') => {
            Ok(inner.iter().copied().filter(|&b| b != b'\r').collect())
        }
        [b'"', inner @ .., b'"'] => unquote_double(inner).ok_or_else(|| INVALID.to_string()),
        _ => Err(INVALID.to_string()),
    }
}

/// The body of a double-quoted literal (without its quotes).
fn unquote_double(inner: &[u8]) -> Option<Vec<u8>> {
    if !inner.contains(&b'\\') {
        // No escapes: the text is the value, unless it is malformed.
        return (!inner.contains(&b'"') && !inner.contains(&b'\n')).then(|| inner.to_vec());
    }
    let mut out = Vec::with_capacity(inner.len());
    let mut rest = inner;
    while let Some((&b, tail)) = rest.split_first() {
        rest = match b {
            b'"' | b'\n' => return None,
            b'\\' => unescape(tail, &mut out)?,
            _ => {
                out.push(b);
                tail
            }
        };
    }
    Some(out)
}

/// Decodes the escape sequence after a backslash into `out`; returns what follows it.
fn unescape<'a>(seq: &'a [u8], out: &mut Vec<u8>) -> Option<&'a [u8]> {
    let (&kind, rest) = seq.split_first()?;
    let simple = match kind {
        b'a' => Some(0x07),
        b'b' => Some(0x08),
        b'f' => Some(0x0c),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(0x0b),
        b'\\' => Some(b'\\'),
        b'"' => Some(b'"'),
        _ => None,
    };
    if let Some(b) = simple {
        out.push(b);
        return Some(rest);
    }
    match kind {
        b'0'..=b'7' => {
            let value = number(seq.get(..3)?, 8)?;
            out.push(u8::try_from(value).ok()?);
            Some(&seq[3..])
        }
        b'x' => {
            let value = number(rest.get(..2)?, 16)?;
            out.push(value as u8);
            Some(&rest[2..])
        }
        b'u' | b'U' => {
            let n = if kind == b'u' { 4 } else { 8 };
            let c = char::from_u32(number(rest.get(..n)?, 16)?)?;
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
            Some(&rest[n..])
        }
        _ => None,
    }
}

fn number(digits: &[u8], radix: u32) -> Option<u32> {
    digits.iter().try_fold(0u32, |acc, &d| {
        Some(acc * radix + (d as char).to_digit(radix)?)
    })
}
