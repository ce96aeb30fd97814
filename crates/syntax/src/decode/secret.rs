//! The secret capsules as argument types (SPEC §1.9): a plain string converts
//! into a secret, a secret never into a string.

use super::codec::Codec;
use super::error::ValueError;
use super::schema::ValueType;
use crate::value::convert;
use crate::value::{OptionalSecret, Secret, Value};

impl Codec for Secret {
    fn value_type() -> ValueType {
        ValueType::Secret
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        Ok(convert::to_secret(value)?)
    }
    fn encode(&self) -> Value {
        Value::capsule(self.clone())
    }
}

impl Codec for OptionalSecret {
    fn value_type() -> ValueType {
        ValueType::OptionalSecret
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        Ok(convert::to_optional_secret(value)?)
    }
    fn encode(&self) -> Value {
        Value::capsule(self.clone())
    }
}
