//! [`Codec`]: how an attribute value becomes a Rust value and back, for the
//! standard Rust types (SPEC §1.7).
//!
//! `null` decodes to the target's zero value, as Go's decoder sets the zero value.

use super::error::ValueError;
use super::schema::ValueType;
use crate::value::convert::{self, ConvertError};
use crate::value::{Number, Object, Type, Value};
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

/// A Rust type that attribute values decode into and encode from.
pub trait Codec: Sized {
    /// The type the value must have, for schemas and validation.
    fn value_type() -> ValueType;
    fn decode(value: &Value) -> Result<Self, ValueError>;
    fn encode(&self) -> Value;
}

impl From<ConvertError> for ValueError {
    fn from(e: ConvertError) -> ValueError {
        match e {
            ConvertError::Type { expected, got } => ValueError {
                path: Vec::new(),
                kind: super::error::ValueErrorKind::Type { expected, got },
            },
            ConvertError::Refused(m) => ValueError::message(m),
        }
    }
}

/// Any value at all, kept as it is (Go's `any` targets).
impl Codec for Value {
    fn value_type() -> ValueType {
        ValueType::Any
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        Ok(value.clone())
    }
    fn encode(&self) -> Value {
        self.clone()
    }
}

impl Codec for String {
    fn value_type() -> ValueType {
        ValueType::String
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        Ok(convert::to_string(value)?)
    }
    fn encode(&self) -> Value {
        Value::String(self.clone())
    }
}

impl Codec for bool {
    fn value_type() -> ValueType {
        ValueType::Bool
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        Ok(convert::to_bool(value)?)
    }
    fn encode(&self) -> Value {
        Value::Bool(*self)
    }
}

/// Integers narrow without overflow checks, as Go's reflect conversion does.
macro_rules! int_codec {
    ($($t:ty => $read:ident, $make:expr;)*) => {$(
        impl Codec for $t {
            fn value_type() -> ValueType {
                ValueType::Number
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_possible_wrap)]
            fn decode(value: &Value) -> Result<Self, ValueError> {
                Ok(convert::to_number(value)?.$read() as $t)
            }
            #[allow(clippy::cast_lossless, clippy::cast_possible_wrap, clippy::cast_sign_loss)]
            fn encode(&self) -> Value {
                Value::Number($make(*self))
            }
        }
    )*};
}

int_codec! {
    i8 => as_i64, |v| Number::Int(i64::from(v));
    i16 => as_i64, |v| Number::Int(i64::from(v));
    i32 => as_i64, |v| Number::Int(i64::from(v));
    i64 => as_i64, Number::Int;
    isize => as_i64, |v| Number::Int(v as i64);
    u8 => as_u64, |v| Number::Uint(u64::from(v));
    u16 => as_u64, |v| Number::Uint(u64::from(v));
    u32 => as_u64, |v| Number::Uint(u64::from(v));
    u64 => as_u64, Number::Uint;
    usize => as_u64, |v| Number::Uint(v as u64);
    f32 => as_f64, |v| Number::Float(f64::from(v));
    f64 => as_f64, Number::Float;
}

/// An optional value: `null` (or an absent attribute) is `None`.
impl<T: Codec> Codec for Option<T> {
    fn value_type() -> ValueType {
        T::value_type()
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        match value {
            Value::Null => Ok(None),
            v => T::decode(v).map(Some),
        }
    }
    fn encode(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::encode)
    }
}

impl<T: Codec> Codec for Box<T> {
    fn value_type() -> ValueType {
        T::value_type()
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        T::decode(value).map(Box::new)
    }
    fn encode(&self) -> Value {
        T::encode(self)
    }
}

impl<T: Codec> Codec for Vec<T> {
    fn value_type() -> ValueType {
        ValueType::List(Box::new(T::value_type()))
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        match value {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| T::decode(item).map_err(|e| e.in_index(i)))
                .collect(),
            v => Err(ValueError::type_mismatch(Type::Array, v)),
        }
    }
    fn encode(&self) -> Value {
        Value::Array(self.iter().map(T::encode).collect())
    }
}

/// Arrays of values must have exactly `N` elements.
impl<T: Codec, const N: usize> Codec for [T; N] {
    fn value_type() -> ValueType {
        ValueType::List(Box::new(T::value_type()))
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        let items: Vec<T> = Vec::decode(value)?;
        let len = items.len();
        items.try_into().map_err(|_| {
            ValueError::message(format!("array must have exactly {N} elements, got {len}"))
        })
    }
    fn encode(&self) -> Value {
        Value::Array(self.iter().map(T::encode).collect())
    }
}

/// Decodes the entries of an object value into any string-keyed map.
fn decode_map<V: Codec, M: FromIterator<(String, V)>>(value: &Value) -> Result<M, ValueError> {
    match value {
        Value::Null => Ok(std::iter::empty().collect()),
        Value::Object(o) => o
            .iter()
            .map(|(k, v)| match V::decode(v) {
                Ok(v) => Ok((k.clone(), v)),
                Err(e) => Err(e.in_field(k.clone())),
            })
            .collect(),
        v => Err(ValueError::type_mismatch(Type::Object, v)),
    }
}

fn encode_map<'a, V: Codec + 'a>(entries: impl Iterator<Item = (&'a String, &'a V)>) -> Value {
    Value::Object(entries.map(|(k, v)| (k.clone(), v.encode())).collect())
}

impl<V: Codec, S: BuildHasher + Default> Codec for indexmap::IndexMap<String, V, S> {
    fn value_type() -> ValueType {
        ValueType::Map(Box::new(V::value_type()))
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        decode_map(value)
    }
    fn encode(&self) -> Value {
        encode_map(self.iter())
    }
}

/// Hash maps have no order; they encode with sorted keys, as Alloy's encoders
/// sort the keys of Go maps.
impl<V: Codec, S: BuildHasher + Default> Codec for HashMap<String, V, S> {
    fn value_type() -> ValueType {
        ValueType::Map(Box::new(V::value_type()))
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        decode_map(value)
    }
    fn encode(&self) -> Value {
        let mut entries: Vec<_> = self.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        encode_map(entries.into_iter())
    }
}

impl<V: Codec> Codec for BTreeMap<String, V> {
    fn value_type() -> ValueType {
        ValueType::Map(Box::new(V::value_type()))
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        decode_map(value)
    }
    fn encode(&self) -> Value {
        encode_map(self.iter())
    }
}

/// An object kept as values, in its own key order.
pub(super) fn object_of(value: &Value) -> Result<Option<&Object>, ValueError> {
    match value {
        Value::Null => Ok(None),
        Value::Object(o) => Ok(Some(o)),
        v => Err(ValueError::type_mismatch(Type::Object, v)),
    }
}
