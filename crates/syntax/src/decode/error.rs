//! Errors from converting one value, and how they are pinned to source text.
//!
//! A value error remembers the path (array indexes, object keys) from the
//! attribute's value down to the offending part. When the attribute's expression
//! is a literal along that path, the error points at the literal sub-expression,
//! as Alloy does (`targets = [10]` reports at the `10`).
//!
//! Alloy words these errors two ways: decoding evaluated arguments puts the
//! expression's text first and says `should be` (its `vm`), while `alloy
//! validate` gives the bare value error (`expected array, got string`). The
//! [`Display`](fmt::Display) text is the bare one.

use crate::ast::Expr;
use crate::diag::SpanError;
use crate::eval::expr_text;
use crate::value::ops::type_error_message;
use crate::value::{Type, Value};
use std::fmt;

/// One step from a value into a part of it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum PathSeg {
    Index(usize),
    Field(String),
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ValueErrorKind {
    /// The value has the wrong type: `expected array, got string`.
    Type { expected: Type, got: Type },
    /// An object key names no field of the target struct.
    MissingKey(String),
    /// Any other conversion failure, already worded.
    Message(String),
}

/// A failure to convert a value (or a part of it) into a Rust type.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ValueError {
    /// From the outermost value inwards.
    pub path: Vec<PathSeg>,
    pub kind: ValueErrorKind,
}

impl ValueError {
    pub fn type_mismatch(expected: Type, got: &Value) -> ValueError {
        ValueError::new(ValueErrorKind::Type {
            expected,
            got: got.ty(),
        })
    }

    pub fn message(message: impl Into<String>) -> ValueError {
        ValueError::new(ValueErrorKind::Message(message.into()))
    }

    pub fn missing_key(key: impl Into<String>) -> ValueError {
        ValueError::new(ValueErrorKind::MissingKey(key.into()))
    }

    fn new(kind: ValueErrorKind) -> ValueError {
        ValueError {
            path: Vec::new(),
            kind,
        }
    }

    /// The same error, found inside element `i` of an array.
    pub fn in_index(mut self, i: usize) -> ValueError {
        self.path.insert(0, PathSeg::Index(i));
        self
    }

    /// The same error, found inside field `key` of an object.
    pub fn in_field(mut self, key: impl Into<String>) -> ValueError {
        self.path.insert(0, PathSeg::Field(key.into()));
        self
    }

    /// The diagnostic Alloy gives when decoding an evaluated value fails: it
    /// points at `expr` (the expression the value came from), or at the array
    /// element or object field literal inside it that holds the bad part, and
    /// starts with that expression's text and the rest of the path:
    /// `"wrong" should be array, got string`, `env.list[2] should be number, got string`.
    pub fn locate(&self, expr: &Expr) -> SpanError {
        let (node, rest) = descend(expr, &self.path);
        let message = match &self.kind {
            ValueErrorKind::Type { expected, got } => type_error_message(*expected, *got),
            ValueErrorKind::MissingKey(key) => format!("does not have field named {key:?}"),
            ValueErrorKind::Message(m) => m.clone(),
        };
        SpanError::new(
            node.span(),
            format!("{}{} {message}", expr_text(node), path_text(rest)),
        )
    }

    /// The diagnostic `alloy validate` gives for a constant value: the same
    /// place, the bare message (`expected array, got string`).
    pub fn locate_bare(&self, expr: &Expr) -> SpanError {
        let (node, rest) = descend(expr, &self.path);
        let message = if rest.is_empty() {
            self.to_string()
        } else {
            format!("{} {self}", path_text(rest))
        };
        SpanError::new(node.span(), message)
    }
}

impl fmt::Display for ValueError {
    /// The message alone, worded as Alloy's value errors.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ValueErrorKind::Type { expected, got } => write!(f, "expected {expected}, got {got}"),
            ValueErrorKind::MissingKey(key) => write!(f, "key {key:?} does not exist"),
            ValueErrorKind::Message(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for ValueError {}

/// The deepest literal sub-expression of `expr` on `path`, and the rest of the path.
fn descend<'e, 'p>(expr: &'e Expr, path: &'p [PathSeg]) -> (&'e Expr, &'p [PathSeg]) {
    let Some((seg, rest)) = path.split_first() else {
        return (expr, path);
    };
    let inner = match (unparen(expr), seg) {
        (Expr::Array(a), PathSeg::Index(i)) => a.elements.get(*i),
        (Expr::Object(o), PathSeg::Field(k)) => o
            .fields
            .iter()
            .rev()
            .find(|f| &f.name.name == k)
            .map(|f| &f.value),
        _ => None,
    };
    match inner {
        Some(inner) => descend(inner, rest),
        None => (expr, path),
    }
}

fn unparen(expr: &Expr) -> &Expr {
    match expr {
        Expr::Paren(p) => unparen(&p.inner),
        e => e,
    }
}

/// `[2].name`, as Alloy prints an access path below an expression.
fn path_text(path: &[PathSeg]) -> String {
    path.iter()
        .map(|seg| match seg {
            PathSeg::Index(i) => format!("[{i}]"),
            PathSeg::Field(k) => format!(".{k}"),
        })
        .collect()
}
