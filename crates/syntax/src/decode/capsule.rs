//! Capsules of a component's own host types (receivers, handlers) as argument
//! types: only a capsule of exactly that type is accepted.

use super::codec::Codec;
use super::error::ValueError;
use super::schema::ValueType;
use crate::value::{CapsuleValue, Type, Value};

/// A capsule type that arguments can ask for by type.
pub trait CapsuleType: CapsuleValue + Clone {
    /// The name Alloy shows, as [`CapsuleValue::capsule_type`] returns it.
    const NAME: &'static str;
}

/// An argument holding a capsule of type `T`.
#[derive(Clone, Debug, PartialEq)]
pub struct CapsuleOf<T>(pub T);

impl<T: CapsuleType> Codec for CapsuleOf<T> {
    fn value_type() -> ValueType {
        ValueType::Capsule(T::NAME)
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        match value {
            Value::Capsule(c) => match c.downcast_ref::<T>() {
                Some(v) => Ok(CapsuleOf(v.clone())),
                None => Err(ValueError::message(format!(
                    "expected capsule({:?}), got {}",
                    T::NAME,
                    value.describe()
                ))),
            },
            v => Err(ValueError::type_mismatch(Type::Capsule, v)),
        }
    }
    fn encode(&self) -> Value {
        Value::capsule(self.0.clone())
    }
}
