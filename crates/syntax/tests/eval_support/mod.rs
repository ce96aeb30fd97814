//! Helpers shared by the evaluator tests: parse with the real parser, evaluate,
//! and render results and errors as short comparable text.

#![allow(dead_code)]

use syntax::SourceFile;
use syntax::eval::{self, Scope};
use syntax::parser;
use syntax::value::{Number, Value};

/// A value as compact text that keeps number kinds: `int 3`, `float 0.6`,
/// `"s"`, `[int 1, "a"]`, `{a: int 1}`, `capsule(...)`.
pub fn render(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Number(Number::Int(i)) => format!("int {i}"),
        Value::Number(Number::Uint(u)) => format!("uint {u}"),
        Value::Number(Number::Float(f)) => format!("float {}", Number::Float(*f)),
        Value::String(s) => format!("{s:?}"),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(render).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(o) => {
            let parts: Vec<String> = o
                .iter()
                .map(|(k, v)| format!("{k}: {}", render(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        Value::Function(f) => format!("function({})", f.name),
        Value::Capsule(c) => format!("capsule({:?})", c),
    }
}

/// Evaluate `src` as one expression in `scope`: the rendered value, or
/// `line:col: message` for an error (parse errors fail the test).
pub fn eval_in(src: &str, scope: &Scope) -> String {
    let file = SourceFile::new("", src.as_bytes());
    let expr = match parser::parse_expression(&file) {
        Ok(e) => e,
        Err(d) => panic!("{src:?} does not parse: {d}"),
    };
    match eval::eval_expr(&expr, scope) {
        Ok(v) => render(&v),
        Err(e) => {
            let p = file.position(e.span.start);
            format!("{}:{}: {}", p.line, p.column, e.message)
        }
    }
}

/// Evaluate in an empty scope allowing experimental features.
pub fn eval(src: &str) -> String {
    eval_in(
        src,
        &Scope::new().with_min_stability(syntax::stability::Stability::Experimental),
    )
}
