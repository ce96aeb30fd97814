//! Aggregation operators over instant vectors, grouped with `by`/`without`.

use std::sync::Arc;

use model::labels::Labels;
use promql_parser::parser::token::*;
use promql_parser::parser::{AggregateExpr, LabelModifier};

use crate::engine::{EvalResult, Evaluator, fail};
use crate::labelcache::{FastMap, Interner, identity};
use crate::stats::{Mean, Sum, Variance, nan_first, quantile};
use crate::value::{Sample, Value};

/// The labels a sample is grouped by.
fn group_key(metric: &Labels, modifier: Option<&LabelModifier>) -> Labels {
    match modifier {
        Some(LabelModifier::Include(names)) => {
            project(metric, |n| names.labels.iter().any(|l| l == n))
        }
        Some(LabelModifier::Exclude(names)) => project(metric, |n| {
            !matches!(n, "__name__" | "__type__" | "__unit__")
                && !names.labels.iter().any(|l| l == n)
        }),
        None => Labels::new(),
    }
}

/// The labels of `metric` whose names `keep` accepts; only those are copied.
pub(crate) fn project(metric: &Labels, keep: impl Fn(&str) -> bool) -> Labels {
    metric.iter().filter(|(n, _)| keep(n)).collect()
}

/// Go's `%g`-like text of a float in messages.
pub(crate) fn format_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{v}")
    }
}

/// A `k` parameter as Prometheus reads it.
fn k_param(v: f64) -> EvalResult<i64> {
    if v.is_nan() {
        return fail("Parameter value is NaN");
    }
    if v >= 9.223372036854776e18 {
        return fail(format!("Scalar value {} overflows int64", format_float(v)));
    }
    Ok(v as i64)
}

enum Acc {
    Sum(Sum),
    Mean(Mean),
    Count(f64),
    Min(f64),
    Max(f64),
    Var(Variance),
    Group,
    Values(Vec<f64>),
}

impl Evaluator<'_> {
    pub(crate) fn eval_aggregate(&mut self, a: &AggregateExpr, t: i64) -> EvalResult<Value> {
        let op = a.op.id();
        let modifier = a.modifier.as_ref();
        match op {
            T_TOPK | T_BOTTOMK | T_LIMITK => {
                let k = k_param(self.eval_scalar(param(a)?, t)?)?;
                let input = self.eval_vector(&a.expr, t)?;
                let mut labels = self.take_node_labels(a);
                let out = select_k(op, k, input, |m| {
                    labels.keys.get(m, |m| group_key(m, modifier))
                });
                self.keep_node_labels(a, labels);
                return Ok(Value::Vector(out));
            }
            T_LIMIT_RATIO => {
                let ratio = self.eval_scalar(param(a)?, t)?;
                if ratio.is_nan() {
                    return fail("Ratio value is NaN");
                }
                return fail("limit_ratio is not supported");
            }
            _ => {}
        }
        let mut phi = 0.0;
        let mut count_label = None;
        match op {
            T_QUANTILE => {
                phi = self.eval_scalar(param(a)?, t)?;
                if !(0.0..=1.0).contains(&phi) {
                    self.warn(format!(
                        "quantile value should be between 0 and 1, got {}",
                        format_float(phi)
                    ));
                }
            }
            T_COUNT_VALUES => {
                let label = match self.eval(param(a)?, t)? {
                    Value::String(s) => s,
                    _ => return fail("count_values parameter must be a string"),
                };
                if !model::relabel::is_valid_label_name(&label) {
                    return fail(format!("invalid label name {label:?}"));
                }
                count_label = Some(label);
            }
            _ => {}
        }
        let input = self.eval_vector(&a.expr, t)?;
        let mut labels = self.take_node_labels(a);
        let mut count_keys = Interner::default();
        // Group keys are interned: their addresses identify the groups.
        let mut index: FastMap<*const Labels, usize> = FastMap::default();
        // Per group: labels, whether a member's name is to be dropped, accumulator.
        let mut groups: Vec<(Arc<Labels>, bool, Acc)> = Vec::new();
        for mut s in input {
            let key = match &count_label {
                Some(label) => {
                    let value = format_float(s.v);
                    // `without` keeps the new label unless it is listed;
                    // `by` and no modifier always add it.
                    let key = if let Some(LabelModifier::Exclude(_)) = modifier {
                        Arc::make_mut(&mut s.metric).set(label.clone(), value);
                        group_key(&s.metric, modifier)
                    } else {
                        let mut key = group_key(&s.metric, modifier);
                        key.set(label.clone(), value);
                        key
                    };
                    count_keys.intern(key)
                }
                None => labels.keys.get(&s.metric, |m| group_key(m, modifier)),
            };
            let i = *index.entry(identity(&key)).or_insert_with(|| {
                let acc = match op {
                    T_SUM => Acc::Sum(Sum::default()),
                    T_AVG => Acc::Mean(Mean::default()),
                    T_COUNT | T_COUNT_VALUES => Acc::Count(0.0),
                    T_MIN => Acc::Min(f64::NAN),
                    T_MAX => Acc::Max(f64::NAN),
                    T_STDDEV | T_STDVAR => Acc::Var(Variance::default()),
                    T_GROUP => Acc::Group,
                    _ => Acc::Values(Vec::new()),
                };
                groups.push((key, false, acc));
                groups.len() - 1
            });
            groups[i].1 |= s.drop_name;
            match &mut groups[i].2 {
                Acc::Sum(sum) => sum.add(s.v),
                Acc::Mean(mean) => mean.add(s.v),
                Acc::Count(c) => *c += 1.0,
                Acc::Min(m) => {
                    if s.v < *m || m.is_nan() {
                        *m = s.v
                    }
                }
                Acc::Max(m) => {
                    if s.v > *m || m.is_nan() {
                        *m = s.v
                    }
                }
                Acc::Var(var) => var.add(s.v),
                Acc::Group => {}
                Acc::Values(values) => values.push(s.v),
            }
        }
        self.keep_node_labels(a, labels);
        Ok(Value::Vector(
            groups
                .into_iter()
                .map(|(metric, drop_name, acc)| {
                    let v = match acc {
                        Acc::Sum(sum) => sum.value(),
                        Acc::Mean(mean) => mean.value(),
                        Acc::Count(c) => c,
                        Acc::Min(m) | Acc::Max(m) => m,
                        Acc::Var(var) if op == T_STDDEV => var.variance().sqrt(),
                        Acc::Var(var) => var.variance(),
                        Acc::Group => 1.0,
                        Acc::Values(mut values) => quantile(phi, &mut values),
                    };
                    Sample {
                        metric,
                        t,
                        v,
                        drop_name,
                    }
                })
                .collect(),
        ))
    }
}

fn param(a: &AggregateExpr) -> EvalResult<&promql_parser::parser::Expr> {
    match &a.param {
        Some(p) => Ok(p),
        None => fail("aggregation parameter missing"),
    }
}

/// `topk`, `bottomk` and `limitk`: up to `k` input samples of each group;
/// NaN values are the last choice of `topk` and `bottomk`.
/// `key_of` gives a sample's interned group key.
fn select_k(
    op: TokenId,
    k: i64,
    input: Vec<Sample>,
    mut key_of: impl FnMut(&Arc<Labels>) -> Arc<Labels>,
) -> Vec<Sample> {
    if k < 1 {
        return Vec::new();
    }
    let k = k as usize;
    let mut index: FastMap<*const Labels, usize> = FastMap::default();
    let mut groups: Vec<Vec<Sample>> = Vec::new();
    for s in input {
        let key = key_of(&s.metric);
        let i = *index.entry(identity(&key)).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[i].push(s);
    }
    let mut out = Vec::new();
    for mut group in groups {
        match op {
            T_TOPK => group.sort_by(|a, b| nan_first(&b.v, &a.v)),
            T_BOTTOMK => group.sort_by(|a, b| match (a.v.is_nan(), b.v.is_nan()) {
                (true, false) => std::cmp::Ordering::Greater,
                (false, true) => std::cmp::Ordering::Less,
                _ => nan_first(&a.v, &b.v),
            }),
            _ => {}
        }
        group.truncate(k);
        out.extend(group);
    }
    out
}
