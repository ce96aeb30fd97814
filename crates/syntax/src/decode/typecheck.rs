//! Checking a block body against a [`Schema`] without evaluating the config, as
//! `alloy validate` does (Alloy's `syntax/typecheck`): names, block counts,
//! required fields, and the values of constant attributes (literals, and arrays,
//! objects and operators made only of literals), which are decoded into the
//! attribute's type so that the errors are the ones decoding would give.
//! Attributes that refer to anything are left to run time.

use super::schema::{Check, FieldKind, Occurs, Schema};
use crate::ast::{BlockStmt, Expr, Stmt};
use crate::diag::SpanError;
use crate::eval::{Scope, eval_expr};
use crate::pos::Span;
use std::collections::{HashMap, HashSet};

/// Checks the statements of a block against `schema`; `block` is where errors
/// about the body as a whole (missing required fields) point.
pub fn typecheck(schema: &Schema, body: &[&Stmt], block: Span) -> Vec<SpanError> {
    let mut errors = Vec::new();
    check_body(schema, body, block, &mut errors);
    errors
}

fn check_body(schema: &Schema, body: &[&Stmt], span: Span, errors: &mut Vec<SpanError>) {
    if schema.any_attributes.is_some() {
        // Blocks decoded into maps: nothing is checked inside.
        return;
    }
    let mut block_count: HashMap<String, usize> = HashMap::new();
    for stmt in body {
        if let Stmt::Block(b) = stmt {
            *block_count.entry(b.full_name()).or_default() += 1;
        }
    }
    let mut seen_attrs = HashSet::new();
    for stmt in body {
        match stmt {
            Stmt::Attribute(a) => {
                let name = a.name.name.as_str();
                let message = match schema.field(name).map(|f| &f.kind) {
                    None => format!("unrecognized attribute name {name:?}"),
                    Some(FieldKind::Block { .. } | FieldKind::Enum { .. }) => {
                        format!("{name:?} must be a block, but is used as an attribute")
                    }
                    Some(FieldKind::Attr { .. }) if !seen_attrs.insert(name) => {
                        format!("attribute {name:?} may only be provided once")
                    }
                    Some(FieldKind::Attr { check, .. }) => {
                        check_constant(&a.value, *check, errors);
                        continue;
                    }
                };
                errors.push(SpanError::new(stmt.span(), message));
            }
            Stmt::Block(b) => check_block(schema, b, &block_count, errors),
        }
    }
    for f in schema.required() {
        let message = match f.kind {
            FieldKind::Attr { .. } if !seen_attrs.contains(f.name.as_str()) => {
                format!("missing required attribute {:?}", f.name)
            }
            FieldKind::Block { .. } if !block_count.contains_key(&f.name) => {
                format!("missing required block {:?}", f.name)
            }
            _ => continue,
        };
        errors.push(SpanError::new(span, message));
    }
}

fn check_block(
    schema: &Schema,
    b: &BlockStmt,
    block_count: &HashMap<String, usize>,
    errors: &mut Vec<SpanError>,
) {
    let name = b.full_name();
    let span = Span::new(b.name_pos, b.rcurly);
    let inner: Vec<&Stmt> = b.body.iter().collect();
    if let Some((_, member)) = schema.enum_member(&name) {
        return check_nested(&member.body, b, &inner, errors);
    }
    let (occurs, body) = match schema.field(&name).map(|f| &f.kind) {
        None => {
            errors.push(SpanError::new(
                span,
                format!("unrecognized block name {name:?}"),
            ));
            return;
        }
        Some(FieldKind::Attr { .. }) => {
            errors.push(SpanError::new(
                span,
                format!("{name:?} must be an attribute, but is used as a block"),
            ));
            return;
        }
        Some(FieldKind::Enum { .. }) => {
            errors.push(SpanError::new(
                span,
                format!("unrecognized block name {name:?}"),
            ));
            return;
        }
        Some(FieldKind::Block { occurs, body }) => (occurs, body),
    };
    let count = block_count.get(&name).copied().unwrap_or(0);
    let message = match *occurs {
        Occurs::Once if count > 1 => format!("block {name:?} may only be specified once"),
        Occurs::Exactly(n) if count != n => format!(
            "block {name:?} must be specified exactly {n} times, but was specified {count} times"
        ),
        _ => return check_nested(body, b, &inner, errors),
    };
    errors.push(SpanError::new(span, message));
}

fn check_nested(body: &Schema, b: &BlockStmt, inner: &[&Stmt], errors: &mut Vec<SpanError>) {
    if body.any_attributes.is_some() && !b.label.is_empty() {
        let end = b.name_pos.shift(b.full_name().len() as isize - 1);
        errors.push(SpanError::new(
            Span::new(b.name_pos, end),
            format!("block {:?} requires empty label", b.full_name()),
        ));
    }
    check_body(body, inner, Span::new(b.name_pos, b.rcurly), errors);
}

/// Whether `expr` is made of literals only, so it has one value whatever the scope.
fn is_constant(expr: &Expr) -> bool {
    match expr {
        Expr::Literal(_) => true,
        Expr::Array(a) => a.elements.iter().all(is_constant),
        Expr::Object(o) => o.fields.iter().all(|f| is_constant(&f.value)),
        Expr::Unary(u) => is_constant(&u.value),
        Expr::Binary(b) => is_constant(&b.left) && is_constant(&b.right),
        Expr::Paren(p) => is_constant(&p.inner),
        Expr::Identifier(_) | Expr::Access(_) | Expr::Index(_) | Expr::Call(_) => false,
    }
}

/// Decodes a constant attribute value as decoding would, reporting its error.
fn check_constant(expr: &Expr, check: Check, errors: &mut Vec<SpanError>) {
    if !is_constant(expr) {
        return;
    }
    match eval_expr(expr, &Scope::new()) {
        Ok(value) => {
            if let Err(e) = check.run(&value) {
                errors.push(e.locate_bare(expr));
            }
        }
        Err(e) => errors.push(e),
    }
}
