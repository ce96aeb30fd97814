//! Conversions between values, as Alloy applies them when a value is assigned to
//! a typed target (SPEC §1.7) or passed to a typed standard-library parameter.
//!
//! `null` converts to the target's zero value (`""`, `0`, an empty secret), as
//! Go's decoder does. Errors keep Alloy's wording; the caller adds the
//! expression text in front (`true should be string, got bool`).

use super::ops::type_error_message;
use super::{Number, OptionalSecret, Secret, Type, Value, number};

/// Why a conversion failed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ConvertError {
    /// The value's type cannot become the target type: `should be T, got U`.
    Type { expected: Type, got: Type },
    /// A conversion that exists but refused this value, e.g.
    /// `secrets may not be converted into strings`.
    Refused(String),
}

impl ConvertError {
    pub fn message(&self) -> String {
        match self {
            ConvertError::Type { expected, got } => type_error_message(*expected, *got),
            ConvertError::Refused(m) => m.clone(),
        }
    }
}

impl std::fmt::Display for ConvertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

/// The message Alloy gives when a secret would leak into a plain string.
pub const SECRET_TO_STRING: &str = "secrets may not be converted into strings";

fn mismatch(expected: Type, v: &Value) -> ConvertError {
    ConvertError::Type {
        expected,
        got: v.ty(),
    }
}

/// A number as text: base 10 for ints, Go's `'f', -1` form for floats.
pub fn number_to_string(n: Number) -> String {
    n.to_go_string()
}

/// A string as a number (SPEC §1.7 rule 4): empty fails; a leading `-` parses a
/// base-10 int64; text containing `.`, `e` or `E` parses a float64; anything
/// else a base-10 uint64. No surrounding spaces, no prefixes.
pub fn string_to_number(s: &str) -> Option<Number> {
    if s.is_empty() {
        return None;
    }
    if s.starts_with('-') {
        return parse_go_decimal_i64(s).map(Number::Int);
    }
    if s.contains(['.', 'e', 'E']) {
        return parse_go_float(s).map(Number::Float);
    }
    parse_go_decimal_u64(s).map(Number::Uint)
}

/// Go's `ParseInt(s, 10, 64)`: an optional sign, then ASCII digits (an `_` is
/// not allowed in base 10).
fn parse_go_decimal_i64(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_go_decimal_u64(s: &str) -> Option<u64> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Go's `ParseFloat(s, 64)` for the decimal forms people write, plus `Inf`/`NaN`
/// spellings. Out-of-range values fail, as Go reports a range error.
fn parse_go_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return s.parse().ok();
    }
    let ok = !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    let f: f64 = if ok { s.parse().ok()? } else { return None };
    f.is_finite().then_some(f)
}

/// The value assigned to a string target.
pub fn to_string(v: &Value) -> Result<String, ConvertError> {
    match v {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(number_to_string(*n)),
        Value::Capsule(c) => {
            if c.downcast_ref::<Secret>().is_some() {
                return Err(ConvertError::Refused(SECRET_TO_STRING.into()));
            }
            match c.downcast_ref::<OptionalSecret>() {
                Some(o) if o.is_secret => Err(ConvertError::Refused(SECRET_TO_STRING.into())),
                Some(o) => Ok(o.value.clone()),
                None => Err(mismatch(Type::String, v)),
            }
        }
        Value::Array(_) => match bytes_of(v) {
            Some(b) => Ok(String::from_utf8_lossy(&b).into_owned()),
            None => Err(mismatch(Type::String, v)),
        },
        _ => Err(mismatch(Type::String, v)),
    }
}

/// The value assigned to a number target (kind preserved; narrowing to a
/// smaller width is the target's business).
pub fn to_number(v: &Value) -> Result<Number, ConvertError> {
    match v {
        Value::Null => Ok(Number::Int(0)),
        Value::Number(n) => Ok(*n),
        Value::String(s) => string_to_number(s).ok_or_else(|| mismatch(Type::Number, v)),
        Value::Capsule(c) => match c.downcast_ref::<OptionalSecret>() {
            // A plain optional secret converts as the string it holds.
            Some(o) if !o.is_secret => {
                string_to_number(&o.value).ok_or_else(|| mismatch(Type::Number, v))
            }
            _ => Err(mismatch(Type::Number, v)),
        },
        _ => Err(mismatch(Type::Number, v)),
    }
}

/// The value assigned to a bool target.
pub fn to_bool(v: &Value) -> Result<bool, ConvertError> {
    match v {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(*b),
        _ => Err(mismatch(Type::Bool, v)),
    }
}

/// The value assigned to a `secret` target: strings, secrets and optional
/// secrets convert; anything else is a type error.
pub fn to_secret(v: &Value) -> Result<Secret, ConvertError> {
    match v {
        Value::Null => Ok(Secret::default()),
        Value::String(s) => Ok(Secret::new(s.clone())),
        Value::Capsule(c) => {
            if let Some(s) = c.downcast_ref::<Secret>() {
                return Ok(s.clone());
            }
            match c.downcast_ref::<OptionalSecret>() {
                Some(o) => Ok(Secret::new(o.value.clone())),
                None => Err(ConvertError::Refused(format!(
                    "expected capsule(\"alloytypes.Secret\"), got {}",
                    v.describe()
                ))),
            }
        }
        _ => Err(mismatch(Type::Capsule, v)),
    }
}

/// The value assigned to an optional-secret target: a string stays plain, a
/// secret becomes a secret one.
pub fn to_optional_secret(v: &Value) -> Result<OptionalSecret, ConvertError> {
    match v {
        Value::Null => Ok(OptionalSecret::default()),
        Value::String(s) => Ok(OptionalSecret {
            is_secret: false,
            value: s.clone(),
        }),
        Value::Capsule(c) => {
            if let Some(o) = c.downcast_ref::<OptionalSecret>() {
                return Ok(o.clone());
            }
            match c.downcast_ref::<Secret>() {
                Some(s) => Ok(OptionalSecret {
                    is_secret: true,
                    value: s.expose().to_string(),
                }),
                None => Err(ConvertError::Refused(format!(
                    "expected capsule(\"alloytypes.OptionalSecret\"), got {}",
                    v.describe()
                ))),
            }
        }
        _ => Err(mismatch(Type::Capsule, v)),
    }
}

/// A byte string (what `encoding.from_base64` returns). Alloy keeps Go's
/// `[]byte`, which the language sees as an array of numbers; we keep the same
/// view — an array of uint numbers — which [`to_string`] turns back into text.
/// Literals never produce uint numbers below 2^63, so user arrays are not
/// mistaken for bytes.
pub fn bytes_value(bytes: &[u8]) -> Value {
    Value::Array(
        bytes
            .iter()
            .map(|&b| Value::Number(Number::Uint(u64::from(b))))
            .collect(),
    )
}

/// The bytes of a value made by [`bytes_value`], if it is one. An empty array
/// counts as an empty byte string, so an empty decoded secret still reads as
/// `""` (the price: `[]` given where a string is expected reads as `""` too,
/// where Alloy reports a type error).
pub fn bytes_of(v: &Value) -> Option<Vec<u8>> {
    let Value::Array(items) = v else { return None };
    items
        .iter()
        .map(|item| match item {
            Value::Number(Number::Uint(u)) => u8::try_from(*u).ok(),
            _ => None,
        })
        .collect()
}

/// The text of a float as the language prints it (re-exported for callers that
/// only have an `f64`).
pub fn float_to_string(f: f64) -> String {
    number::format_float(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> String {
        match string_to_number(s) {
            Some(Number::Int(i)) => format!("int {i}"),
            Some(Number::Uint(u)) => format!("uint {u}"),
            Some(Number::Float(f)) => format!("float {}", float_to_string(f)),
            None => "fail".into(),
        }
    }

    #[test]
    fn strings_become_numbers_by_rule_4() {
        assert_eq!(num("12"), "uint 12");
        assert_eq!(num("-3"), "int -3");
        assert_eq!(num("1e3"), "float 1000");
        assert_eq!(num("1.5"), "float 1.5");
        assert_eq!(num(" 1"), "fail");
        assert_eq!(num("0x10"), "fail");
        assert_eq!(num(""), "fail");
        assert_eq!(num("-"), "fail");
        assert_eq!(num("+5"), "fail");
        assert_eq!(num("010"), "uint 10");
        assert_eq!(num("18446744073709551616"), "fail");
    }

    #[test]
    fn numbers_become_strings() {
        assert_eq!(to_string(&Value::int(24)).unwrap(), "24");
        assert_eq!(to_string(&Value::float(0.9)).unwrap(), "0.9");
        assert_eq!(
            to_string(&Value::float(1e21)).unwrap(),
            "1000000000000000000000"
        );
        assert_eq!(to_string(&Value::Null).unwrap(), "");
    }

    #[test]
    fn secrets_never_become_strings() {
        assert_eq!(
            to_string(&Value::secret("x")).unwrap_err().message(),
            SECRET_TO_STRING
        );
        let hidden = Value::capsule(OptionalSecret {
            is_secret: true,
            value: "x".into(),
        });
        assert_eq!(to_string(&hidden).unwrap_err().message(), SECRET_TO_STRING);
        let plain = Value::capsule(OptionalSecret {
            is_secret: false,
            value: "x".into(),
        });
        assert_eq!(to_string(&plain).unwrap(), "x");
        assert_eq!(to_secret(&hidden).unwrap().expose(), "x");
        assert_eq!(to_secret(&Value::string("s")).unwrap().expose(), "s");
        assert!(to_optional_secret(&Value::secret("s")).unwrap().is_secret);
        assert_eq!(
            to_secret(&Value::int(1)).unwrap_err().message(),
            "should be capsule, got number"
        );
    }

    #[test]
    fn other_types_are_type_errors() {
        assert_eq!(
            to_string(&Value::Bool(true)).unwrap_err().message(),
            "should be string, got bool"
        );
        assert_eq!(
            to_number(&Value::string("abc")).unwrap_err().message(),
            "should be number, got string"
        );
        assert_eq!(
            to_bool(&Value::int(1)).unwrap_err().message(),
            "should be bool, got number"
        );
    }

    #[test]
    fn bytes_round_trip_and_read_as_text() {
        let v = bytes_value(b"hi");
        assert_eq!(bytes_of(&v), Some(b"hi".to_vec()));
        assert_eq!(to_string(&v).unwrap(), "hi");
        let user = Value::Array(vec![Value::int(104)]);
        assert_eq!(bytes_of(&user), None);
        assert!(to_string(&user).is_err());
    }
}
