//! `string`: Go's `strings` functions and `fmt.Sprintf`.

use super::{args, format, func, object_of, variadic};
use crate::value::{CallError, Value};

pub fn namespace() -> Value {
    object_of(vec![
        ("format", variadic("string.format", 1, format::sprintf)),
        ("join", func("string.join", 2, join)),
        ("replace", func("string.replace", 3, replace)),
        ("split", func("string.split", 2, split)),
        ("to_lower", func("string.to_lower", 1, to_lower)),
        ("to_upper", func("string.to_upper", 1, to_upper)),
        ("trim", func("string.trim", 2, trim)),
        ("trim_prefix", func("string.trim_prefix", 2, trim_prefix)),
        ("trim_suffix", func("string.trim_suffix", 2, trim_suffix)),
        ("trim_space", func("string.trim_space", 1, trim_space)),
    ])
}

fn join(a: &[Value]) -> Result<Value, CallError> {
    let items = args::string_list(a, 0)?;
    Ok(Value::String(items.join(&args::string(a, 1)?)))
}

/// Go's `strings.ReplaceAll`; an empty `old` inserts `new` around every rune.
fn replace(a: &[Value]) -> Result<Value, CallError> {
    let (s, old, new) = (
        args::string(a, 0)?,
        args::string(a, 1)?,
        args::string(a, 2)?,
    );
    if !old.is_empty() {
        return Ok(Value::String(s.replace(&old, &new)));
    }
    let mut out = new.clone();
    for c in s.chars() {
        out.push(c);
        out.push_str(&new);
    }
    Ok(Value::String(out))
}

/// Go's `strings.Split`: `split("", ",") == [""]`; an empty separator splits
/// into runes.
fn split(a: &[Value]) -> Result<Value, CallError> {
    let (s, sep) = (args::string(a, 0)?, args::string(a, 1)?);
    let parts: Vec<Value> = if sep.is_empty() {
        s.chars().map(|c| Value::String(c.to_string())).collect()
    } else {
        s.split(sep.as_str()).map(Value::string).collect()
    };
    Ok(Value::Array(parts))
}

/// Go maps case rune by rune with the simple (one-rune) Unicode mapping; a rune
/// whose full mapping has several runes keeps Go's simple form.
fn map_case(s: &str, upper: bool) -> String {
    s.chars()
        .map(|c| {
            let mut mapped: Vec<char> = if upper {
                c.to_uppercase().collect()
            } else {
                c.to_lowercase().collect()
            };
            match (mapped.len(), c) {
                (1, _) => mapped.pop().unwrap_or(c),
                // The one multi-rune lowercase mapping with a simple form.
                (_, '\u{130}') => 'i',
                _ => c,
            }
        })
        .collect()
}

fn to_lower(a: &[Value]) -> Result<Value, CallError> {
    Ok(Value::String(map_case(&args::string(a, 0)?, false)))
}

fn to_upper(a: &[Value]) -> Result<Value, CallError> {
    Ok(Value::String(map_case(&args::string(a, 0)?, true)))
}

/// Go's `strings.Trim`: drop runes found in `cutset` from both ends.
fn trim(a: &[Value]) -> Result<Value, CallError> {
    let (s, cutset) = (args::string(a, 0)?, args::string(a, 1)?);
    Ok(Value::string(s.trim_matches(|c| cutset.contains(c))))
}

fn trim_prefix(a: &[Value]) -> Result<Value, CallError> {
    let (s, prefix) = (args::string(a, 0)?, args::string(a, 1)?);
    Ok(Value::string(s.strip_prefix(prefix.as_str()).unwrap_or(&s)))
}

fn trim_suffix(a: &[Value]) -> Result<Value, CallError> {
    let (s, suffix) = (args::string(a, 0)?, args::string(a, 1)?);
    Ok(Value::string(s.strip_suffix(suffix.as_str()).unwrap_or(&s)))
}

/// Unicode white space at both ends (Go's `unicode.IsSpace` is the same set as
/// Rust's `char::is_whitespace`).
fn trim_space(a: &[Value]) -> Result<Value, CallError> {
    Ok(Value::string(args::string(a, 0)?.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::string(v)
    }

    fn text(r: Result<Value, CallError>) -> String {
        match r.unwrap() {
            Value::String(s) => s,
            other => panic!("{other:?}"),
        }
    }

    fn list(r: Result<Value, CallError>) -> Vec<String> {
        match r.unwrap() {
            Value::Array(items) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => s,
                    other => panic!("{other:?}"),
                })
                .collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn split_and_join() {
        assert_eq!(list(split(&[s("/aaa/bbb"), s("/")])), ["", "aaa", "bbb"]);
        assert_eq!(list(split(&[s(""), s(",")])), [""]);
        assert_eq!(list(split(&[s("ab"), s("")])), ["a", "b"]);
        let ints = Value::Array(vec![Value::int(0), Value::int(0), Value::int(1)]);
        assert_eq!(text(join(&[ints, s(", ")])), "0, 0, 1");
        assert_eq!(text(join(&[Value::Null, s(",")])), "");
        let bad = Value::Array(vec![s("a"), Value::Bool(true)]);
        let e = join(&[bad, s(",")]).unwrap_err();
        assert_eq!(e.message, "should be string, got bool");
        assert_eq!(e.arg, Some(0));
        assert_eq!(e.path, vec![crate::value::PathStep::Index(1)]);
        let e = join(&[s("x"), s(",")]).unwrap_err();
        assert_eq!(e.message, "should be array, got string");
    }

    #[test]
    fn replace_trim_and_case() {
        assert_eq!(
            text(replace(&[s("Hello World"), s(" World"), s("!")])),
            "Hello!"
        );
        assert_eq!(text(replace(&[s("ab"), s(""), s("-")])), "-a-b-");
        assert_eq!(text(trim(&[s("?!hello?!"), s("!?")])), "hello");
        assert_eq!(
            text(trim(&[s("   hello! world.!  "), s("! ")])),
            "hello! world."
        );
        assert_eq!(text(trim_prefix(&[s("helloworld"), s("hello")])), "world");
        assert_eq!(text(trim_prefix(&[s("helloworld"), s("x")])), "helloworld");
        assert_eq!(text(trim_suffix(&[s("helloworld"), s("world")])), "hello");
        assert_eq!(text(trim_space(&[s("   string \n\n")])), "string");
        assert_eq!(text(trim_space(&[s("\u{a0}x\u{3000}")])), "x");
        assert_eq!(text(to_lower(&[s("String")])), "string");
        assert_eq!(text(to_upper(&[s("straße")])), "STRAßE");
        assert_eq!(text(to_lower(&[s("İ")])), "i");
        assert_eq!(text(to_upper(&[Value::int(5)])), "5");
        let e = to_upper(&[Value::secret("x")]).unwrap_err();
        assert_eq!(e.message, "secrets may not be converted into strings");
    }
}
