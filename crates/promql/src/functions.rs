//! Function calls: range-vector functions (`rate`, `*_over_time`, …),
//! per-sample math, label manipulation, `histogram_quantile` over classic
//! buckets and the calendar functions.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use model::labels::Labels;
use model::relabel::Regex;
use promql_parser::label::MatchOp;
use promql_parser::parser::value::ValueType;
use promql_parser::parser::{Call, Expr};

use crate::aggregate::format_float;
use crate::engine::{EvalResult, Evaluator, Window, fail, window_points};
use crate::stats::{Mean, Sum, Variance, almost_equal, linear_regression, nan_first, quantile};
use crate::value::{Point, Sample, Value};

/// Functions whose result keeps the input's metric name.
fn keeps_name(name: &str) -> bool {
    matches!(
        name,
        "last_over_time"
            | "first_over_time"
            | "sort"
            | "sort_desc"
            | "sort_by_label"
            | "sort_by_label_desc"
            | "label_replace"
            | "label_join"
    )
}

/// One classic histogram: its labels (no `le`, no name), its metric name
/// (for messages) and its buckets `(upper bound, cumulative count)`.
type ClassicHistogram = (Labels, String, Vec<(f64, f64)>);

/// One series of a range function's argument: labels, whether its name is
/// to be dropped, the points of the window.
type RangeInput<'a> = (&'a Arc<Labels>, bool, Cow<'a, [Point]>);

fn unwrap_parens(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => unwrap_parens(&p.expr),
        other => other,
    }
}

impl Evaluator<'_> {
    pub(crate) fn eval_call(&mut self, c: &Call, t: i64) -> EvalResult<Value> {
        let name = c.func.name;
        let args: Vec<&Expr> = c.args.args.iter().map(|a| a.as_ref()).collect();
        if let Some(i) = args
            .iter()
            .position(|a| a.value_type() == ValueType::Matrix)
        {
            return self.eval_range_function(name, &args, i, t);
        }
        let v = match name {
            "time" => return Ok(Value::Scalar(t as f64 / 1000.0)),
            "pi" => return Ok(Value::Scalar(std::f64::consts::PI)),
            "vector" => {
                let v = self.eval_scalar(args[0], t)?;
                return Ok(Value::Vector(vec![Sample {
                    metric: Arc::default(),
                    t,
                    v,
                    drop_name: false,
                }]));
            }
            "scalar" => {
                let v = self.eval_vector(args[0], t)?;
                return Ok(Value::Scalar(if v.len() == 1 { v[0].v } else { f64::NAN }));
            }
            "timestamp" => {
                let v = match unwrap_parens(args[0]) {
                    Expr::VectorSelector(vs) => self.select_instant(vs, t)?,
                    other => self.eval_vector(other, t)?,
                };
                v.into_iter()
                    .map(|s| Sample {
                        v: s.t as f64 / 1000.0,
                        t,
                        drop_name: true,
                        metric: s.metric,
                    })
                    .collect()
            }
            "absent" => {
                let v = self.eval_vector(args[0], t)?;
                return Ok(Value::Vector(if v.is_empty() {
                    absent_sample(args[0], t)
                } else {
                    Vec::new()
                }));
            }
            "label_replace" => {
                let v = self.eval_vector(args[0], t)?;
                let [dst, replacement, src, regex] = [1, 2, 3, 4].map(|i| string_arg(args[i]));
                label_replace(v, &dst, &replacement, &src, &regex)?
            }
            "label_join" => {
                let v = self.eval_vector(args[0], t)?;
                let dst = string_arg(args[1]);
                let sep = string_arg(args[2]);
                let srcs: Vec<String> = args[3..].iter().map(|a| string_arg(a)).collect();
                if !model::relabel::is_valid_label_name(&dst) {
                    return fail(format!(
                        "invalid destination label name in label_join(): {dst}"
                    ));
                }
                v.into_iter()
                    .map(|mut s| {
                        let joined = srcs
                            .iter()
                            .map(|l| s.metric.value(l))
                            .collect::<Vec<_>>()
                            .join(&sep);
                        set_or_remove(&mut s, &dst, joined);
                        s
                    })
                    .collect()
            }
            "sort" | "sort_desc" | "sort_by_label" | "sort_by_label_desc" => {
                if self.is_range_query() {
                    self.warn("sort is ineffective for range queries since results are always ordered by labels".into());
                }
                let mut v = self.eval_vector(args[0], t)?;
                let labels: Vec<String> = args[1..].iter().map(|a| string_arg(a)).collect();
                match name {
                    "sort" => v.sort_by(|a, b| nan_last(a.v, b.v)),
                    "sort_desc" => v.sort_by(|a, b| nan_last_desc(a.v, b.v)),
                    "sort_by_label" => v.sort_by(|a, b| by_labels(&labels, &a.metric, &b.metric)),
                    _ => v.sort_by(|a, b| by_labels(&labels, &b.metric, &a.metric)),
                }
                v
            }
            "histogram_quantile" => {
                let phi = self.eval_scalar(args[0], t)?;
                let v = self.eval_vector(args[1], t)?;
                self.histogram_quantile(phi, v, t)
            }
            "histogram_fraction" => {
                let lower = self.eval_scalar(args[0], t)?;
                let upper = self.eval_scalar(args[1], t)?;
                let v = self.eval_vector(args[2], t)?;
                self.histogram_fraction(lower, upper, v, t)
            }
            "clamp" | "clamp_min" | "clamp_max" | "round" => {
                let v = self.eval_vector(args[0], t)?;
                let params: Vec<f64> = args[1..]
                    .iter()
                    .map(|a| self.eval_scalar(a, t))
                    .collect::<EvalResult<_>>()?;
                let f: Box<dyn Fn(f64) -> f64> = match name {
                    "clamp" if params[1] < params[0] => return Ok(Value::Vector(Vec::new())),
                    "clamp" => {
                        let (lo, hi) = (params[0], params[1]);
                        Box::new(move |x| x.max(lo).min(hi))
                    }
                    "clamp_min" => {
                        let lo = params[0];
                        Box::new(move |x| x.max(lo))
                    }
                    "clamp_max" => {
                        let hi = params[0];
                        Box::new(move |x| x.min(hi))
                    }
                    _ => {
                        let inverse = 1.0 / params.first().copied().unwrap_or(1.0);
                        Box::new(move |x| (x * inverse + 0.5).floor() / inverse)
                    }
                };
                map_values(v, t, |x| if x.is_nan() { x } else { f(x) })
            }
            "year" | "month" | "day_of_month" | "day_of_week" | "day_of_year" | "days_in_month"
            | "hour" | "minute" => {
                let v = match args.first() {
                    Some(a) => self.eval_vector(a, t)?,
                    None => vec![Sample {
                        metric: Arc::default(),
                        t,
                        v: t as f64 / 1000.0,
                        drop_name: false,
                    }],
                };
                map_values(v, t, |x| calendar(name, x))
            }
            _ => {
                let Some(f) = math_function(name) else {
                    return fail(format!("function {name} is not supported"));
                };
                let v = self.eval_vector(args[0], t)?;
                map_values(v, t, f)
            }
        };
        Ok(Value::Vector(v))
    }

    fn is_range_query(&self) -> bool {
        self.start != self.end
    }

    /// Functions over a range vector; `i` is the position of the range argument.
    fn eval_range_function(
        &mut self,
        name: &str,
        args: &[&Expr],
        i: usize,
        t: i64,
    ) -> EvalResult<Value> {
        let scalars: Vec<f64> = args
            .iter()
            .enumerate()
            .filter(|&(j, a)| j != i && a.value_type() == ValueType::Scalar)
            .map(|(_, a)| self.eval_scalar(a, t))
            .collect::<EvalResult<_>>()?;
        // A matrix selector's windows are borrowed from storage; a
        // subquery's series are computed.
        let stored;
        let computed;
        let mut matrix: Vec<RangeInput<'_>> = Vec::new();
        let window = match unwrap_parens(args[i]) {
            Expr::MatrixSelector(ms) => {
                let (window, mut cursors);
                (stored, window, cursors) =
                    self.select_range_borrowed(&ms.vs, ms.range.as_millis() as i64, t)?;
                let mut total = 0;
                for (s, cursor) in stored.iter().zip(&mut cursors) {
                    let points = window_points(&s.samples, window, cursor);
                    if !points.is_empty() {
                        total += points.len();
                        matrix.push((&s.labels, false, points));
                    }
                }
                self.keep_cursors(&ms.vs, cursors);
                self.count_samples(total)?;
                window
            }
            other => {
                let window;
                (computed, window) = self.eval_range_arg(other, t)?;
                matrix.extend(
                    computed
                        .iter()
                        .map(|s| (&s.metric, s.drop_name, Cow::Borrowed(&s.points[..]))),
                );
                window
            }
        };
        if name == "absent_over_time" {
            return Ok(Value::Vector(if matrix.is_empty() {
                absent_sample(args[i], t)
            } else {
                Vec::new()
            }));
        }
        if matches!(name, "quantile_over_time") && !(0.0..=1.0).contains(&scalars[0]) {
            self.warn(format!(
                "quantile value should be between 0 and 1, got {}",
                format_float(scalars[0])
            ));
        }
        if name == "double_exponential_smoothing" {
            let (sf, tf) = (scalars[0], scalars[1]);
            if sf <= 0.0 || sf >= 1.0 {
                return fail(format!(
                    "invalid smoothing factor. Expected: 0 < sf < 1, got: {sf:.6}"
                ));
            }
            if tf <= 0.0 || tf >= 1.0 {
                return fail(format!(
                    "invalid trend factor. Expected: 0 < tf < 1, got: {tf:.6}"
                ));
            }
        }
        let mut out = Vec::with_capacity(matrix.len());
        for (metric, drop_name, points) in matrix {
            if matches!(name, "rate" | "increase")
                && let Some(metric) = metric.get("__name__")
                && !["_total", "_sum", "_count", "_bucket"]
                    .iter()
                    .any(|s| metric.ends_with(s))
            {
                self.info(format!(
                    "metric might not be a counter, name does not end in _total/_sum/_count/_bucket: {metric:?}"
                ));
            }
            let Some(v) = range_function(name, &points, window, &scalars, t)? else {
                continue;
            };
            out.push(Sample {
                drop_name: drop_name || !keeps_name(name),
                metric: metric.clone(),
                t,
                v,
            });
        }
        Ok(Value::Vector(out))
    }

    /// Groups classic-histogram buckets by their labels without `le` and the
    /// name (kept apart for messages); a bucket without a valid `le` is warned
    /// about and left out.
    fn classic_histograms(&mut self, v: Vec<Sample>) -> Vec<ClassicHistogram> {
        let mut index: HashMap<Labels, usize> = HashMap::new();
        let mut groups: Vec<ClassicHistogram> = Vec::new();
        for s in v {
            let le = s.metric.value("le");
            let Some(bound) = parse_go_float(le) else {
                let le = le.to_string();
                self.warn(format!(
                    "bucket label \"le\" is missing or has a malformed value of {le:?} for metric name {:?}",
                    s.metric.value("__name__")
                ));
                continue;
            };
            let mut key = (*s.metric).clone();
            key.remove("le");
            crate::engine::drop_metric_name(&mut key);
            let i = *index.entry(key.clone()).or_insert_with(|| {
                groups.push((key, s.metric.value("__name__").to_string(), Vec::new()));
                groups.len() - 1
            });
            groups[i].2.push((bound, s.v));
        }
        groups
    }

    fn histogram_quantile(&mut self, phi: f64, v: Vec<Sample>, t: i64) -> Vec<Sample> {
        if !(0.0..=1.0).contains(&phi) {
            self.warn(format!(
                "quantile value should be between 0 and 1, got {}",
                format_float(phi)
            ));
        }
        let mut out = Vec::new();
        for (metric, name, mut buckets) in self.classic_histograms(v) {
            let (v, forced) = bucket_quantile(phi, &mut buckets);
            if forced {
                self.info(format!("input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name {name:?}"));
            }
            out.push(Sample {
                metric: Arc::new(metric),
                t,
                v,
                drop_name: false,
            });
        }
        out
    }

    fn histogram_fraction(
        &mut self,
        lower: f64,
        upper: f64,
        v: Vec<Sample>,
        t: i64,
    ) -> Vec<Sample> {
        self.classic_histograms(v)
            .into_iter()
            .map(|(metric, _, mut buckets)| Sample {
                metric: Arc::new(metric),
                t,
                v: bucket_fraction(lower, upper, &mut buckets),
                drop_name: false,
            })
            .collect()
    }
}

fn nan_last(a: f64, b: f64) -> std::cmp::Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, false) => std::cmp::Ordering::Greater,
        (false, true) => std::cmp::Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal),
    }
}

fn nan_last_desc(a: f64, b: f64) -> std::cmp::Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, false) => std::cmp::Ordering::Greater,
        (false, true) => std::cmp::Ordering::Less,
        _ => b.partial_cmp(&a).unwrap_or(std::cmp::Ordering::Equal),
    }
}

fn by_labels(names: &[String], a: &Labels, b: &Labels) -> std::cmp::Ordering {
    names
        .iter()
        .map(|n| a.value(n).cmp(b.value(n)))
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.cmp(b))
}

fn string_arg(e: &Expr) -> String {
    match unwrap_parens(e) {
        Expr::StringLiteral(s) => s.val.clone(),
        _ => String::new(),
    }
}

fn set_or_remove(s: &mut Sample, name: &str, value: String) {
    if value.is_empty() {
        Arc::make_mut(&mut s.metric).remove(name);
    } else {
        Arc::make_mut(&mut s.metric).set(name.to_string(), value);
    }
    if name == "__name__" {
        s.drop_name = false;
    }
}

fn label_replace(
    v: Vec<Sample>,
    dst: &str,
    replacement: &str,
    src: &str,
    regex: &str,
) -> EvalResult<Vec<Sample>> {
    let re = Regex::new(regex)
        .map_err(|e| format!("invalid regular expression in label_replace(): {regex}: {e}"))?;
    if !model::relabel::is_valid_label_name(dst) {
        return fail(format!(
            "invalid destination label name in label_replace(): {dst}"
        ));
    }
    Ok(v.into_iter()
        .map(|mut s| {
            let value = s.metric.value(src).to_string();
            if let Some(caps) = re.captures(&value) {
                let mut out = String::new();
                re.expand(&caps, replacement, &mut out);
                set_or_remove(&mut s, dst, out);
            }
            s
        })
        .collect())
}

/// The sample `absent()` returns: the equality matchers of a plain selector
/// become labels (a name matched twice is left out).
fn absent_sample(e: &Expr, t: i64) -> Vec<Sample> {
    let mut metric = Labels::new();
    let selector = match unwrap_parens(e) {
        Expr::VectorSelector(vs) => Some(vs),
        Expr::MatrixSelector(ms) => Some(&ms.vs),
        _ => None,
    };
    if let Some(vs) = selector {
        // An equality matcher gives its label, unless the name is matched again.
        let mut seen = Vec::new();
        for m in &vs.matchers.matchers {
            if m.name == "__name__" {
                continue;
            }
            if m.op == MatchOp::Equal && !seen.contains(&m.name) {
                metric.set(m.name.clone(), m.value.clone());
                seen.push(m.name.clone());
            } else {
                metric.remove(&m.name);
            }
        }
    }
    vec![Sample {
        metric: Arc::new(metric),
        t,
        v: 1.0,
        drop_name: false,
    }]
}

fn map_values(v: Vec<Sample>, t: i64, f: impl Fn(f64) -> f64) -> Vec<Sample> {
    v.into_iter()
        .map(|s| Sample {
            v: f(s.v),
            t,
            drop_name: true,
            metric: s.metric,
        })
        .collect()
}

fn math_function(name: &str) -> Option<fn(f64) -> f64> {
    Some(match name {
        "abs" => f64::abs,
        "ceil" => f64::ceil,
        "floor" => f64::floor,
        "exp" => f64::exp,
        "sqrt" => f64::sqrt,
        "ln" => f64::ln,
        "log2" => f64::log2,
        "log10" => f64::log10,
        "sin" => f64::sin,
        "cos" => f64::cos,
        "tan" => f64::tan,
        "asin" => f64::asin,
        "acos" => f64::acos,
        "atan" => f64::atan,
        "sinh" => f64::sinh,
        "cosh" => f64::cosh,
        "tanh" => f64::tanh,
        "asinh" => f64::asinh,
        "acosh" => f64::acosh,
        "atanh" => f64::atanh,
        "deg" => f64::to_degrees,
        "rad" => f64::to_radians,
        "sgn" => |x: f64| {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                x
            }
        },
        _ => return None,
    })
}

/// Go's `strconv.ParseFloat` for bucket bounds.
fn parse_go_float(s: &str) -> Option<f64> {
    match s.to_ascii_lowercase().as_str() {
        "+inf" | "inf" | "+infinity" | "infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

/// The quantile of classic buckets `(upper bound, cumulative count)`, and
/// whether the counts had to be forced monotonic.
fn bucket_quantile(q: f64, buckets: &mut Vec<(f64, f64)>) -> (f64, bool) {
    if q.is_nan() {
        return (f64::NAN, false);
    }
    if q < 0.0 {
        return (f64::NEG_INFINITY, false);
    }
    if q > 1.0 {
        return (f64::INFINITY, false);
    }
    if !sort_buckets(buckets) {
        return (f64::NAN, false);
    }
    let mut forced = false;
    let mut prev = buckets[0].1;
    for b in buckets.iter_mut().skip(1) {
        if b.1 == prev {
            continue;
        }
        if almost_equal(prev, b.1, 1e-12) {
            b.1 = prev;
            continue;
        }
        if b.1 < prev {
            b.1 = prev;
            forced = true;
            continue;
        }
        prev = b.1;
    }
    if buckets.len() < 2 {
        return (f64::NAN, forced);
    }
    let observations = buckets[buckets.len() - 1].1;
    if observations == 0.0 {
        return (f64::NAN, forced);
    }
    let mut rank = q * observations;
    let b = buckets[..buckets.len() - 1].partition_point(|b| b.1 < rank);
    if b == buckets.len() - 1 {
        return (buckets[buckets.len() - 2].0, forced);
    }
    if b == 0 && buckets[0].0 <= 0.0 {
        return (buckets[0].0, forced);
    }
    let (mut start, end, mut count) = (0.0, buckets[b].0, buckets[b].1);
    if b > 0 {
        start = buckets[b - 1].0;
        count -= buckets[b - 1].1;
        rank -= buckets[b - 1].1;
    }
    (start + (end - start) * (rank / count), forced)
}

/// Sorts buckets by bound and adds up those with the same bound; false
/// when there is no `+Inf` bucket.
fn sort_buckets(buckets: &mut Vec<(f64, f64)>) -> bool {
    buckets.sort_by(|a, b| nan_first(&a.0, &b.0));
    if buckets.last().is_none_or(|b| b.0 != f64::INFINITY) {
        return false;
    }
    buckets.dedup_by(|next, kept| {
        if next.0 == kept.0 {
            kept.1 += next.1;
            true
        } else {
            false
        }
    });
    true
}

/// The fraction of observations between `lower` and `upper` in classic
/// buckets, interpolating linearly inside a bucket; the lowest bucket
/// starts at 0 when its bound is positive, else at -Inf.
fn bucket_fraction(lower: f64, upper: f64, buckets: &mut Vec<(f64, f64)>) -> f64 {
    if !sort_buckets(buckets) {
        return f64::NAN;
    }
    let total = buckets[buckets.len() - 1].1;
    if total == 0.0 || lower.is_nan() || upper.is_nan() {
        return f64::NAN;
    }
    if lower >= upper {
        return 0.0;
    }
    let rank_at = |x: f64| {
        let mut below = 0.0;
        for (i, &(bound, cumulative)) in buckets.iter().enumerate() {
            let start = if i > 0 {
                buckets[i - 1].0
            } else if bound > 0.0 {
                0.0
            } else {
                f64::NEG_INFINITY
            };
            if x <= start {
                return below;
            }
            if x < bound {
                let count = cumulative - below;
                return if start.is_infinite() || bound.is_infinite() {
                    below
                } else {
                    below + count * (x - start) / (bound - start)
                };
            }
            below = cumulative;
        }
        total
    };
    (rank_at(upper).min(total) - rank_at(lower).min(total)) / total
}

/// Calendar fields of a Unix time in seconds, in UTC.
fn calendar(name: &str, seconds: f64) -> f64 {
    if seconds.is_nan() || seconds.is_infinite() {
        return seconds;
    }
    let secs = seconds as i64;
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    (match name {
        "year" => year,
        "month" => month,
        "day_of_month" => day,
        "day_of_week" => (days + 4).rem_euclid(7),
        "day_of_year" => month_days[..(month - 1) as usize].iter().sum::<i64>() + day,
        "days_in_month" => month_days[(month - 1) as usize],
        "hour" => of_day / 3600,
        _ => of_day % 3600 / 60,
    }) as f64
}

/// Year, month and day of a day count since 1970-01-01 (Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// One range-vector function over one series' points; `None` leaves the
/// series out of the result.
fn range_function(
    name: &str,
    points: &[Point],
    window: Window,
    scalars: &[f64],
    t: i64,
) -> EvalResult<Option<f64>> {
    let values = || points.iter().map(|p| p.1);
    Ok(Some(match name {
        "rate" => return Ok(extrapolated_rate(points, window, true, true)),
        "increase" => return Ok(extrapolated_rate(points, window, true, false)),
        "delta" => return Ok(extrapolated_rate(points, window, false, false)),
        "irate" | "idelta" => {
            let [.., (t0, v0), (t1, v1)] = points else {
                return Ok(None);
            };
            let mut d = if name == "irate" && v1 < v0 {
                *v1
            } else {
                v1 - v0
            };
            if name == "irate" {
                d /= (t1 - t0) as f64 / 1000.0;
            }
            d
        }
        "deriv" => {
            if points.len() < 2 {
                return Ok(None);
            }
            linear_regression(points, points[0].0).0
        }
        "predict_linear" => {
            if points.len() < 2 {
                return Ok(None);
            }
            let (slope, intercept) = linear_regression(points, t);
            slope * scalars[0] + intercept
        }
        "avg_over_time" => {
            let mut mean = Mean::default();
            values().for_each(|v| mean.add(v));
            mean.value()
        }
        "sum_over_time" => {
            let mut sum = Sum::default();
            values().for_each(|v| sum.add(v));
            sum.value()
        }
        "count_over_time" => points.len() as f64,
        "present_over_time" => 1.0,
        "last_over_time" => points[points.len() - 1].1,
        "first_over_time" => points[0].1,
        "ts_of_last_over_time" => points[points.len() - 1].0 as f64 / 1000.0,
        "ts_of_first_over_time" => points[0].0 as f64 / 1000.0,
        "max_over_time" | "min_over_time" | "ts_of_max_over_time" | "ts_of_min_over_time" => {
            let max = name.contains("max");
            let mut best = points[0];
            for &p in &points[1..] {
                let better = if max { p.1 >= best.1 } else { p.1 <= best.1 };
                if better || best.1.is_nan() {
                    best = p;
                }
            }
            if name.starts_with("ts_of") {
                best.0 as f64 / 1000.0
            } else {
                best.1
            }
        }
        "stddev_over_time" | "stdvar_over_time" => {
            let mut var = Variance::default();
            values().for_each(|v| var.add(v));
            if name == "stddev_over_time" {
                var.variance().sqrt()
            } else {
                var.variance()
            }
        }
        "quantile_over_time" => quantile(scalars[0], &mut values().collect::<Vec<_>>()),
        "mad_over_time" => {
            let mut vs: Vec<f64> = values().collect();
            let median = quantile(0.5, &mut vs);
            let mut deviations: Vec<f64> = vs.iter().map(|v| (v - median).abs()).collect();
            quantile(0.5, &mut deviations)
        }
        "changes" => points
            .windows(2)
            .filter(|w| w[0].1 != w[1].1 && !(w[0].1.is_nan() && w[1].1.is_nan()))
            .count() as f64,
        "resets" => points.windows(2).filter(|w| w[1].1 < w[0].1).count() as f64,
        "double_exponential_smoothing" => {
            if points.len() < 2 {
                return Ok(None);
            }
            let (sf, tf) = (scalars[0], scalars[1]);
            let (mut s0, mut s1, mut b) = (0.0, points[0].1, points[1].1 - points[0].1);
            for (i, p) in points.iter().enumerate().skip(1) {
                if i > 1 {
                    b = tf * (s1 - s0) + (1.0 - tf) * b;
                }
                let next = sf * p.1 + (1.0 - sf) * (s1 + b);
                (s0, s1) = (s1, next);
            }
            s1
        }
        _ => return fail(format!("function {name} is not supported")),
    }))
}

/// `rate`, `increase` and `delta`: the change over the samples in the
/// window, extrapolated toward the window's edges as Prometheus does.
fn extrapolated_rate(points: &[Point], window: Window, counter: bool, rate: bool) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let (first_t, first_v) = points[0];
    let (last_t, last_v) = points[points.len() - 1];
    let mut result = last_v - first_v;
    if counter {
        let mut prev = first_v;
        for &(_, v) in &points[1..] {
            if v < prev {
                result += prev;
            }
            prev = v;
        }
    }
    let mut to_start = (first_t - window.start) as f64 / 1000.0;
    let mut to_end = (window.end - last_t) as f64 / 1000.0;
    let sampled = (last_t - first_t) as f64 / 1000.0;
    let average = sampled / (points.len() - 1) as f64;
    let threshold = average * 1.1;
    if to_start >= threshold {
        to_start = average / 2.0;
    }
    if counter {
        // A counter cannot go below zero: extrapolate no further back than its zero point.
        let to_zero = if result > 0.0 && first_v >= 0.0 {
            sampled * (first_v / result)
        } else {
            to_start
        };
        to_start = to_start.min(to_zero);
    }
    if to_end >= threshold {
        to_end = average / 2.0;
    }
    let mut factor = (sampled + to_start + to_end) / sampled;
    if rate {
        factor /= window.range_seconds();
    }
    Some(result * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_fields() {
        // 2024-02-29T13:45:00Z, a Thursday.
        let t = 1_709_214_300.0;
        assert_eq!(calendar("year", t), 2024.0);
        assert_eq!(calendar("month", t), 2.0);
        assert_eq!(calendar("day_of_month", t), 29.0);
        assert_eq!(calendar("day_of_week", t), 4.0);
        assert_eq!(calendar("day_of_year", t), 60.0);
        assert_eq!(calendar("days_in_month", t), 29.0);
        assert_eq!(calendar("hour", t), 13.0);
        assert_eq!(calendar("minute", t), 45.0);
    }

    #[test]
    fn bucket_quantile_interpolates() {
        let mut b = vec![(0.1, 10.0), (0.5, 20.0), (f64::INFINITY, 20.0)];
        assert_eq!(bucket_quantile(0.5, &mut b), (0.1, false));
    }
}
