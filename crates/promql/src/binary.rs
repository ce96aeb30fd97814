//! Binary operators: arithmetic, comparisons and set operators, with vector
//! matching (`on`, `ignoring`, `group_left`, `group_right`, `bool`).

use std::sync::Arc;

use model::labels::Labels;
use promql_parser::parser::token::*;
use promql_parser::parser::{BinModifier, BinaryExpr, LabelModifier, VectorMatchCardinality};

use crate::aggregate::project;
use crate::engine::{EvalResult, Evaluator, fail, without_metric_name};
use crate::labelcache::{FastMap, FastSet, NodeLabels, identity};
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

/// The labels of a matched sample: a one-to-one match keeps the matching
/// labels only; `group_left`/`group_right` copy the listed labels from the
/// other side (an empty one removes the label).
fn result_labels(
    metric: &Labels,
    other: &Labels,
    one_to_one: bool,
    matching: Option<&LabelModifier>,
    include: &[String],
) -> Labels {
    let mut metric = metric.clone();
    if one_to_one {
        match matching {
            Some(LabelModifier::Include(names)) => {
                metric.retain(|n, _| names.labels.iter().any(|l| l == n))
            }
            Some(LabelModifier::Exclude(names)) => {
                metric.retain(|n, _| !names.labels.iter().any(|l| l == n))
            }
            None => {}
        }
    }
    for name in include {
        match other.get(name) {
            Some(v) if !v.is_empty() => metric.set(name.clone(), v.to_string()),
            _ => {
                metric.remove(name);
            }
        }
    }
    metric
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
                let default = BinModifier::default();
                let modifier = b.modifier.as_ref().unwrap_or(&default);
                let matching = modifier.matching.as_ref();
                let mut labels = self.take_node_labels(b);
                let mut sig = |m: &Arc<Labels>| labels.keys.get(m, |m| signature(m, matching));
                let out = match op {
                    T_LAND => Ok(and_unless(l, &r, &mut sig, true)),
                    T_LUNLESS => Ok(and_unless(l, &r, &mut sig, false)),
                    T_LOR => Ok(or(l, r, &mut sig)),
                    _ => vector_vector(op, l, r, modifier, return_bool, t, &mut labels),
                };
                self.keep_node_labels(b, labels);
                Value::Vector(out?)
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

/// `sig` gives a sample's interned matching signature.
fn and_unless(
    l: Vec<Sample>,
    r: &[Sample],
    mut sig: impl FnMut(&Arc<Labels>) -> Arc<Labels>,
    and: bool,
) -> Vec<Sample> {
    let sigs: FastSet<*const Labels> = r.iter().map(|s| identity(&sig(&s.metric))).collect();
    l.into_iter()
        .filter(|s| sigs.contains(&identity(&sig(&s.metric))) == and)
        .collect()
}

fn or(
    mut l: Vec<Sample>,
    r: Vec<Sample>,
    mut sig: impl FnMut(&Arc<Labels>) -> Arc<Labels>,
) -> Vec<Sample> {
    let sigs: FastSet<*const Labels> = l.iter().map(|s| identity(&sig(&s.metric))).collect();
    l.extend(
        r.into_iter()
            .filter(|s| !sigs.contains(&identity(&sig(&s.metric)))),
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
    labels: &mut NodeLabels,
) -> EvalResult<Vec<Sample>> {
    let matching = modifier.matching.as_ref();
    let one_to_many = matches!(modifier.card, VectorMatchCardinality::OneToMany(_));
    let one_to_one = matches!(modifier.card, VectorMatchCardinality::OneToOne);
    let (many, one) = if one_to_many { (rhs, lhs) } else { (lhs, rhs) };
    // Signatures are interned: their addresses identify them.
    let mut one_sigs: FastMap<*const Labels, usize> = FastMap::default();
    one_sigs.reserve(one.len());
    for (i, s) in one.iter().enumerate() {
        let sig = labels.keys.get(&s.metric, |m| signature(m, matching));
        if let Some(&j) = one_sigs.get(&identity(&sig)) {
            let side = if one_to_many { "left" } else { "right" };
            return fail(format!(
                "found duplicate series for the match group {sig} on the {side} hand-side of the operation: [{}, {}];many-to-many matching not allowed: matching labels must be unique on one side",
                s.metric, one[j].metric
            ));
        }
        one_sigs.insert(identity(&sig), i);
    }
    let include = include_labels(&modifier.card);
    let mut out = Vec::with_capacity(many.len());
    let mut matched: FastSet<*const Labels> = FastSet::default();
    let mut inserted: FastSet<Arc<Labels>> = FastSet::default();
    for s in many {
        let sig = labels.keys.get(&s.metric, |m| signature(m, matching));
        let Some(&j) = one_sigs.get(&identity(&sig)) else {
            continue;
        };
        // One-to-one matching refuses a second match even when the operator
        // would filter it away.
        if one_to_one && !matched.insert(identity(&sig)) {
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
        let metric = if one_to_one && matching.is_none() {
            s.metric
        } else {
            let pair = (s.metric, other.metric.clone());
            labels.joined.get(&pair, |(metric, other)| {
                result_labels(metric, other, one_to_one, matching, include)
            })
        };
        let drop_name = s.drop_name || drops_name(op) || return_bool;
        if !one_to_one {
            let key = if drop_name {
                labels.unnamed.get(&metric, |m| without_metric_name(m))
            } else {
                metric.clone()
            };
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
