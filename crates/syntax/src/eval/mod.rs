//! The evaluator: expressions to [`Value`]s, block bodies to [`EvaluatedBody`].
//!
//! Errors are worded and positioned as Alloy's: an error about a value is shown
//! after the text of the expression that produced it (`"a" should be array, got
//! string`) and points at that expression. Alloy cannot place errors about a
//! `null` value (it never records where nulls came from), so those keep its
//! message shape — a leading space where the text would be — while we still
//! point at the expression.
//!
//! String literals are decoded with [`crate::scanner::unquote`], which yields
//! bytes (`"\xff"` is one raw byte); our strings are UTF-8, so invalid sequences
//! become U+FFFD.

mod scope;
mod text;

pub use scope::Scope;
pub use text::expr_text;

use crate::ast::{self, Expr};
use crate::diag::SpanError;
use crate::evaluated::{Entry, EvaluatedAttribute, EvaluatedBlock, EvaluatedBody};
use crate::pos::Span;
use crate::stability::Stability;
use crate::stdlib;
use crate::token::Token;
use crate::value::number::{parse_float_literal, parse_int_literal};
use crate::value::ops::{self, Operand, type_error_message};
use crate::value::{CallError, Function, Object, PathStep, Type, Value};
use std::borrow::Cow;

/// Evaluate one expression.
pub fn eval_expr(expr: &Expr, scope: &Scope) -> Result<Value, SpanError> {
    eval_ref(expr, scope).map(Cow::into_owned)
}

/// Evaluate, borrowing from the scope along identifier, access and index
/// chains: `discovery.kubernetes.pods.targets` copies only the targets, not the
/// component's whole exports.
fn eval_ref<'s>(expr: &Expr, scope: &'s Scope) -> Result<Cow<'s, Value>, SpanError> {
    match expr {
        Expr::Identifier(i) => match scope.variable(&i.name) {
            Some(v) => Ok(Cow::Borrowed(v)),
            None => stdlib::identifier_ref(&i.name)
                .map(Cow::Borrowed)
                .ok_or_else(|| {
                    SpanError::new(
                        expr.span(),
                        format!("identifier {:?} does not exist", i.name),
                    )
                }),
        },
        Expr::Access(a) => access(expr, a, scope),
        Expr::Index(i) => index(i, scope),
        Expr::Paren(p) => eval_ref(&p.inner, scope),
        other => eval_owned(other, scope).map(Cow::Owned),
    }
}

/// Evaluate an expression that builds a new value.
fn eval_owned(expr: &Expr, scope: &Scope) -> Result<Value, SpanError> {
    match expr {
        Expr::Literal(l) => literal(l),
        Expr::Identifier(_) | Expr::Access(_) | Expr::Index(_) | Expr::Paren(_) => {
            eval_expr(expr, scope)
        }
        Expr::Array(a) => a
            .elements
            .iter()
            .map(|e| eval_expr(e, scope))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Expr::Object(o) => {
            let mut obj = Object::with_capacity(o.fields.len());
            for f in &o.fields {
                let v = eval_expr(&f.value, scope)?;
                // A repeated key keeps its first position and takes the last value.
                obj.insert(f.name.name.clone(), v);
            }
            Ok(Value::Object(obj))
        }
        Expr::Call(c) => call(c, scope),
        Expr::Unary(u) => {
            let v = eval_ref(&u.value, scope)?;
            ops::unary_op(u.kind, &v).map_err(|m| value_error(&u.value, &v, &m))
        }
        Expr::Binary(b) => {
            // Both sides are always evaluated: Alloy has no short-circuit.
            let l = eval_ref(&b.left, scope)?;
            let r = eval_ref(&b.right, scope)?;
            ops::binary_op(&l, b.kind, &r).map_err(|e| match e.operand {
                Operand::Lhs => value_error(&b.left, &l, &e.message),
                Operand::Rhs => value_error(&b.right, &r, &e.message),
            })
        }
    }
}

/// An error about `value`, produced by `expr`: `<expr text> <message>`.
fn value_error(expr: &Expr, value: &Value, message: &str) -> SpanError {
    SpanError::new(expr.span(), prefixed(expr, value, "", message))
}

/// Alloy's message shape: the producing expression's text, any relative access
/// path (`[2]`, `.key`), then the message. A `null` value is never tied to its
/// expression in Alloy, so only the path stays.
fn prefixed(expr: &Expr, value: &Value, path: &str, message: &str) -> String {
    if value.is_null() {
        format!("{path} {message}")
    } else {
        format!("{}{path} {message}", expr_text(expr))
    }
}

fn literal(l: &ast::LiteralExpr) -> Result<Value, SpanError> {
    let span = Span::new(l.pos, l.pos.shift(l.value.len() as isize - 1));
    let fail = |message: String| SpanError::new(span, message);
    // The lexer only produces well-formed numbers, so the one way to fail is
    // Go's range error.
    let out_of_range = || {
        fail(format!(
            "strconv.ParseFloat: parsing {:?}: value out of range",
            l.value
        ))
    };
    match l.kind {
        Token::Null => Ok(Value::Null),
        Token::Bool => match l.value.as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            other => Err(fail(format!("invalid boolean literal {other:?}"))),
        },
        Token::Number => parse_int_literal(&l.value)
            .map(Value::Number)
            .ok_or_else(out_of_range),
        Token::Float => parse_float_literal(&l.value)
            .map(Value::Number)
            .ok_or_else(out_of_range),
        Token::String => crate::scanner::unquote(&l.value)
            .map(|bytes| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
            .map_err(fail),
        other => Err(fail(format!("{other} is not a valid literal"))),
    }
}

fn access<'s>(
    expr: &Expr,
    a: &ast::AccessExpr,
    scope: &'s Scope,
) -> Result<Cow<'s, Value>, SpanError> {
    check_stability(expr, scope)?;
    let base = eval_ref(&a.value, scope)?;
    let name = &a.name.name;
    let missing = || {
        SpanError::new(
            Span::new(a.name.pos, a.name.end()),
            format!("field {name:?} does not exist"),
        )
    };
    match base {
        Cow::Borrowed(Value::Object(o)) => o.get(name).map(Cow::Borrowed).ok_or_else(missing),
        Cow::Owned(Value::Object(mut o)) => o.swap_remove(name).map(Cow::Owned).ok_or_else(missing),
        other => match capsule_object(&a.value, &other)? {
            Some(mut o) => o.swap_remove(name).map(Cow::Owned).ok_or_else(missing),
            None => Err(value_error(
                &a.value,
                &other,
                &format!(
                    "cannot access field {name:?} on value of type {}",
                    other.ty()
                ),
            )),
        },
    }
}

/// Refuse a standard-library function whose stability is below the scope's
/// minimum (only when the name really resolves to the standard library).
fn check_stability(expr: &Expr, scope: &Scope) -> Result<(), SpanError> {
    let Some(name) = text::traversal_name(expr) else {
        return Ok(());
    };
    let first = name.split('.').next().unwrap_or_default();
    if scope.variable(first).is_some() || !stdlib::is_experimental(&name) {
        return Ok(());
    }
    Stability::Experimental
        .check_allowed(scope.min_stability(), &name)
        .map_err(|m| SpanError::new(expr.span(), m))
}

fn index<'s>(i: &ast::IndexExpr, scope: &'s Scope) -> Result<Cow<'s, Value>, SpanError> {
    let base = eval_ref(&i.value, scope)?;
    let idx = eval_ref(&i.index, scope)?;
    match base {
        Cow::Borrowed(Value::Array(items)) => array_index(items, i, &idx).map(Cow::Borrowed),
        Cow::Owned(Value::Array(items)) => {
            array_index(&items, i, &idx).map(|v| Cow::Owned(v.clone()))
        }
        Cow::Borrowed(Value::Object(o)) => object_index(o, i, &idx).map(Cow::Borrowed),
        Cow::Owned(Value::Object(o)) => object_index(&o, i, &idx).map(|v| Cow::Owned(v.clone())),
        other => match capsule_object(&i.value, &other)? {
            Some(o) => object_index(&o, i, &idx).map(|v| Cow::Owned(v.clone())),
            None => Err(value_error(
                &i.value,
                &other,
                &format!("expected object or array, got {}", other.ty()),
            )),
        },
    }
}

/// The object view of a capsule value (`None` for non-capsules); a capsule
/// without one cannot be accessed.
fn capsule_object(expr: &Expr, v: &Value) -> Result<Option<Object>, SpanError> {
    let Value::Capsule(c) = v else {
        return Ok(None);
    };
    c.0.as_object().map(Some).ok_or_else(|| {
        value_error(
            expr,
            v,
            "expected object or array or a capsule convertible to an object, got capsule",
        )
    })
}

/// `arr[n]`: the index must be a number (truncated to an integer) in range.
fn array_index<'v>(
    items: &'v [Value],
    i: &ast::IndexExpr,
    idx: &Value,
) -> Result<&'v Value, SpanError> {
    let Value::Number(n) = idx else {
        return Err(value_error(
            &i.index,
            idx,
            &type_error_message(Type::Number, idx.ty()),
        ));
    };
    let at = n.as_i64();
    usize::try_from(at)
        .ok()
        .and_then(|u| items.get(u))
        .ok_or_else(|| {
            let message = format!(
                "index {at} is out of range of array with length {}",
                items.len()
            );
            value_error(&i.index, idx, &message)
        })
}

/// `obj["key"]`: a missing key is `null`, not an error.
fn object_index<'v>(
    o: &'v Object,
    i: &ast::IndexExpr,
    idx: &Value,
) -> Result<&'v Value, SpanError> {
    static NULL: Value = Value::Null;
    match idx {
        Value::String(k) => Ok(o.get(k).unwrap_or(&NULL)),
        other => Err(value_error(
            &i.index,
            other,
            &type_error_message(Type::String, other.ty()),
        )),
    }
}

fn call(c: &ast::CallExpr, scope: &Scope) -> Result<Value, SpanError> {
    let callee = eval_ref(&c.value, scope)?;
    let Value::Function(f) = &*callee else {
        return Err(value_error(
            &c.value,
            &callee,
            &type_error_message(Type::Function, callee.ty()),
        ));
    };
    let args = c
        .args
        .iter()
        .map(|e| eval_expr(e, scope))
        .collect::<Result<Vec<_>, _>>()?;
    check_arity(f, args.len()).map_err(|m| value_error(&c.value, &callee, &m))?;
    (f.call)(&args).map_err(|e| call_error(c, &callee, &args, e))
}

fn check_arity(f: &Function, got: usize) -> Result<(), String> {
    if f.variadic && got < f.arity {
        return Err(format!("expected at least {} args, got {got}", f.arity));
    }
    if !f.variadic && got != f.arity {
        return Err(format!("expected {} args, got {got}", f.arity));
    }
    Ok(())
}

/// Place a function's error: on the argument (or the element inside it) at
/// fault, on the function expression, or — for bare errors — on the whole call.
fn call_error(c: &ast::CallExpr, callee: &Value, args: &[Value], e: CallError) -> SpanError {
    if e.bare {
        let span = Span::new(c.value.start(), c.rparen);
        return SpanError::new(span, e.message);
    }
    let Some((expr, value)) = e.arg.and_then(|i| Some((c.args.get(i)?, args.get(i)?))) else {
        return value_error(&c.value, callee, &e.message);
    };
    // Follow the path through literal arrays and objects while the offending
    // value still has an expression of its own; the rest is printed as a path.
    let (mut expr, mut value) = (expr, value.clone());
    let mut rest = e.path.as_slice();
    while let Some((step, tail)) = rest.split_first() {
        let Some((next_expr, next_value)) = step_into(expr, &value, step) else {
            break;
        };
        (expr, value) = (next_expr, next_value);
        rest = tail;
    }
    let path: String = rest
        .iter()
        .map(|s| match s {
            PathStep::Index(i) => format!("[{i}]"),
            PathStep::Key(k) => format!(".{k}"),
        })
        .collect();
    SpanError::new(expr.span(), prefixed(expr, &value, &path, &e.message))
}

/// The literal sub-expression (and its value) one step inside `expr`.
fn step_into<'a>(expr: &'a Expr, value: &Value, step: &PathStep) -> Option<(&'a Expr, Value)> {
    match (expr, value, step) {
        (Expr::Array(a), Value::Array(items), PathStep::Index(i)) => {
            Some((a.elements.get(*i)?, items.get(*i)?.clone()))
        }
        (Expr::Object(o), Value::Object(obj), PathStep::Key(k)) => {
            let field = o.fields.iter().rev().find(|f| &f.name.name == k)?;
            Some((&field.value, obj.get(k)?.clone()))
        }
        _ => None,
    }
}

/// Evaluate every attribute of a body, recursing into nested blocks. All errors
/// are collected (one per failing attribute), in source order.
pub fn eval_body(body: &ast::Body, scope: &Scope) -> Result<EvaluatedBody, Vec<SpanError>> {
    let mut out = EvaluatedBody::default();
    let mut errors = Vec::new();
    for stmt in body {
        match stmt {
            ast::Stmt::Attribute(a) => match eval_expr(&a.value, scope) {
                Ok(value) => out.entries.push(Entry::Attribute(EvaluatedAttribute {
                    name: a.name.name.clone(),
                    span: stmt.span(),
                    value,
                    expr: a.value.clone(),
                })),
                Err(e) => errors.push(e),
            },
            ast::Stmt::Block(b) => match eval_body(&b.body, scope) {
                Ok(body) => out.entries.push(Entry::Block(EvaluatedBlock {
                    name: b.full_name(),
                    label: b.label.clone(),
                    span: stmt.span(),
                    body,
                })),
                Err(e) => errors.extend(e),
            },
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}
