//! An evaluated block body: what the evaluator hands to typed decoding.
//!
//! Attribute values are already evaluated; nested blocks are kept as blocks so
//! decoding can tell blocks from attributes and report Alloy's errors about them.
//! Every entry keeps the source range (and, for attributes, the expression) it came
//! from, so decoding errors point at the right text.

use crate::ast::Expr;
use crate::pos::Span;
use crate::value::Value;

#[derive(Clone, Debug, Default)]
pub struct EvaluatedBody {
    pub entries: Vec<Entry>,
}

#[derive(Clone, Debug)]
pub enum Entry {
    Attribute(EvaluatedAttribute),
    Block(EvaluatedBlock),
}

#[derive(Clone, Debug)]
pub struct EvaluatedAttribute {
    pub name: String,
    /// The whole statement, `name = value`.
    pub span: Span,
    pub value: Value,
    /// The expression the value came from, for error messages.
    pub expr: Expr,
}

#[derive(Clone, Debug)]
pub struct EvaluatedBlock {
    /// The dot-joined block name, e.g. `stage.json`.
    pub name: String,
    /// The label without quotes; empty when absent.
    pub label: String,
    /// From the first character of the name to the closing brace.
    pub span: Span,
    pub body: EvaluatedBody,
}
