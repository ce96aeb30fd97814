//! Targets (SPEC §2.0.4): label sets as Alloy values, `map(string)` objects;
//! `list(map(string))` arguments decode into `Vec<Target>`.

use crate::labels::Labels;
use std::collections::BTreeMap;
use syntax::decode::{Codec, ValueError, ValueType};
use syntax::value::Value;

/// A target: a label set whose `__address__`, `__path__` and other `__` labels
/// tell consumers what to do with it.
pub type Target = Labels;

impl Codec for Labels {
    fn value_type() -> ValueType {
        ValueType::Map(Box::new(ValueType::String))
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        Ok(BTreeMap::<String, String>::decode(value)?
            .into_iter()
            .collect())
    }
    /// Sorted by name, as Alloy encodes Go maps.
    fn encode(&self) -> Value {
        Value::Object(
            self.iter()
                .map(|(n, v)| (n.to_string(), Value::string(v)))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_objects_of_strings_and_encodes_sorted() {
        let value = Value::Object(
            [
                ("b".to_string(), Value::string("2")),
                ("a".to_string(), Value::string("1")),
            ]
            .into_iter()
            .collect(),
        );
        let target = Target::decode(&value).unwrap();
        assert_eq!(target.to_string(), r#"{a="1", b="2"}"#);
        let Value::Object(encoded) = target.encode() else {
            panic!("an object")
        };
        assert_eq!(encoded.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(
            Target::decode(&Value::Bool(true)).unwrap_err().to_string(),
            "expected object, got bool"
        );
    }
}
