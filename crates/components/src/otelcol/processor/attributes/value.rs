//! Attribute values: the `value` a configuration gives (number, string or
//! bool) and the lookups and conversions on OTLP attribute lists the actions
//! and filters share.

use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};
use syntax::decode::{Codec, ValueError, ValueType};
use syntax::value::{Number, Value};

/// A configured attribute value, typed as OTLP types it.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfigValue {
    Str(String),
    Int(i64),
    Double(f64),
    Bool(bool),
}

impl ConfigValue {
    pub fn to_any(&self) -> Any {
        match self {
            ConfigValue::Str(s) => Any::StringValue(s.clone()),
            ConfigValue::Int(i) => Any::IntValue(*i),
            ConfigValue::Double(d) => Any::DoubleValue(*d),
            ConfigValue::Bool(b) => Any::BoolValue(*b),
        }
    }

    /// The type's name as the Collector prints it in errors.
    pub fn type_name(&self) -> &'static str {
        match self {
            ConfigValue::Str(_) => "STRING",
            ConfigValue::Int(_) => "INT",
            ConfigValue::Double(_) => "DOUBLE",
            ConfigValue::Bool(_) => "BOOL",
        }
    }
}

impl Codec for ConfigValue {
    fn value_type() -> ValueType {
        ValueType::Any
    }

    fn decode(value: &Value) -> Result<Self, ValueError> {
        Ok(match value {
            Value::String(s) => ConfigValue::Str(s.clone()),
            Value::Bool(b) => ConfigValue::Bool(*b),
            Value::Number(Number::Int(i)) => ConfigValue::Int(*i),
            Value::Number(Number::Uint(u)) => match i64::try_from(*u) {
                Ok(i) => ConfigValue::Int(i),
                Err(_) => ConfigValue::Double(*u as f64),
            },
            Value::Number(Number::Float(f)) => ConfigValue::Double(*f),
            other => {
                return Err(ValueError::message(format!(
                    "value must be a number, string or bool, got {}",
                    other.ty()
                )));
            }
        })
    }

    fn encode(&self) -> Value {
        match self {
            ConfigValue::Str(s) => Value::String(s.clone()),
            ConfigValue::Int(i) => Value::Number(Number::Int(*i)),
            ConfigValue::Double(d) => Value::Number(Number::Float(*d)),
            ConfigValue::Bool(b) => Value::Bool(*b),
        }
    }
}

/// The value of attribute `key`, if present.
pub fn get<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Any> {
    attributes.iter().find(|kv| kv.key == key).map(|kv| {
        kv.value
            .as_ref()
            .and_then(|v| v.value.as_ref())
            .unwrap_or(&EMPTY)
    })
}

/// An attribute whose value is unset (OTLP's empty value).
static EMPTY: Any = Any::StringValue(String::new());

pub fn get_mut<'a>(attributes: &'a mut [KeyValue], key: &str) -> Option<&'a mut KeyValue> {
    attributes.iter_mut().find(|kv| kv.key == key)
}

/// Sets `key` to `value`, replacing it or adding it at the end.
pub fn put(attributes: &mut Vec<KeyValue>, key: &str, value: Any) {
    match get_mut(attributes, key) {
        Some(kv) => kv.value = Some(AnyValue { value: Some(value) }),
        None => attributes.push(KeyValue {
            key: key.to_owned(),
            value: Some(AnyValue { value: Some(value) }),
            ..KeyValue::default()
        }),
    }
}

/// A value as text, as the Collector's `AsString` writes it.
pub fn as_string(value: &Any) -> String {
    match value {
        Any::StringValue(s) => s.clone(),
        Any::IntValue(i) => i.to_string(),
        Any::DoubleValue(d) => d.to_string(),
        Any::BoolValue(b) => b.to_string(),
        // Only profiles use string-table references; they carry no text here.
        Any::StringValueStrindex(_) => String::new(),
        Any::BytesValue(b) => {
            use std::fmt::Write;
            // pdata writes bytes as base64; hex is readable and unambiguous.
            b.iter().fold(String::new(), |mut s, byte| {
                let _ = write!(s, "{byte:02x}");
                s
            })
        }
        Any::ArrayValue(a) => format!(
            "[{}]",
            a.values
                .iter()
                .filter_map(|v| v.value.as_ref())
                .map(as_string)
                .collect::<Vec<_>>()
                .join(",")
        ),
        Any::KvlistValue(l) => format!(
            "{{{}}}",
            l.values
                .iter()
                .map(|kv| format!(
                    "{:?}:{}",
                    kv.key,
                    kv.value
                        .as_ref()
                        .and_then(|v| v.value.as_ref())
                        .map(as_string)
                        .unwrap_or_default()
                ))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}
