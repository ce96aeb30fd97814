//! Hand-built evaluated bodies for the decode tests, so they do not depend on
//! the parser and evaluator. Positions are byte offsets chosen by each test.

#![allow(dead_code)] // each test file uses a different part

use syntax::ast::{ArrayExpr, Expr, Ident, LiteralExpr, ObjectExpr, ObjectField};
use syntax::diag::SpanError;
use syntax::evaluated::{Entry, EvaluatedAttribute, EvaluatedBlock, EvaluatedBody};
use syntax::pos::{Pos, Span};
use syntax::token::Token;
use syntax::value::Value;

pub fn body(entries: Vec<Entry>) -> EvaluatedBody {
    EvaluatedBody { entries }
}

/// A literal expression written `text` at `pos`.
pub fn lit(pos: u32, text: &str) -> Expr {
    Expr::Literal(LiteralExpr {
        kind: Token::String,
        pos: Pos(pos),
        value: text.to_string(),
    })
}

/// A reference to `name` at `pos`.
pub fn ident(pos: u32, name: &str) -> Expr {
    Expr::Identifier(Ident {
        name: name.to_string(),
        pos: Pos(pos),
    })
}

/// How a scalar value would be written as a literal.
fn literal_text(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Number(_) => syntax::value::convert::to_string(v).unwrap_or_default(),
        Value::Bool(b) => b.to_string(),
        _ => "null".to_string(),
    }
}

pub fn array(lbrack: u32, rbrack: u32, elements: Vec<Expr>) -> Expr {
    Expr::Array(ArrayExpr {
        elements,
        lbrack: Pos(lbrack),
        rbrack: Pos(rbrack),
    })
}

pub fn object(lcurly: u32, rcurly: u32, fields: Vec<(&str, u32, Expr)>) -> Expr {
    Expr::Object(ObjectExpr {
        fields: fields
            .into_iter()
            .map(|(name, pos, value)| ObjectField {
                name: Ident {
                    name: name.to_string(),
                    pos: Pos(pos),
                },
                quoted: false,
                value,
            })
            .collect(),
        lcurly: Pos(lcurly),
        rcurly: Pos(rcurly),
    })
}

/// `name = value` at `pos`, the value written as `expr`.
pub fn attr_expr(pos: u32, name: &str, value: Value, expr: Expr) -> Entry {
    let end = expr.end();
    Entry::Attribute(EvaluatedAttribute {
        name: name.to_string(),
        span: Span::new(Pos(pos), end),
        value,
        expr,
    })
}

/// `name = value` at `pos`, the value written as a literal right after `name = `.
pub fn attr_at(pos: u32, name: &str, value: Value) -> Entry {
    let value_pos = pos + name.len() as u32 + 3;
    let expr = lit(value_pos, &literal_text(&value));
    attr_expr(pos, name, value, expr)
}

pub fn attr(name: &str, value: Value) -> Entry {
    attr_at(0, name, value)
}

/// `name "label" { ... }` spanning `start..=end`.
pub fn block_at(start: u32, end: u32, name: &str, label: &str, entries: Vec<Entry>) -> Entry {
    Entry::Block(EvaluatedBlock {
        name: name.to_string(),
        label: label.to_string(),
        span: Span::new(Pos(start), Pos(end)),
        body: body(entries),
    })
}

pub fn block(name: &str, entries: Vec<Entry>) -> Entry {
    block_at(0, 0, name, "", entries)
}

pub fn labeled(name: &str, label: &str, entries: Vec<Entry>) -> Entry {
    block_at(0, 0, name, label, entries)
}

pub fn messages(errors: &[SpanError]) -> Vec<String> {
    errors.iter().map(|e| e.message.clone()).collect()
}

pub fn span(start: u32, end: u32) -> Span {
    Span::new(Pos(start), Pos(end))
}

pub fn s(text: &str) -> Value {
    Value::string(text)
}

pub fn n(i: i64) -> Value {
    Value::int(i)
}

pub fn arr(items: Vec<Value>) -> Value {
    Value::Array(items)
}

pub fn obj(entries: Vec<(&str, Value)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}
