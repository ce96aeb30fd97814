//! YAML decoding for `encoding.from_yaml`, as Go's `yaml.v3` into `any`:
//! integers stay ints, only the first document counts, an empty document is
//! `null`, timestamps stay strings.

use crate::value::{Object, Value};
use yaml_rust2::{Yaml, YamlLoader};

pub fn parse(text: &str) -> Result<Value, String> {
    let docs = YamlLoader::load_from_str(text)
        .map_err(|e| format!("yaml: line {}: {}", e.marker().line(), e.info()))?;
    docs.first().map_or(Ok(Value::Null), |d| convert(d, 0))
}

/// Nesting beyond this is refused rather than risking the stack.
const MAX_DEPTH: usize = 1000;

fn convert(y: &Yaml, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err("yaml: exceeded max depth".into());
    }
    Ok(match y {
        Yaml::Integer(i) => Value::int(*i),
        Yaml::Real(_) => y.as_f64().map(Value::float).unwrap_or_default(),
        Yaml::String(s) => Value::string(s.as_str()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| convert(i, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Hash(h) => {
            // Keys sorted as Go map consumers see them; non-string keys by text.
            let mut pairs = h
                .iter()
                .map(|(k, v)| Ok((key_text(k), convert(v, depth + 1)?)))
                .collect::<Result<Vec<(String, Value)>, String>>()?;
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(pairs.into_iter().collect::<Object>())
        }
        // Aliases are not resolved by the loader; Alloy configs do not use them.
        Yaml::Alias(_) | Yaml::Null | Yaml::BadValue => Value::Null,
    })
}

fn key_text(k: &Yaml) -> String {
    match k {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        Yaml::Null => "null".to_string(),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Number;

    #[test]
    fn ints_stay_ints_and_floats_are_floats() {
        let Value::Array(a) = parse("[0, 1, 2]").unwrap() else {
            panic!()
        };
        assert!(matches!(a[1], Value::Number(Number::Int(1))));
        let Value::Array(a) = parse("[0.0, 1.5, null]").unwrap() else {
            panic!()
        };
        assert!(matches!(a[1], Value::Number(Number::Float(f)) if f == 1.5));
        assert!(a[2].is_null());
    }

    #[test]
    fn maps_documents_and_errors() {
        let Value::Object(o) = parse("foo: bar\nn: null\nt: 2001-12-14").unwrap() else {
            panic!()
        };
        assert!(matches!(o.get("foo"), Some(Value::String(s)) if s == "bar"));
        assert!(o.get("n").is_some_and(Value::is_null));
        assert!(matches!(o.get("t"), Some(Value::String(_))));
        assert!(parse("").unwrap().is_null());
        assert!(matches!(parse("a\n---\nb").unwrap(), Value::String(s) if s == "a"));
        assert!(parse(&"[".repeat(5000)).is_err());
        let e = parse("[1, 2").unwrap_err();
        assert!(e.starts_with("yaml: line "), "{e}");
    }
}
