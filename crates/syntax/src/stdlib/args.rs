//! Arguments as Alloy's typed Go functions receive them: each value is
//! converted to the parameter's type, and a failure names the argument (and the
//! element inside it) at fault.

use crate::value::convert::{self, ConvertError};
use crate::value::ops::type_error_message;
use crate::value::{CallError, PathStep, Type, Value};

fn arg_error(i: usize, e: ConvertError) -> CallError {
    CallError::at_arg(i, e.message())
}

/// Argument `i`, which the evaluator's arity check guarantees exists.
pub fn get(args: &[Value], i: usize) -> &Value {
    static NULL: Value = Value::Null;
    args.get(i).unwrap_or(&NULL)
}

/// Argument `i` as a Go `string` parameter.
pub fn string(args: &[Value], i: usize) -> Result<String, CallError> {
    convert::to_string(get(args, i)).map_err(|e| arg_error(i, e))
}

/// Every argument from `from` on, as a variadic `...string` parameter.
pub fn strings_from(args: &[Value], from: usize) -> Result<Vec<String>, CallError> {
    (from..args.len()).map(|i| string(args, i)).collect()
}

/// Argument `i` as a `[]string` parameter: an array whose elements convert to
/// strings (`null` is an empty list).
pub fn string_list(args: &[Value], i: usize) -> Result<Vec<String>, CallError> {
    match get(args, i) {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(j, v)| {
                convert::to_string(v).map_err(|e| arg_error(i, e).within(PathStep::Index(j)))
            })
            .collect(),
        other => Err(CallError::at_arg(
            i,
            type_error_message(Type::Array, other.ty()),
        )),
    }
}

/// A type error about argument `i` itself.
pub fn type_error(i: usize, expected: Type, got: &Value) -> CallError {
    CallError::at_arg(i, type_error_message(expected, got.ty()))
}
