//! JSON as Go's `encoding/json` reads and writes it, with its error messages.
//!
//! Decoding yields language values directly. Objects come out with sorted keys:
//! Go decodes into maps, which have no order, and every consumer sorts them.

use super::gofloat::go_float;
use crate::value::{Number, Object, OptionalSecret, Secret, Value};

/// How JSON numbers become language numbers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Numbers {
    /// Always float64 (Go's `json.Unmarshal` into `any`).
    Float,
    /// Integers as int64 when they fit, else float64 (ohler55/ojg's parser).
    IntOrFloat,
}

/// Parse a whole JSON document.
pub fn parse(text: &str, numbers: Numbers) -> Result<Value, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        numbers,
        depth: 0,
    };
    p.skip_ws();
    let v = p.value()?;
    p.skip_ws();
    match p.peek() {
        None => Ok(v),
        Some(_) => Err(p.invalid("after top-level value")),
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    numbers: Numbers,
    depth: usize,
}

/// Nesting beyond this is refused rather than risking the stack (Go allows
/// 10000 levels; no real document comes close to either).
const MAX_DEPTH: usize = 1000;

const END: &str = "unexpected end of JSON input";

/// Go's quoting of the offending character in syntax errors.
fn quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        c => {
            let q = crate::scanner::go_quote(c.to_string().as_bytes());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    /// The character at the current position (decoded, for messages).
    fn current_char(&self) -> char {
        std::str::from_utf8(&self.s[self.i..])
            .ok()
            .and_then(|r| r.chars().next())
            .or_else(|| {
                let end = (self.i + 4).min(self.s.len());
                String::from_utf8_lossy(&self.s[self.i..end]).chars().next()
            })
            .unwrap_or('\u{fffd}')
    }

    fn invalid(&self, context: &str) -> String {
        format!(
            "invalid character {} {context}",
            quote_char(self.current_char())
        )
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.peek() {
            None => Err(END.into()),
            Some(b'{' | b'[') if self.depth >= MAX_DEPTH => Err("exceeded max depth".into()),
            Some(b'{') => self.nested(Self::object),
            Some(b'[') => self.nested(Self::array),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.invalid("looking for beginning of value")),
        }
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Value, String>) -> Result<Value, String> {
        self.depth += 1;
        let v = f(self);
        self.depth -= 1;
        v
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
        for expected in word.bytes().skip(1) {
            self.i += 1;
            match self.peek() {
                None => return Err(END.into()),
                Some(c) if c != expected => {
                    let context = format!("in literal {word} (expecting '{}')", expected as char);
                    return Err(self.invalid(&context));
                }
                _ => {}
            }
        }
        self.i += 1;
        Ok(v)
    }

    fn object(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut pairs: Vec<(String, Value)> = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Value::Object(Object::new()));
        }
        loop {
            self.skip_ws();
            match self.peek() {
                None => return Err(END.into()),
                Some(b'"') => {}
                Some(_) => return Err(self.invalid("looking for beginning of object key string")),
            }
            let key = self.string()?;
            self.skip_ws();
            match self.peek() {
                None => return Err(END.into()),
                Some(b':') => self.i += 1,
                Some(_) => return Err(self.invalid("after object key")),
            }
            self.skip_ws();
            let v = self.value()?;
            pairs.push((key, v));
            self.skip_ws();
            match self.peek() {
                None => return Err(END.into()),
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    break;
                }
                Some(_) => return Err(self.invalid("after object key:value pair")),
            }
        }
        // Later duplicates win; keys sorted as Go map consumers see them.
        let mut map = std::collections::BTreeMap::new();
        map.extend(pairs);
        Ok(Value::Object(map.into_iter().collect()))
    }

    fn array(&mut self) -> Result<Value, String> {
        self.i += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                None => return Err(END.into()),
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                Some(_) => return Err(self.invalid("after array element")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            None => return Err(END.into()),
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            Some(_) => return Err(self.invalid("in numeric literal")),
        }
        let mut integral = true;
        if self.peek() == Some(b'.') {
            integral = false;
            self.i += 1;
            if self.digits() == 0 {
                return match self.peek() {
                    None => Err(END.into()),
                    Some(_) => Err(self.invalid("after decimal point in numeric literal")),
                };
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integral = false;
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return match self.peek() {
                    None => Err(END.into()),
                    Some(_) => Err(self.invalid("in exponent of numeric literal")),
                };
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("0");
        if integral
            && self.numbers == Numbers::IntOrFloat
            && let Ok(i) = text.parse::<i64>()
        {
            return Ok(Value::int(i));
        }
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::float(f)),
            _ => Err(format!(
                "json: cannot unmarshal number {text} into Go value of type float64"
            )),
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0;
        for _ in 0..4 {
            self.i += 1;
            let c = self.peek().ok_or_else(|| END.to_string())?;
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| self.invalid("in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = self.peek().ok_or_else(|| END.to_string())?;
            match c {
                b'"' => {
                    self.i += 1;
                    // Go replaces invalid UTF-8 with U+FFFD.
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                b'\\' => {
                    self.i += 1;
                    let e = self.peek().ok_or_else(|| END.to_string())?;
                    let simple = match e {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(8),
                        b'f' => Some(12),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        _ => return Err(self.invalid("in string escape code")),
                    };
                    match simple {
                        Some(b) => out.push(b),
                        None => {
                            let ch = self.unicode_escape()?;
                            let mut buf = [0; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                    }
                    self.i += 1;
                }
                c if c < 0x20 => return Err(self.invalid("in string literal")),
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    /// `\uXXXX`, joining a surrogate pair; a lone surrogate is U+FFFD.
    fn unicode_escape(&mut self) -> Result<char, String> {
        let hi = self.hex4()?;
        if !(0xD800..0xDC00).contains(&hi) {
            return Ok(char::from_u32(hi).unwrap_or('\u{fffd}'));
        }
        let save = self.i;
        if self.s.get(self.i + 1..self.i + 3) == Some(b"\\u") {
            self.i += 2;
            let lo = self.hex4()?;
            if (0xDC00..0xE000).contains(&lo) {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return Ok(char::from_u32(c).unwrap_or('\u{fffd}'));
            }
        }
        self.i = save;
        Ok('\u{fffd}')
    }
}

/// Encode as Go's `json.Marshal` of the value decoded into `any`: object keys
/// sorted, HTML characters escaped, floats in Go's JSON form.
pub fn encode(v: &Value) -> Result<String, String> {
    let mut out = String::new();
    encode_into(&mut out, v)?;
    Ok(out)
}

fn encode_into(out: &mut String, v: &Value) -> Result<(), String> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(Number::Int(i)) => out.push_str(&i.to_string()),
        Value::Number(Number::Uint(u)) => out.push_str(&u.to_string()),
        Value::Number(Number::Float(f)) => out.push_str(&json_float(*f)?),
        Value::String(s) => quote(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode_into(out, item)?;
            }
            out.push(']');
        }
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quote(out, k);
                out.push(':');
                encode_into(out, &o[k])?;
            }
            out.push('}');
        }
        Value::Function(_) => return Err("json: unsupported type: function".into()),
        Value::Capsule(c) => {
            // Secrets are Go strings underneath; optional secrets are structs.
            if let Some(s) = c.downcast_ref::<Secret>() {
                quote(out, s.expose());
            } else if let Some(o) = c.downcast_ref::<OptionalSecret>() {
                out.push_str(&format!("{{\"IsSecret\":{},\"Value\":", o.is_secret));
                quote(out, &o.value);
                out.push('}');
            } else if let Some(obj) = c.0.as_object() {
                encode_into(out, &Value::Object(obj))?;
            } else {
                out.push_str("{}");
            }
        }
    }
    Ok(())
}

/// Go's JSON float: `'f'` form, or `'e'` below 1e-6 and from 1e21, with a
/// one-digit negative exponent unpadded (`1e-7`).
/// A float as Go's `encoding/json` writes it (`1`, `1e+21`, `1e-7`); Go refuses
/// NaN and infinities.
pub fn json_float(f: f64) -> Result<String, String> {
    if !f.is_finite() {
        return Err(format!(
            "json: unsupported value: {}",
            crate::value::number::format_float(f)
        ));
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = go_float(f, 'e', None);
        // Go trims `e-07` to `e-7` (only negative single-digit exponents).
        let b = s.as_bytes();
        let n = b.len();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            return Ok(format!("{}{}", &s[..n - 2], &s[n - 1..]));
        }
        return Ok(s);
    }
    Ok(crate::value::number::format_float(f))
}

/// Appends `s` as a JSON string escaped as Go's `json.Marshal` escapes it
/// (including `<`, `>`, `&`, U+2028 and U+2029).
pub fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}') => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text, Numbers::Float).unwrap_err()
    }

    #[test]
    fn numbers_follow_the_mode() {
        assert!(matches!(parse("[0, 1.5]", Numbers::Float).unwrap(),
            Value::Array(a) if matches!(a[0], Value::Number(Number::Float(f)) if f == 0.0)));
        assert!(matches!(
            parse("12", Numbers::IntOrFloat).unwrap(),
            Value::Number(Number::Int(12))
        ));
        assert!(matches!(
            parse("1e2", Numbers::IntOrFloat).unwrap(),
            Value::Number(Number::Float(_))
        ));
    }

    #[test]
    fn structures_and_strings() {
        let v = parse(
            r#"{"b": [true, null], "a": "x\u00e9\ud83d\ude00\n", "a": "y"}"#,
            Numbers::Float,
        )
        .unwrap();
        let Value::Object(o) = v else { panic!() };
        assert_eq!(o.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert!(matches!(o.get("a"), Some(Value::String(s)) if s == "y"));
        let v = parse(r#""\u00e9\ud83d\ude00\ud800""#, Numbers::Float).unwrap();
        assert!(matches!(v, Value::String(s) if s == "é😀\u{fffd}"));
    }

    #[test]
    fn go_error_messages() {
        assert_eq!(err(""), "unexpected end of JSON input");
        assert_eq!(err("{"), "unexpected end of JSON input");
        assert_eq!(err(&"[".repeat(100_000)), "exceeded max depth");
        assert_eq!(
            err("x"),
            "invalid character 'x' looking for beginning of value"
        );
        assert_eq!(
            err("{1}"),
            "invalid character '1' looking for beginning of object key string"
        );
        assert_eq!(err(r#"{"a" 1}"#), "invalid character '1' after object key");
        assert_eq!(
            err(r#"{"a":1 2}"#),
            "invalid character '2' after object key:value pair"
        );
        assert_eq!(err("[1 2]"), "invalid character '2' after array element");
        assert_eq!(err("1 2"), "invalid character '2' after top-level value");
        assert_eq!(err("tru"), "unexpected end of JSON input");
        assert_eq!(
            err("trux"),
            "invalid character 'x' in literal true (expecting 'e')"
        );
        assert_eq!(err("\"\n\""), "invalid character '\\n' in string literal");
        assert_eq!(
            err(r#""\q""#),
            "invalid character 'q' in string escape code"
        );
        assert_eq!(err("-x"), "invalid character 'x' in numeric literal");
        assert_eq!(
            err("1.x"),
            "invalid character 'x' after decimal point in numeric literal"
        );
        assert_eq!(
            err("1ex"),
            "invalid character 'x' in exponent of numeric literal"
        );
        assert_eq!(
            err("'a'"),
            "invalid character '\\'' looking for beginning of value"
        );
    }

    #[test]
    fn encodes_like_go() {
        let v = parse(
            r#"{"b":1,"a":[0.5,1e21,1e-7,"<&>"],"c":null}"#,
            Numbers::IntOrFloat,
        )
        .unwrap();
        assert_eq!(
            encode(&v).unwrap(),
            r#"{"a":[0.5,1e+21,1e-7,"\u003c\u0026\u003e"],"b":1,"c":null}"#
        );
        assert_eq!(encode(&Value::float(100.0)).unwrap(), "100");
        assert_eq!(encode(&Value::float(1.5e-7)).unwrap(), "1.5e-7");
        assert_eq!(
            encode(&Value::string("\u{1}\u{8}")).unwrap(),
            r#""\u0001\b""#
        );
        assert!(encode(&Value::float(f64::NAN)).is_err());
    }
}
