//! `encoding`: JSON, YAML, base64 and URL query encodings.

use super::json::{self, Numbers};
use super::{args, func, object_of, yaml};
use crate::value::{CallError, Value, convert};

pub fn namespace() -> Value {
    object_of(vec![
        ("from_json", func("encoding.from_json", 1, from_json)),
        ("from_yaml", func("encoding.from_yaml", 1, from_yaml)),
        ("from_base64", func("encoding.from_base64", 1, from_base64)),
        (
            "from_URLbase64",
            func("encoding.from_URLbase64", 1, from_url_base64),
        ),
        ("to_json", func("encoding.to_json", 1, to_json)),
        ("to_base64", func("encoding.to_base64", 1, to_base64)),
        (
            "to_URLbase64",
            func("encoding.to_URLbase64", 1, to_url_base64),
        ),
        ("url_encode", func("encoding.url_encode", 1, url_encode)),
        ("url_decode", func("encoding.url_decode", 1, url_decode)),
    ])
}

/// JSON numbers become floats, as Go's `json.Unmarshal` into `any`.
fn from_json(a: &[Value]) -> Result<Value, CallError> {
    json::parse(&args::string(a, 0)?, Numbers::Float).map_err(CallError::new)
}

fn from_yaml(a: &[Value]) -> Result<Value, CallError> {
    yaml::parse(&args::string(a, 0)?).map_err(CallError::new)
}

/// Only objects encode (`jsonEncode only supports map`); keys come out sorted.
fn to_json(a: &[Value]) -> Result<Value, CallError> {
    match args::get(a, 0) {
        v @ Value::Object(_) => json::encode(v).map(Value::String).map_err(CallError::new),
        _ => Err(CallError::new("jsonEncode only supports map")),
    }
}

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Padded base64 with the given alphabet.
fn b64_encode(data: &[u8], alphabet: &[u8; 64]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(alphabet[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Go's padded base64 decoding: `\r` and `\n` are skipped, anything else
/// outside the alphabet or misplaced padding is `illegal base64 data at input
/// byte N`.
fn b64_decode(src: &[u8], alphabet: &[u8; 64]) -> Result<Vec<u8>, String> {
    let corrupt = |at: usize| format!("illegal base64 data at input byte {at}");
    let value = |c: u8| alphabet.iter().position(|&x| x == c).map(|p| p as u32);
    let is_nl = |c: u8| c == b'\n' || c == b'\r';
    let mut out = Vec::new();
    let mut si = 0;
    loop {
        let mut quantum = [0u32; 4];
        let mut j = 0;
        let mut len = 4;
        while j < 4 {
            if si == src.len() {
                match j {
                    0 => return Ok(out),
                    _ => return Err(corrupt(si - j)),
                }
            }
            let c = src[si];
            si += 1;
            if let Some(v) = value(c) {
                quantum[j] = v;
                j += 1;
                continue;
            }
            if is_nl(c) {
                continue;
            }
            if c != b'=' || j < 2 {
                return Err(corrupt(si - 1));
            }
            if j == 2 {
                while si < src.len() && is_nl(src[si]) {
                    si += 1;
                }
                if si == src.len() {
                    return Err(corrupt(src.len()));
                }
                if src[si] != b'=' {
                    return Err(corrupt(si - 1));
                }
                si += 1;
            }
            while si < src.len() && is_nl(src[si]) {
                si += 1;
            }
            if si < src.len() {
                return Err(corrupt(si));
            }
            len = j;
            break;
        }
        let n = quantum
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, v)| acc | v << (18 - 6 * i));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..len - 1]);
        if len < 4 {
            return Ok(out);
        }
    }
}

fn from_base64(a: &[Value]) -> Result<Value, CallError> {
    let data = b64_decode(args::string(a, 0)?.as_bytes(), STD).map_err(CallError::new)?;
    Ok(convert::bytes_value(&data))
}

fn from_url_base64(a: &[Value]) -> Result<Value, CallError> {
    let data = b64_decode(args::string(a, 0)?.as_bytes(), URL).map_err(CallError::new)?;
    Ok(convert::bytes_value(&data))
}

fn to_base64(a: &[Value]) -> Result<Value, CallError> {
    Ok(Value::String(b64_encode(
        args::string(a, 0)?.as_bytes(),
        STD,
    )))
}

fn to_url_base64(a: &[Value]) -> Result<Value, CallError> {
    Ok(Value::String(b64_encode(
        args::string(a, 0)?.as_bytes(),
        URL,
    )))
}

/// Go's `url.QueryEscape`: unreserved bytes stay, space is `+`, the rest `%XX`.
fn url_encode(a: &[Value]) -> Result<Value, CallError> {
    let s = args::string(a, 0)?;
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(Value::String(out))
}

/// Go's `url.QueryUnescape`: `+` is a space; a bad escape is
/// `invalid URL escape "%zz"`.
fn url_decode(a: &[Value]) -> Result<Value, CallError> {
    let s = args::string(a, 0)?;
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let pair = (
                    b.get(i + 1).and_then(|&c| hex(c)),
                    b.get(i + 2).and_then(|&c| hex(c)),
                );
                let (Some(h), Some(l)) = pair else {
                    let end = (i + 3).min(b.len());
                    let bad = String::from_utf8_lossy(&b[i..end]);
                    return Err(CallError::new(format!("invalid URL escape {bad:?}")));
                };
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(Value::String(String::from_utf8_lossy(&out).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(r: Result<Value, CallError>) -> String {
        convert::to_string(&r.unwrap()).unwrap()
    }

    fn s(v: &str) -> Vec<Value> {
        vec![Value::string(v)]
    }

    const SAMPLE: &str = "string123!?$*&()'-=@~";

    #[test]
    fn base64_vectors() {
        assert_eq!(text(to_base64(&s(SAMPLE))), "c3RyaW5nMTIzIT8kKiYoKSctPUB+");
        assert_eq!(
            text(to_url_base64(&s(SAMPLE))),
            "c3RyaW5nMTIzIT8kKiYoKSctPUB-"
        );
        assert_eq!(
            text(from_base64(&s("Zm9vYmFyMTIzIT8kKiYoKSctPUB+"))),
            "foobar123!?$*&()'-=@~"
        );
        assert_eq!(
            text(from_url_base64(&s("c3RyaW5nMTIzIT8kKiYoKSctPUB-"))),
            SAMPLE
        );
        assert_eq!(text(to_base64(&s("a"))), "YQ==");
        assert_eq!(text(from_base64(&s("YQ=="))), "a");
        assert_eq!(text(from_base64(&s("YW\nJj"))), "abc");
        assert_eq!(text(from_base64(&s(""))), "");
        assert_eq!(text(to_base64(&s(""))), "");
    }

    #[test]
    fn base64_errors() {
        let e = |v: &str| from_base64(&s(v)).unwrap_err().message;
        assert_eq!(e("YQ"), "illegal base64 data at input byte 0");
        assert_eq!(e("YQ="), "illegal base64 data at input byte 3");
        assert_eq!(e("Y!=="), "illegal base64 data at input byte 1");
        assert_eq!(e("YQ==YQ=="), "illegal base64 data at input byte 4");
        assert_eq!(
            e("c3RyaW5nMTIzIT8kKiYoKSctPUB-"),
            "illegal base64 data at input byte 27"
        );
    }

    #[test]
    fn url_vectors() {
        assert_eq!(
            text(url_encode(&s(SAMPLE))),
            "string123%21%3F%24%2A%26%28%29%27-%3D%40~"
        );
        assert_eq!(text(url_encode(&s("a b/é"))), "a+b%2F%C3%A9");
        assert_eq!(
            text(url_decode(&s("string123%21%3F%24%2A%26%28%29%27-%3D%40~"))),
            SAMPLE
        );
        assert_eq!(text(url_decode(&s("a+b%2f"))), "a b/");
        assert_eq!(
            url_decode(&s("a%zzb")).unwrap_err().message,
            "invalid URL escape \"%zz\""
        );
        assert_eq!(
            url_decode(&s("a%2")).unwrap_err().message,
            "invalid URL escape \"%2\""
        );
    }

    #[test]
    fn json_round_trips() {
        let v = from_json(&s(r#"{"foo": "bar", "n": [0, 1]}"#)).unwrap();
        assert_eq!(text(to_json(&[v])), r#"{"foo":"bar","n":[0,1]}"#);
        assert_eq!(
            to_json(&[Value::int(12)]).unwrap_err().message,
            "jsonEncode only supports map"
        );
        assert!(from_json(&s("{")).is_err());
        assert!(matches!(
            from_yaml(&s("foo: bar")).unwrap(),
            Value::Object(_)
        ));
    }
}
