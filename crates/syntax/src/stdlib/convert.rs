//! `convert`: explicit conversions the language refuses to do implicitly.

use super::{args, func, object_of};
use crate::value::{CallError, Value, convert};

pub fn namespace() -> Value {
    object_of(vec![(
        "nonsensitive",
        func("convert.nonsensitive", 1, nonsensitive),
    )])
}

/// `convert.nonsensitive(secret)`: the text of a secret or optional secret
/// (a plain string passes through).
fn nonsensitive(a: &[Value]) -> Result<Value, CallError> {
    convert::to_secret(args::get(a, 0))
        .map(|s| Value::string(s.expose()))
        .map_err(|e| CallError::at_arg(0, e.message()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::OptionalSecret;

    fn text(v: Value) -> String {
        match nonsensitive(&[v]).unwrap() {
            Value::String(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unwraps_secrets() {
        assert_eq!(text(Value::secret("foo")), "foo");
        assert_eq!(
            text(Value::capsule(OptionalSecret {
                is_secret: true,
                value: "bar".into()
            })),
            "bar"
        );
        assert_eq!(text(Value::string("plain")), "plain");
        let e = nonsensitive(&[Value::int(1)]).unwrap_err();
        assert_eq!(e.message, "should be capsule, got number");
    }
}
