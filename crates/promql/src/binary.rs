//! Binary operators: arithmetic, comparisons and set operators, with vector
//! matching (`on`, `ignoring`, `group_left`, `group_right`, `bool`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use model::labels::Labels;
use promql_parser::parser::token::*;
use promql_parser::parser::{BinModifier, BinaryExpr, LabelModifier, VectorMatchCardinality};

use crate::aggregate::project;
use crate::engine::{EvalResult, Evaluator, fail};
use crate::value::{Sample, Value};

/// Applies `op` to two floats; comparisons say whether the pair is kept and
/// yield the left value.
fn apply(op: TokenId, l: f64, r: f64) -> (f64, bool) {
    match op {
        T_ADD => (l + r, true),
        T_SUB => (l - r, true),
        T_MUL => (l * r, true),
        T_DIV => (l / r, true),
        T_POW => (l.powf(r), true),
        T_MOD => (go_mod(l, r), true),
        T_ATAN2 => (l.atan2(r), true),
        T_EQLC => (l, l == r),
        T_NEQ => (l, l != r),
        T_GTR => (l, l > r),
        T_LSS => (l, l < r),
        T_GTE => (l, l >= r),
        T_LTE => (l, l <= r),
        _ => (f64::NAN, false),
    }
}

/// Go's `math.Mod`: the result has the sign of `l`.
fn go_mod(l: f64, r: f64) -> f64 {
    if r == 0.0 || l.is_infinite() || l.is_nan() || r.is_nan() {
        f64::NAN
    } else {
        l % r
    }
}

fn is_comparison(op: TokenId) -> bool {
    matches!(op, T_EQLC | T_NEQ | T_GTR | T_LSS | T_GTE | T_LTE)
}

/// Arithmetic drops the metric name; comparisons keep it.
fn drops_name(op: TokenId) -> bool {
    matches!(op, T_ADD | T_SUB | T_MUL | T_DIV | T_POW | T_MOD | T_ATAN2)
}

/// The labels a sample is matched on.
fn signature(metric: &Labels, matching: Option<&LabelModifier>) -> Labels {
    match matching {
        Some(LabelModifier::Include(names)) => {
            project(metric, |n| names.labels.iter().any(|l| l == n))
        }
        Some(LabelModifier::Exclude(names)) => project(metric, |n| {
            n != "__name__" && !names.labels.iter().any(|l| l == n)
        }),
        None => project(metric, |n| n != "__name__"),
    }
}

fn include_labels(card: &VectorMatchCardinality) -> &[String] {
    match card {
        VectorMatchCardinality::ManyToOne(l) | VectorMatchCardinality::OneToMany(l) => &l.labels,
        _ => &[],
    }
}

impl Evaluator<'_> {
    pub(crate) fn eval_binary(&mut self, b: &BinaryExpr, t: i64) -> EvalResult<Value> {
        let op = b.op.id();
        let return_bool = b.modifier.as_ref().is_some_and(|m| m.return_bool);
        let lhs = self.eval(&b.lhs, t)?;
        let rhs = self.eval(&b.rhs, t)?;
        Ok(match (lhs, rhs) {
            (Value::Scalar(l), Value::Scalar(r)) => {
                let (v, keep) = apply(op, l, r);
                Value::Scalar(if is_comparison(op) {
                    if keep { 1.0 } else { 0.0 }
                } else {
                    v
                })
            }
            (Value::Vector(l), Value::Scalar(r)) => {
                Value::Vector(vector_scalar(op, l, r, false, return_bool, t))
            }
            (Value::Scalar(l), Value::Vector(r)) => {
                Value::Vector(vector_scalar(op, r, l, true, return_bool, t))
            }
            (Value::Vector(l), Value::Vector(r)) => {
                let modifier = b.modifier.clone().unwrap_or_default();
                Value::Vector(match op {
                    T_LAND => and_unless(l, &r, modifier.matching.as_ref(), true),
                    T_LUNLESS => and_unless(l, &r, modifier.matching.as_ref(), false),
                    T_LOR => or(l, r, modifier.matching.as_ref()),
                    _ => vector_vector(op, l, r, &modifier, return_bool, t)?,
                })
            }
            _ => return fail("binary operator on unsupported operand types"),
        })
    }
}

fn vector_scalar(
    op: TokenId,
    v: Vec<Sample>,
    scalar: f64,
    swap: bool,
    return_bool: bool,
    t: i64,
) -> Vec<Sample> {
    v.into_iter()
        .filter_map(|s| {
            let (l, r) = if swap { (scalar, s.v) } else { (s.v, scalar) };
            let (mut value, mut keep) = apply(op, l, r);
            // A comparison keeps the vector's value even when the scalar is on the left.
            if is_comparison(op) && swap {
                value = r;
            }
            if return_bool {
                value = if keep { 1.0 } else { 0.0 };
                keep = true;
            }
            keep.then(|| Sample {
                v: value,
                t,
                drop_name: s.drop_name || drops_name(op) || return_bool,
                metric: s.metric,
            })
        })
        .collect()
}

fn and_unless(
    l: Vec<Sample>,
    r: &[Sample],
    matching: Option<&LabelModifier>,
    and: bool,
) -> Vec<Sample> {
    let sigs: HashSet<Labels> = r.iter().map(|s| signature(&s.metric, matching)).collect();
    l.into_iter()
        .filter(|s| sigs.contains(&signature(&s.metric, matching)) == and)
        .collect()
}

fn or(mut l: Vec<Sample>, r: Vec<Sample>, matching: Option<&LabelModifier>) -> Vec<Sample> {
    let sigs: HashSet<Labels> = l.iter().map(|s| signature(&s.metric, matching)).collect();
    l.extend(
        r.into_iter()
            .filter(|s| !sigs.contains(&signature(&s.metric, matching))),
    );
    l
}

fn vector_vector(
    op: TokenId,
    lhs: Vec<Sample>,
    rhs: Vec<Sample>,
    modifier: &BinModifier,
    return_bool: bool,
    t: i64,
) -> EvalResult<Vec<Sample>> {
    let matching = modifier.matching.as_ref();
    let one_to_many = matches!(modifier.card, VectorMatchCardinality::OneToMany(_));
    let one_to_one = matches!(modifier.card, VectorMatchCardinality::OneToOne);
    let (many, one) = if one_to_many { (rhs, lhs) } else { (lhs, rhs) };
    let mut one_sigs: HashMap<Labels, usize> = HashMap::with_capacity(one.len());
    for (i, s) in one.iter().enumerate() {
        let sig = signature(&s.metric, matching);
        if let Some(&j) = one_sigs.get(&sig) {
            let side = if one_to_many { "left" } else { "right" };
            return fail(format!(
                "found duplicate series for the match group {sig} on the {side} hand-side of the operation: [{}, {}];many-to-many matching not allowed: matching labels must be unique on one side",
                s.metric, one[j].metric
            ));
        }
        one_sigs.insert(sig, i);
    }
    let include = include_labels(&modifier.card);
    let mut out = Vec::new();
    let mut inserted: HashSet<Labels> = HashSet::new();
    for s in many {
        let sig = signature(&s.metric, matching);
        let Some(&j) = one_sigs.get(&sig) else {
            continue;
        };
        // One-to-one matching refuses a second match even when the operator
        // would filter it away.
        if one_to_one && !inserted.insert(sig) {
            return fail(
                "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
            );
        }
        let other = &one[j];
        let (l, r) = if one_to_many {
            (other.v, s.v)
        } else {
            (s.v, other.v)
        };
        let (mut value, mut keep) = apply(op, l, r);
        if return_bool {
            value = if keep { 1.0 } else { 0.0 };
            keep = true;
        }
        if !keep {
            continue;
        }
        let mut metric = s.metric;
        if one_to_one {
            match matching {
                Some(LabelModifier::Include(names)) => {
                    Arc::make_mut(&mut metric).retain(|n, _| names.labels.iter().any(|l| l == n))
                }
                Some(LabelModifier::Exclude(names)) => {
                    Arc::make_mut(&mut metric).retain(|n, _| !names.labels.iter().any(|l| l == n))
                }
                None => {}
            }
        }
        for name in include {
            match other.metric.get(name) {
                Some(v) if !v.is_empty() => {
                    Arc::make_mut(&mut metric).set(name.clone(), v.to_string())
                }
                _ => {
                    Arc::make_mut(&mut metric).remove(name);
                }
            }
        }
        let drop_name = s.drop_name || drops_name(op) || return_bool;
        if !one_to_one {
            let mut key = (*metric).clone();
            if drop_name {
                crate::engine::drop_metric_name(&mut key);
            }
            if !inserted.insert(key) {
                return fail(
                    "multiple matches for labels: grouping labels must ensure unique matches",
                );
            }
        }
        out.push(Sample {
            metric,
            t,
            v: value,
            drop_name,
        });
    }
    Ok(out)
}
