//! The standard library: every identifier Alloy predefines, its namespaces as
//! objects (`sys.env` is a field access on the `sys` object), the deprecated
//! top-level aliases and the experimental functions.
//!
//! One file per namespace; [`args`] converts arguments as Alloy's typed Go
//! functions receive them.

mod args;
mod array;
mod constants;
mod convert;
mod encoding;
mod file;
mod format;
mod gofloat;
pub mod json;
mod json_path;
mod string;
mod sys;
mod yaml;

pub use file::join_paths;

use crate::value::{CallError, Function, Object, Value};
use std::collections::HashMap;
use std::sync::LazyLock;

/// A host function for the table.
type Native = fn(&[Value]) -> Result<Value, CallError>;

/// A fixed-arity function value.
fn func(name: &str, arity: usize, call: Native) -> Value {
    Value::Function(Function::new(name, arity, false, call))
}

/// A variadic function value taking at least `min` arguments.
fn variadic(name: &str, min: usize, call: Native) -> Value {
    Value::Function(Function::new(name, min, true, call))
}

/// An object of named members.
fn object_of(members: Vec<(&str, Value)>) -> Value {
    Value::Object(
        members
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<Object>(),
    )
}

/// Top-level aliases kept for compatibility; using one draws a warning.
const DEPRECATED: &[&str] = &[
    "env",
    "nonsensitive",
    "concat",
    "json_decode",
    "yaml_decode",
    "base64_decode",
    "format",
    "join",
    "replace",
    "split",
    "to_lower",
    "to_upper",
    "trim",
    "trim_prefix",
    "trim_suffix",
    "trim_space",
];

/// Functions (by full dotted name) only allowed at the experimental level.
const EXPERIMENTAL: &[&str] = &["array.combine_maps", "array.group_by"];

/// The warning for a deprecated alias.
pub const DEPRECATED_WARNING: &str = "this stdlib function is deprecated; please refer to the documentation for updated usage and alternatives";

/// The warning for a component whose first name fragment hides a stdlib name.
pub const SHADOWING_WARNING: &str = "a component is shadowing an existing stdlib name";

static IDENTIFIERS: LazyLock<HashMap<&'static str, Value>> = LazyLock::new(|| {
    let mut m: HashMap<&'static str, Value> = HashMap::new();
    m.insert("constants", constants::namespace());
    m.insert("coalesce", variadic("coalesce", 0, coalesce));
    m.insert("json_path", func("json_path", 2, json_path::json_path));
    m.insert("sys", sys::namespace());
    m.insert("convert", convert::namespace());
    m.insert("array", array::namespace());
    m.insert("encoding", encoding::namespace());
    m.insert("string", string::namespace());
    m.insert("file", file::namespace());
    // The aliases are the namespaced functions under their old names.
    let member = |ns: &Value, name: &str| match ns {
        Value::Object(o) => o.get(name).cloned().unwrap_or_default(),
        _ => Value::Null,
    };
    let aliases: [(&'static str, &str, &str); 16] = [
        ("env", "sys", "env"),
        ("nonsensitive", "convert", "nonsensitive"),
        ("concat", "array", "concat"),
        ("json_decode", "encoding", "from_json"),
        ("yaml_decode", "encoding", "from_yaml"),
        ("base64_decode", "encoding", "from_base64"),
        ("format", "string", "format"),
        ("join", "string", "join"),
        ("replace", "string", "replace"),
        ("split", "string", "split"),
        ("to_lower", "string", "to_lower"),
        ("to_upper", "string", "to_upper"),
        ("trim", "string", "trim"),
        ("trim_prefix", "string", "trim_prefix"),
        ("trim_suffix", "string", "trim_suffix"),
        ("trim_space", "string", "trim_space"),
    ];
    for (alias, ns, name) in aliases {
        let value = m.get(ns).map(|v| member(v, name)).unwrap_or_default();
        m.insert(alias, value);
    }
    m
});

/// The value of a standard-library identifier (a namespace object, a function
/// or a constant), if `name` is one.
pub fn identifier(name: &str) -> Option<Value> {
    identifier_ref(name).cloned()
}

/// Like [`identifier`], without copying the value.
pub fn identifier_ref(name: &str) -> Option<&'static Value> {
    IDENTIFIERS.get(name)
}

/// Whether `name` is a top-level standard-library identifier.
pub fn is_identifier(name: &str) -> bool {
    IDENTIFIERS.contains_key(name)
}

/// Whether `name` is a deprecated top-level alias.
pub fn is_deprecated(name: &str) -> bool {
    DEPRECATED.contains(&name)
}

/// Whether the dotted `full_name` (e.g. `array.combine_maps`) is experimental.
pub fn is_experimental(full_name: &str) -> bool {
    EXPERIMENTAL.contains(&full_name)
}

/// `coalesce(...)`: the first argument that is not null, not a zero value and
/// not empty; else the last argument; `null` with no arguments.
fn coalesce(args: &[Value]) -> Result<Value, CallError> {
    let found = args.iter().find(|v| !is_empty_for_coalesce(v));
    Ok(found.or(args.last()).cloned().unwrap_or_default())
}

/// Go's `IsZero` plus the empty-collection rule coalesce adds.
fn is_empty_for_coalesce(v: &Value) -> bool {
    use crate::value::{Number, OptionalSecret, Secret};
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        // `IsZero` tests the bits, so -0.0 is not zero.
        Value::Number(Number::Float(f)) => f.to_bits() == 0,
        Value::Number(n) => n.is_zero(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Function(_) => false,
        Value::Capsule(c) => {
            if let Some(s) = c.downcast_ref::<Secret>() {
                return s.expose().is_empty();
            }
            if let Some(o) = c.downcast_ref::<OptionalSecret>() {
                return *o == OptionalSecret::default();
            }
            c.0.as_object().is_some_and(|o| o.is_empty())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_knows_names_aliases_and_levels() {
        for name in [
            "constants",
            "coalesce",
            "json_path",
            "sys",
            "convert",
            "array",
            "encoding",
            "string",
            "file",
        ] {
            assert!(is_identifier(name), "{name}");
        }
        for alias in DEPRECATED {
            assert!(is_identifier(alias), "{alias}");
            assert!(
                matches!(identifier(alias), Some(Value::Function(_))),
                "{alias}"
            );
        }
        assert!(!is_deprecated("sys"));
        assert!(is_experimental("array.combine_maps"));
        assert!(is_experimental("array.group_by"));
        assert!(!is_experimental("array.concat"));
        assert!(!is_identifier("local"));
    }

    #[test]
    fn coalesce_rules() {
        let c = |args: Vec<Value>| coalesce(&args).unwrap();
        assert!(c(vec![]).is_null());
        assert!(
            matches!(c(vec![Value::int(0), Value::int(1), Value::int(2)]), Value::Number(n) if n.as_i64() == 1)
        );
        assert!(matches!(
            c(vec![Value::Bool(false), Value::Bool(true)]),
            Value::Bool(true)
        ));
        assert!(c(vec![Value::Array(vec![]), Value::Null]).is_null());
        assert!(matches!(
            c(vec![Value::Object(Object::new()), Value::Bool(false)]),
            Value::Bool(false)
        ));
        assert!(
            matches!(c(vec![Value::string(""), Value::string("x")]), Value::String(s) if s == "x")
        );
        assert!(matches!(
            c(vec![Value::secret(""), Value::int(3)]),
            Value::Number(_)
        ));
    }
}
