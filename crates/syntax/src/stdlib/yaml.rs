//! YAML decoding for `encoding.from_yaml`, as Go's `yaml.v3` decodes into
//! `any`: only the first document counts (an empty one is `null`), plain
//! scalars resolve with yaml.v3's rules (Go integer syntax with `_` removed,
//! so `0x1F`, `0o17`, `017` and `1_000` are ints and big values uints;
//! `true`/`True`/`TRUE`, `null`/`~`, `.inf`, `.nan`; timestamps stay strings),
//! quoted scalars are strings, aliases repeat their anchor's value and `<<`
//! merge keys merge.
//!
//! yaml-rust2 provides the parser events; the resolution is ours because its
//! YAML 1.2 rules differ from yaml.v3's.

use crate::value::number::parse_go_int;
use crate::value::{Object, Value};
use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Nesting beyond this is refused rather than risking deep recursion later.
const MAX_DEPTH: usize = 1000;

pub fn parse(text: &str) -> Result<Value, String> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser
        .load(&mut builder, false)
        .map_err(|e| format!("yaml: line {}: {}", e.marker().line(), e.info()))?;
    if builder.too_deep {
        return Err("yaml: exceeded max depth".into());
    }
    Ok(builder.result.unwrap_or_default())
}

/// A collection being built: a sequence, or a mapping with a pending key.
enum Open {
    Seq(Vec<Value>, usize),
    Map(Vec<(String, Value)>, Option<String>, usize),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    anchors: HashMap<usize, Value>,
    result: Option<Value>,
    too_deep: bool,
}

impl Builder {
    /// Place a finished value into its parent (or as the document).
    fn push(&mut self, v: Value, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, v.clone());
        }
        match self.stack.last_mut() {
            None => {
                if self.result.is_none() {
                    self.result = Some(v);
                }
            }
            Some(Open::Seq(items, _)) => items.push(v),
            Some(Open::Map(pairs, key, _)) => match key.take() {
                Some(k) => pairs.push((k, v)),
                None => *key = Some(key_text(&v)),
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, _mark: Marker) {
        // Later documents are ignored, as yaml.v3's Unmarshal reads only one.
        if self.result.is_some() && self.stack.is_empty() {
            return;
        }
        match ev {
            Event::SequenceStart(..) | Event::MappingStart(..) if self.stack.len() >= MAX_DEPTH => {
                self.too_deep = true;
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Open::Seq(Vec::new(), anchor)),
            Event::MappingStart(anchor, _) => {
                self.stack.push(Open::Map(Vec::new(), None, anchor));
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Open::Seq(items, anchor)) => self.push(Value::Array(items), anchor),
                Some(Open::Map(pairs, _, anchor)) => {
                    self.push(Value::Object(mapping(pairs)), anchor);
                }
                None => {}
            },
            Event::Scalar(text, style, anchor, tag) => {
                let explicit_str = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let v = if style == TScalarStyle::Plain && !explicit_str {
                    resolve_plain(&text)
                } else {
                    Value::String(text)
                };
                self.push(v, anchor);
            }
            Event::Alias(id) => {
                let v = self.anchors.get(&id).cloned().unwrap_or_default();
                self.push(v, 0);
            }
            _ => {}
        }
    }
}

/// A finished mapping: later duplicate keys win, `<<` merge keys add the
/// entries of the mappings they name (earlier ones first) where the mapping has
/// no key of its own, and keys come out sorted as Go map consumers see them.
fn mapping(pairs: Vec<(String, Value)>) -> Object {
    let (merges, own): (Vec<_>, Vec<_>) = pairs.into_iter().partition(|(k, _)| k == "<<");
    let mut out = std::collections::BTreeMap::new();
    out.extend(own);
    for (_, merge) in merges {
        let sources = match merge {
            Value::Array(items) => items,
            other => vec![other],
        };
        for source in sources {
            if let Value::Object(o) = source {
                for (k, v) in o {
                    out.entry(k).or_insert(v);
                }
            }
        }
    }
    out.into_iter().collect()
}

/// A mapping key as text (yaml.v3 would make a non-string-keyed map, which
/// Alloy cannot use as an object; the key's text is the closest reading).
fn key_text(v: &Value) -> String {
    crate::value::convert::to_string(v).unwrap_or_else(|_| match v {
        Value::Bool(b) => b.to_string(),
        _ => "null".to_string(),
    })
}

/// yaml.v3's resolution of an untagged plain scalar.
fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return Value::float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::float(f64::NEG_INFINITY),
        _ => {}
    }
    match s.as_bytes()[0] {
        b'.' => s
            .parse::<f64>()
            .map_or_else(|_| Value::string(s), Value::float),
        b'0'..=b'9' | b'-' | b'+' => {
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if let Some(n) = parse_go_int(&plain) {
                return Value::Number(n);
            }
            if is_yaml_float(&plain)
                && let Ok(f) = plain.parse::<f64>()
            {
                return Value::float(f);
            }
            Value::string(s)
        }
        _ => Value::string(s),
    }
}

/// yaml.v3's float pattern: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_yaml_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Number;

    fn one(text: &str) -> Value {
        parse(text).unwrap()
    }

    #[test]
    fn ints_stay_ints_and_floats_are_floats() {
        let Value::Array(a) = one("[0, 1, 2]") else {
            panic!()
        };
        assert!(matches!(a[1], Value::Number(Number::Int(1))));
        let Value::Array(a) = one("[0.0, 1.5, null, 1e3, .5]") else {
            panic!()
        };
        assert!(matches!(a[1], Value::Number(Number::Float(f)) if f == 1.5));
        assert!(a[2].is_null());
        assert!(matches!(a[3], Value::Number(Number::Float(f)) if f == 1000.0));
        assert!(matches!(a[4], Value::Number(Number::Float(f)) if f == 0.5));
    }

    #[test]
    fn go_scalar_resolution() {
        let cases = [
            ("0x1F", "int 31"),
            ("0o17", "int 15"),
            ("017", "int 15"),
            ("1_000", "int 1000"),
            ("12345678901234567890", "uint 12345678901234567890"),
            ("-0b101", "int -5"),
            ("True", "bool true"),
            ("yes", "str yes"),
            ("~", "null"),
            ("2001-12-14", "str 2001-12-14"),
            ("'123'", "str 123"),
            ("!!str 123", "str 123"),
            ("1.5.6", "str 1.5.6"),
            ("+.inf", "float inf"),
        ];
        for (text, want) in cases {
            let got = match one(text) {
                Value::Number(Number::Int(i)) => format!("int {i}"),
                Value::Number(Number::Uint(u)) => format!("uint {u}"),
                Value::Number(Number::Float(f)) => format!("float {f}"),
                Value::Bool(b) => format!("bool {b}"),
                Value::String(s) => format!("str {s}"),
                Value::Null => "null".into(),
                other => format!("{other:?}"),
            };
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn maps_documents_anchors_and_errors() {
        let Value::Object(o) = one("foo: bar\nn: null\nb: &x [1]\nc: *x\nfoo: baz") else {
            panic!()
        };
        assert_eq!(o.keys().collect::<Vec<_>>(), ["b", "c", "foo", "n"]);
        assert!(matches!(o.get("foo"), Some(Value::String(s)) if s == "baz"));
        assert!(o.get("n").is_some_and(Value::is_null));
        assert!(matches!(o.get("c"), Some(Value::Array(a)) if a.len() == 1));
        let Value::Object(o) =
            one("base: &b {x: 1, y: 2}\nother: &o {y: 3, z: 4}\nm:\n  <<: [*b, *o]\n  x: 9")
        else {
            panic!()
        };
        let Some(Value::Object(m)) = o.get("m") else {
            panic!()
        };
        let shown: Vec<String> = m.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        assert_eq!(
            shown,
            ["x=Number(Int(9))", "y=Number(Int(2))", "z=Number(Int(4))"]
        );
        assert!(one("").is_null());
        assert!(matches!(one("a\n---\nb"), Value::String(s) if s == "a"));
        assert!(parse(&"[".repeat(5000)).is_err());
        let e = parse("[1, 2").unwrap_err();
        assert!(e.starts_with("yaml: line "), "{e}");
    }
}
