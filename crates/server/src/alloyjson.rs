//! The "Alloy JSON body" encoding the UI reads arguments, exports and debug info
//! in (SPEC §3.2, upstream `syntax/encoding/alloyjson`): a body is a list of
//! statements, `{"name","type":"attr","value":V}` or
//! `{"name","type":"block","label"?,"body":[…]}`; a value is `{"type","value"}`
//! with numbers always as floats, objects as key/value lists and secrets as the
//! capsule text `(secret)`.

use crate::json;
use syntax::decode::{EncodedBody, EncodedEntry};
use syntax::scanner::go_quote;
use syntax::value::{Capsule, OptionalSecret, Secret, Value};

/// Appends a component's arguments as a body.
pub fn body(out: &mut String, body: &EncodedBody) {
    out.push('[');
    for (i, entry) in body.entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match entry {
            EncodedEntry::Attribute { name, value } => attribute(out, name, value),
            EncodedEntry::Block(block) => {
                out.push_str("{\"name\":");
                json::string(out, &block.name);
                out.push_str(",\"type\":\"block\"");
                if !block.label.is_empty() {
                    out.push_str(",\"label\":");
                    json::string(out, &block.label);
                }
                out.push_str(",\"body\":");
                self::body(out, &block.body);
                out.push('}');
            }
        }
    }
    out.push(']');
}

/// Appends an object of exports or debug info as a body of attributes, in the
/// object's order (upstream encodes these structs field by field). Anything but
/// an object has no attributes to show and gives an empty body, as a missing
/// value does upstream.
pub fn object_body(out: &mut String, value: &Value) {
    out.push('[');
    if let Value::Object(fields) = value {
        for (i, (name, value)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            attribute(out, name, value);
        }
    }
    out.push(']');
}

fn attribute(out: &mut String, name: &str, value: &Value) {
    out.push_str("{\"name\":");
    json::string(out, name);
    out.push_str(",\"type\":\"attr\",\"value\":");
    self::value(out, value);
    out.push('}');
}

/// Appends one value as `{"type":…,"value":…}`.
pub fn value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("{\"type\":\"null\",\"value\":null}"),
        Value::Number(n) => {
            out.push_str("{\"type\":\"number\",\"value\":");
            json::float(out, n.as_f64());
            out.push('}');
        }
        Value::String(s) => typed_string(out, "string", s),
        Value::Bool(b) => {
            out.push_str("{\"type\":\"bool\",\"value\":");
            out.push_str(if *b { "true" } else { "false" });
            out.push('}');
        }
        Value::Array(items) => {
            out.push_str("{\"type\":\"array\",\"value\":[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                self::value(out, item);
            }
            out.push_str("]}");
        }
        Value::Object(fields) => {
            // Objects built from maps are sorted by key upstream; ours do not
            // record where they came from, and sorted keys read best.
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            out.push_str("{\"type\":\"object\",\"value\":[");
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str("{\"key\":");
                json::string(out, key);
                out.push_str(",\"value\":");
                self::value(out, &fields[key]);
                out.push('}');
            }
            out.push_str("]}");
        }
        Value::Function(_) => typed_string(out, "function", &value.describe()),
        Value::Capsule(capsule) => typed_string(out, "capsule", &capsule_text(capsule, value)),
    }
}

fn typed_string(out: &mut String, ty: &str, text: &str) {
    out.push_str("{\"type\":\"");
    out.push_str(ty);
    out.push_str("\",\"value\":");
    json::string(out, text);
    out.push('}');
}

/// What a capsule shows: secrets `(secret)`, a non-secret optional secret its
/// quoted text (as upstream tokenizes them), anything else its host type.
fn capsule_text(capsule: &Capsule, value: &Value) -> String {
    if capsule.downcast_ref::<Secret>().is_some() {
        return "(secret)".into();
    }
    if let Some(optional) = capsule.downcast_ref::<OptionalSecret>() {
        return if optional.is_secret {
            "(secret)".into()
        } else {
            go_quote(optional.value.as_bytes())
        };
    }
    value.describe()
}

#[cfg(test)]
mod tests {
    use super::*;
    use syntax::decode::EncodedBlock;
    use syntax::value::Object;

    fn encode(v: &Value) -> String {
        let mut out = String::new();
        value(&mut out, v);
        out
    }

    #[test]
    fn values() {
        assert_eq!(encode(&Value::Null), r#"{"type":"null","value":null}"#);
        assert_eq!(encode(&Value::int(3)), r#"{"type":"number","value":3}"#);
        assert_eq!(
            encode(&Value::float(0.5)),
            r#"{"type":"number","value":0.5}"#
        );
        assert_eq!(
            encode(&Value::Array(vec![Value::Bool(true), Value::string("x")])),
            r#"{"type":"array","value":[{"type":"bool","value":true},{"type":"string","value":"x"}]}"#
        );
        let mut obj = Object::new();
        obj.insert("b".into(), Value::int(1));
        obj.insert("a".into(), Value::Null);
        assert_eq!(
            encode(&Value::Object(obj)),
            r#"{"type":"object","value":[{"key":"a","value":{"type":"null","value":null}},{"key":"b","value":{"type":"number","value":1}}]}"#
        );
    }

    #[test]
    fn secrets_never_show() {
        assert_eq!(
            encode(&Value::secret("hunter2")),
            r#"{"type":"capsule","value":"(secret)"}"#
        );
        let hidden = OptionalSecret {
            is_secret: true,
            value: "hunter2".into(),
        };
        assert_eq!(
            encode(&Value::capsule(hidden)),
            r#"{"type":"capsule","value":"(secret)"}"#
        );
        let shown = OptionalSecret {
            is_secret: false,
            value: "plain".into(),
        };
        assert_eq!(
            encode(&Value::capsule(shown)),
            r#"{"type":"capsule","value":"\"plain\""}"#
        );
    }

    #[test]
    fn bodies_with_blocks() {
        let mut inner = EncodedBody::default();
        inner.attribute("url", Value::string("http://x"));
        let mut args = EncodedBody::default();
        args.attribute("filename", Value::string("/tmp/a"));
        args.block(EncodedBlock {
            name: "endpoint".into(),
            label: String::new(),
            body: inner,
        });
        let mut out = String::new();
        body(&mut out, &args);
        assert_eq!(
            out,
            r#"[{"name":"filename","type":"attr","value":{"type":"string","value":"/tmp/a"}},{"name":"endpoint","type":"block","body":[{"name":"url","type":"attr","value":{"type":"string","value":"http://x"}}]}]"#
        );
        let mut out = String::new();
        object_body(&mut out, &Value::Null);
        assert_eq!(out, "[]");
    }
}
