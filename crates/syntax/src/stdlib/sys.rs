//! `sys`: the process environment.

use super::{args, func, object_of};
use crate::value::{CallError, Value};

pub fn namespace() -> Value {
    object_of(vec![("env", func("sys.env", 1, env))])
}

/// `sys.env(name)`: the variable's value, `""` when unset (or not valid UTF-8,
/// which Go would pass through as bytes).
fn env(a: &[Value]) -> Result<Value, CallError> {
    let name = args::string(a, 0)?;
    let value = if name.is_empty() || name.contains(['=', '\0']) {
        String::new()
    } else {
        std::env::var_os(&name)
            .map(|v| v.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    Ok(Value::String(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_variables_are_empty() {
        let v = env(&[Value::string("FERROALLOY_SURELY_UNSET_VARIABLE")]).unwrap();
        assert!(matches!(v, Value::String(s) if s.is_empty()));
        let v = env(&[Value::string("PATH")]).unwrap();
        assert!(matches!(v, Value::String(s) if !s.is_empty()));
        let v = env(&[Value::string("")]).unwrap();
        assert!(matches!(v, Value::String(s) if s.is_empty()));
    }

    #[test]
    fn non_string_names_error_on_the_argument() {
        let e = env(&[Value::Bool(true)]).unwrap_err();
        assert_eq!(e.message, "should be string, got bool");
        assert_eq!(e.arg, Some(0));
    }
}
