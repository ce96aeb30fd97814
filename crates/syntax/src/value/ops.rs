//! Operators: `== != < <= > >= + - * / % ^ && || ! -` with Alloy's type rules,
//! secret handling and error messages.
//!
//! Errors name the operand at fault; the evaluator prefixes the message with that
//! operand's expression text, as Alloy does (`"a" should be one of [number] for
//! binop -, got string`).

use super::number;
use super::{Number, OptionalSecret, Secret, Type, Value};
use crate::token::Token;

/// Which operand an operator error is about.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Operand {
    Lhs,
    Rhs,
}

/// An operator error: the operand at fault and the message without its text.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OpError {
    pub operand: Operand,
    pub message: String,
}

impl OpError {
    fn new(operand: Operand, message: impl Into<String>) -> OpError {
        OpError {
            operand,
            message: message.into(),
        }
    }
}

/// The message of a type mismatch, as Alloy words it.
pub fn type_error_message(expected: Type, got: Type) -> String {
    format!("should be {expected}, got {got}")
}

/// Types each binary operator accepts (`==`/`!=` accept anything).
fn allowed_types(op: Token) -> &'static [Type] {
    match op {
        Token::Or | Token::And => &[Type::Bool],
        Token::Add => &[Type::Number, Type::String, Type::Capsule],
        Token::Sub | Token::Mul | Token::Div | Token::Mod | Token::Pow => &[Type::Number],
        Token::Lt | Token::Gt | Token::Lte | Token::Gte => &[Type::Number, Type::String],
        _ => &[],
    }
}

/// Go's `%v` of a type list: `[number string capsule]`.
fn type_list(types: &[Type]) -> String {
    let names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
    format!("[{}]", names.join(" "))
}

/// Evaluate `lhs op rhs`. Both operands are already evaluated: Alloy never
/// short-circuits `&&` and `||`.
pub fn binary_op(lhs: &Value, op: Token, rhs: &Value) -> Result<Value, OpError> {
    let (lhs, rhs) = unwrap_secret_operands(lhs, rhs);
    match op {
        Token::Eq => return Ok(Value::Bool(values_equal(&lhs, &rhs))),
        Token::Neq => return Ok(Value::Bool(!values_equal(&lhs, &rhs))),
        _ => {}
    }
    let allowed = allowed_types(op);
    for (operand, v) in [(Operand::Lhs, &lhs), (Operand::Rhs, &rhs)] {
        if !allowed.contains(&v.ty()) {
            return Err(OpError::new(
                operand,
                format!(
                    "should be one of {} for binop {op}, got {}",
                    type_list(allowed),
                    v.ty()
                ),
            ));
        }
    }
    if lhs.ty() != rhs.ty() {
        return Err(OpError::new(
            Operand::Rhs,
            type_error_message(lhs.ty(), rhs.ty()),
        ));
    }
    match (&lhs, &rhs) {
        (Value::Bool(a), Value::Bool(b)) => Ok(Value::Bool(match op {
            Token::Or => *a || *b,
            _ => *a && *b,
        })),
        (Value::String(a), Value::String(b)) => Ok(match op {
            Token::Add => Value::String(format!("{a}{b}")),
            _ => Value::Bool(compare_ordering(op, a.as_bytes().cmp(b.as_bytes()))),
        }),
        (Value::Number(a), Value::Number(b)) => number_op(*a, op, *b),
        (Value::Capsule(_), Value::Capsule(_)) => add_capsules(&lhs, op, &rhs),
        _ => Err(OpError::new(
            Operand::Lhs,
            format!("could not perform binop {op} for unknown types"),
        )),
    }
}

fn compare_ordering(op: Token, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Token::Lt => ord == Less,
        Token::Lte => ord != Greater,
        Token::Gt => ord == Greater,
        _ => ord != Less,
    }
}

fn number_op(a: Number, op: Token, b: Number) -> Result<Value, OpError> {
    let n = match op {
        Token::Add => number::add(a, b),
        Token::Sub => number::sub(a, b),
        Token::Mul => number::mul(a, b),
        Token::Div => number::div(a, b).map_err(|m| OpError::new(Operand::Rhs, m))?,
        Token::Mod => number::rem(a, b).map_err(|m| OpError::new(Operand::Rhs, m))?,
        Token::Pow => number::pow(a, b),
        // NaN compares false with everything, as in Go.
        _ => {
            let ord = number::compare(a, b);
            return Ok(Value::Bool(ord.is_some_and(|o| compare_ordering(op, o))));
        }
    };
    Ok(Value::Number(n))
}

/// `+` on two capsules after unwrapping: only secrets and optional secrets add.
fn add_capsules(lhs: &Value, op: Token, rhs: &Value) -> Result<Value, OpError> {
    if let Some(a) = as_optional_secret(lhs) {
        let b = as_optional_secret(rhs).cloned().unwrap_or_default();
        return Ok(Value::capsule(OptionalSecret {
            is_secret: a.is_secret || b.is_secret,
            value: format!("{}{}", a.value, b.value),
        }));
    }
    if let Some(a) = as_secret(lhs) {
        let b = as_secret(rhs).map(Secret::expose).unwrap_or_default();
        return Ok(Value::secret(format!("{}{}", a.expose(), b)));
    }
    Err(OpError::new(
        Operand::Lhs,
        format!(
            "could not perform binop {op} for unknown types lhs {} rhs {}",
            lhs.ty(),
            rhs.ty()
        ),
    ))
}

fn as_secret(v: &Value) -> Option<&Secret> {
    match v {
        Value::Capsule(c) => c.downcast_ref::<Secret>(),
        _ => None,
    }
}

fn as_optional_secret(v: &Value) -> Option<&OptionalSecret> {
    match v {
        Value::Capsule(c) => c.downcast_ref::<OptionalSecret>(),
        _ => None,
    }
}

/// Bring a secret-ish operand and its partner to a common form (Alloy §1.9):
/// string+secret → secret+secret; optional(secret)+string → optional+optional;
/// optional(plain)+string → string+string; optional+secret → secret+secret.
fn unwrap_secret_operands(lhs: &Value, rhs: &Value) -> (Value, Value) {
    let plain = || (lhs.clone(), rhs.clone());
    if !matches!(lhs, Value::Capsule(_)) && !matches!(rhs, Value::Capsule(_)) {
        return plain();
    }
    if let Some(l) = as_optional_secret(lhs) {
        if as_secret(rhs).is_some() {
            return (Value::secret(l.value.clone()), rhs.clone());
        }
        if let Value::String(r) = rhs {
            return if l.is_secret {
                let r = OptionalSecret {
                    is_secret: true,
                    value: r.clone(),
                };
                (lhs.clone(), Value::capsule(r))
            } else {
                (Value::String(l.value.clone()), rhs.clone())
            };
        }
        return plain();
    }
    if as_secret(lhs).is_some() {
        if let Some(r) = as_optional_secret(rhs) {
            return (lhs.clone(), Value::secret(r.value.clone()));
        }
        if let Value::String(r) = rhs {
            return (lhs.clone(), Value::secret(r.clone()));
        }
        return plain();
    }
    if let Value::String(l) = lhs {
        if let Some(r) = as_optional_secret(rhs) {
            return if r.is_secret {
                let l = OptionalSecret {
                    is_secret: true,
                    value: l.clone(),
                };
                (Value::capsule(l), rhs.clone())
            } else {
                (lhs.clone(), Value::String(r.value.clone()))
            };
        }
        if as_secret(rhs).is_some() {
            return (Value::secret(l.clone()), rhs.clone());
        }
    }
    plain()
}

/// Alloy's `==`: values of different types are never equal, numbers compare
/// across kinds, arrays and objects deeply, functions never, capsules by their
/// own deep equality.
pub fn values_equal(lhs: &Value, rhs: &Value) -> bool {
    match (lhs, rhs) {
        (Value::Null, Value::Null) => true,
        (Value::Number(a), Value::Number(b)) => number::equal(*a, *b),
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| values_equal(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, x)| b.get(k).is_some_and(|y| values_equal(x, y)))
        }
        (Value::Capsule(a), Value::Capsule(b)) => a.0.capsule_eq(b.0.as_ref()),
        _ => false,
    }
}

/// `!value` and `-value`. The error, if any, is about the single operand.
pub fn unary_op(op: Token, v: &Value) -> Result<Value, String> {
    match (op, v) {
        (Token::Not, Value::Bool(b)) => Ok(Value::Bool(!b)),
        (Token::Not, other) => Err(type_error_message(Type::Bool, other.ty())),
        (Token::Sub, Value::Number(n)) => Ok(Value::Number(number::neg(*n))),
        (_, other) => Err(type_error_message(Type::Number, other.ty())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(l: Value, op: Token, r: Value) -> Value {
        binary_op(&l, op, &r).expect("operation should succeed")
    }

    fn err(l: Value, op: Token, r: Value) -> (Operand, String) {
        let e = binary_op(&l, op, &r).expect_err("operation should fail");
        (e.operand, e.message)
    }

    fn is_true(v: Value) -> bool {
        matches!(v, Value::Bool(true))
    }

    #[test]
    fn equality_across_types() {
        assert!(is_true(ok(Value::int(3), Token::Eq, Value::float(3.0))));
        assert!(is_true(ok(Value::Null, Token::Eq, Value::Null)));
        assert!(is_true(ok(Value::int(1), Token::Neq, Value::string("1"))));
        let arr = Value::Array(vec![Value::int(1), Value::string("a")]);
        assert!(is_true(ok(arr.clone(), Token::Eq, arr)));
        let f = Value::Function(super::super::Function::new("f", 0, false, |_| {
            Ok(Value::Null)
        }));
        assert!(!is_true(ok(f.clone(), Token::Eq, f)));
        assert!(is_true(ok(
            Value::secret("x"),
            Token::Eq,
            Value::string("x")
        )));
    }

    #[test]
    fn type_errors_name_the_operand() {
        assert_eq!(
            err(Value::string("a"), Token::Sub, Value::int(1)),
            (
                Operand::Lhs,
                "should be one of [number] for binop -, got string".into()
            )
        );
        assert_eq!(
            err(Value::int(1), Token::Add, Value::Bool(true)),
            (
                Operand::Rhs,
                "should be one of [number string capsule] for binop +, got bool".into()
            )
        );
        assert_eq!(
            err(Value::string("a"), Token::Add, Value::int(1)),
            (Operand::Rhs, "should be string, got number".into())
        );
        assert_eq!(
            err(Value::int(1), Token::Div, Value::int(0)),
            (Operand::Rhs, "divide by zero error".into())
        );
        assert_eq!(
            err(Value::int(1), Token::And, Value::Bool(true)),
            (
                Operand::Lhs,
                "should be one of [bool] for binop &&, got number".into()
            )
        );
    }

    #[test]
    fn strings_and_comparisons() {
        let s = ok(Value::string("a"), Token::Add, Value::string("b"));
        assert!(matches!(s, Value::String(ref t) if t == "ab"));
        assert!(is_true(ok(
            Value::string("a"),
            Token::Lt,
            Value::string("b")
        )));
        assert!(is_true(ok(Value::int(2), Token::Gte, Value::float(2.0))));
        assert!(is_true(ok(
            Value::Bool(true),
            Token::Or,
            Value::Bool(false)
        )));
    }

    #[test]
    fn secrets_add_as_section_1_9_says() {
        let s = ok(Value::string("a"), Token::Add, Value::secret("b"));
        let Value::Capsule(c) = s else { panic!() };
        assert_eq!(c.downcast_ref::<Secret>().map(Secret::expose), Some("ab"));

        let plain = Value::capsule(OptionalSecret {
            is_secret: false,
            value: "x".into(),
        });
        let s = ok(plain, Token::Add, Value::string("y"));
        assert!(matches!(s, Value::String(ref t) if t == "xy"));

        let secret = Value::capsule(OptionalSecret {
            is_secret: true,
            value: "x".into(),
        });
        let s = ok(secret.clone(), Token::Add, Value::string("y"));
        let Value::Capsule(c) = s else { panic!() };
        let o = c.downcast_ref::<OptionalSecret>().cloned();
        assert_eq!(
            o,
            Some(OptionalSecret {
                is_secret: true,
                value: "xy".into()
            })
        );

        let s = ok(secret, Token::Add, Value::secret("z"));
        let Value::Capsule(c) = s else { panic!() };
        assert_eq!(c.downcast_ref::<Secret>().map(Secret::expose), Some("xz"));

        assert_eq!(
            err(Value::secret("a"), Token::Sub, Value::string("b")),
            (
                Operand::Lhs,
                "should be one of [number] for binop -, got capsule".into()
            )
        );
    }

    #[test]
    fn unary() {
        assert!(matches!(
            unary_op(Token::Sub, &Value::uint(3)),
            Ok(Value::Number(Number::Int(-3)))
        ));
        assert_eq!(
            unary_op(Token::Not, &Value::int(1)).unwrap_err(),
            "should be bool, got number"
        );
        assert_eq!(
            unary_op(Token::Sub, &Value::string("a")).unwrap_err(),
            "should be number, got string"
        );
    }
}
