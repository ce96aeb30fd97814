//! Query evaluation: instant queries evaluate the tree at one time, range
//! queries evaluate it at every step and assemble the series.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use model::labels::Labels;
use promql_parser::parser::value::ValueType;
use promql_parser::parser::{self, AtModifier, Expr, Offset, VectorSelector};

use crate::labelcache::{Derived, FastMap, NodeLabels, identity};
use crate::matcher::LabelMatcher;
use crate::storage::{Querier, StoredSeries};
use crate::value::{Point, Sample, Series, Value};

/// Engine settings (Prometheus's defaults).
#[derive(Clone, Debug)]
pub struct EngineOptions {
    pub lookback_delta: Duration,
    pub max_samples: usize,
    pub timeout: Duration,
    pub default_subquery_step: Duration,
}

impl Default for EngineOptions {
    fn default() -> EngineOptions {
        EngineOptions {
            lookback_delta: Duration::from_secs(300),
            max_samples: 50_000_000,
            timeout: Duration::from_secs(120),
            default_subquery_step: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum QueryError {
    #[error("{0}")]
    Parse(String),
    #[error("{0}")]
    Execution(String),
    #[error("query processing would load too many samples into memory in query execution")]
    TooManySamples,
    #[error("query timed out in query execution")]
    Timeout,
}

/// A result and the annotations emitted while computing it (full texts,
/// `PromQL warning: …` / `PromQL info: …`).
#[derive(Debug)]
pub struct QueryResult {
    pub value: Value,
    pub warnings: Vec<String>,
    pub infos: Vec<String>,
}

pub struct Engine {
    options: EngineOptions,
}

/// An evaluation failure inside the tree.
pub(crate) enum EvalError {
    Message(String),
    TooManySamples,
    Timeout,
}

impl From<String> for EvalError {
    fn from(message: String) -> EvalError {
        EvalError::Message(message)
    }
}

pub(crate) type EvalResult<T> = Result<T, EvalError>;

pub(crate) fn fail<T>(message: impl Into<String>) -> EvalResult<T> {
    Err(EvalError::Message(message.into()))
}

impl Engine {
    pub fn new(options: EngineOptions) -> Engine {
        Engine { options }
    }

    /// Parses a query; the parser's message is returned as is.
    pub fn parse(query: &str) -> Result<Expr, QueryError> {
        parser::parse(query).map_err(QueryError::Parse)
    }

    /// Evaluates `query` at `time` (ms).
    pub fn instant(
        &self,
        querier: &dyn Querier,
        query: &str,
        time: i64,
    ) -> Result<QueryResult, QueryError> {
        self.instant_expr(querier, &Engine::parse(query)?, time)
    }

    /// Evaluates a parsed query at `time` (ms).
    pub fn instant_expr(
        &self,
        querier: &dyn Querier,
        expr: &Expr,
        time: i64,
    ) -> Result<QueryResult, QueryError> {
        let mut ev = Evaluator::new(querier, &self.options, expr, time, time);
        let value = ev.run(|ev| {
            let value = ev.eval(expr, time)?;
            Ok(match value {
                Value::Vector(v) => Value::Vector(finish_vector(v)?),
                Value::Matrix(m) => Value::Matrix(finish_matrix(m)?),
                other => other,
            })
        })?;
        Ok(ev.result(value))
    }

    /// Evaluates `query` at every step from `start` to `end` (ms).
    pub fn range(
        &self,
        querier: &dyn Querier,
        query: &str,
        start: i64,
        end: i64,
        step: i64,
    ) -> Result<QueryResult, QueryError> {
        self.range_expr(querier, &Engine::parse(query)?, start, end, step)
    }

    /// Evaluates a parsed query at every step from `start` to `end` (ms).
    pub fn range_expr(
        &self,
        querier: &dyn Querier,
        expr: &Expr,
        start: i64,
        end: i64,
        step: i64,
    ) -> Result<QueryResult, QueryError> {
        match expr.value_type() {
            ValueType::Vector | ValueType::Scalar => {}
            other => {
                return Err(QueryError::Execution(format!(
                    "invalid expression type \"{}\" for range query, must be Scalar or instant Vector",
                    type_name(other)
                )));
            }
        }
        if step <= 0 {
            return Err(QueryError::Execution("zero or negative query resolution step widths are not accepted. Try a positive integer".into()));
        }
        let mut ev = Evaluator::new(querier, &self.options, expr, start, end);
        let value = ev.run(|ev| {
            // Names are removed at every step, so series that differ only in
            // a removed name continue each other.
            let mut index: FastMap<Arc<Labels>, usize> = FastMap::default();
            // The same by the address of the label set each series was
            // created with (held by the series, so the address stays its).
            let mut by_address: FastMap<*const Labels, usize> = FastMap::default();
            let mut unnamed = Derived::default();
            let mut series: Vec<Series> = Vec::new();
            // Points already in the result stay in memory: they count
            // against the sample limit with each step's working set.
            let mut kept = 0;
            let steps = usize::try_from(end.saturating_sub(start) / step + 1)
                .unwrap_or(0)
                .min(11_000);
            let mut t = start;
            while t <= end {
                ev.check_deadline()?;
                ev.step_samples = kept;
                let samples = match ev.eval(expr, t)? {
                    Value::Scalar(v) => vec![Sample {
                        metric: Arc::default(),
                        t,
                        v,
                        drop_name: false,
                    }],
                    Value::Vector(v) => v,
                    _ => return fail("range query evaluated to neither a vector nor a scalar"),
                };
                kept += samples.len();
                for s in samples {
                    let metric = if s.drop_name {
                        unnamed.get(&s.metric, |m| without_metric_name(m))
                    } else {
                        s.metric
                    };
                    let known = by_address
                        .get(&identity(&metric))
                        .or_else(|| index.get(&metric));
                    let i = match known {
                        Some(&i) => i,
                        None => {
                            index.insert(metric.clone(), series.len());
                            by_address.insert(identity(&metric), series.len());
                            series.push(Series {
                                metric,
                                points: Vec::with_capacity(steps),
                                drop_name: false,
                            });
                            series.len() - 1
                        }
                    };
                    // Two samples of one step with one label set: the
                    // step's vector would hold the same labelset twice.
                    if series[i].points.last().is_some_and(|&(last, _)| last == t) {
                        return fail("vector cannot contain metrics with the same labelset");
                    }
                    series[i].points.push((t, s.v));
                }
                let Some(next) = t.checked_add(step) else {
                    break;
                };
                t = next;
            }
            Ok(Value::Matrix(finish_matrix(series)?))
        })?;
        Ok(ev.result(value))
    }
}

fn type_name(t: ValueType) -> &'static str {
    match t {
        ValueType::Vector => "instant vector",
        ValueType::Scalar => "scalar",
        ValueType::Matrix => "range vector",
        ValueType::String => "string",
    }
}

/// Removes the metric name and the type and unit labels that go with it.
pub(crate) fn drop_metric_name(metric: &mut Labels) {
    metric.retain(|n, _| !matches!(n, "__name__" | "__type__" | "__unit__"));
}

/// A copy of `metric` without its name (see [`drop_metric_name`]).
pub(crate) fn without_metric_name(metric: &Labels) -> Labels {
    let mut metric = metric.clone();
    drop_metric_name(&mut metric);
    metric
}

/// Removes the names marked for removal and refuses label sets that collide then.
fn finish_vector(mut v: Vec<Sample>) -> EvalResult<Vec<Sample>> {
    for s in &mut v {
        if s.drop_name {
            drop_metric_name(Arc::make_mut(&mut s.metric));
            s.drop_name = false;
        }
    }
    let mut seen = BTreeSet::new();
    if !v.iter().all(|s| seen.insert(&s.metric)) {
        return fail("vector cannot contain metrics with the same labelset");
    }
    Ok(v)
}

fn finish_matrix(mut m: Vec<Series>) -> EvalResult<Vec<Series>> {
    for s in &mut m {
        if s.drop_name {
            drop_metric_name(Arc::make_mut(&mut s.metric));
            s.drop_name = false;
        }
    }
    m.sort_by(|a, b| a.metric.cmp(&b.metric));
    if m.windows(2).any(|w| w[0].metric == w[1].metric) {
        return fail("vector cannot contain metrics with the same labelset");
    }
    Ok(m)
}

/// The number of samples at or before `bound`, found from `hint` (the count
/// at an earlier, smaller bound) by stepping forward: a range query's windows
/// move a few samples per step, and scanning on is cheaper than a binary
/// search through memory that is not in the cache.
fn samples_until(samples: &[Point], bound: i64, hint: usize) -> usize {
    const SCAN: usize = 8;
    if hint > samples.len() || (hint > 0 && samples[hint - 1].0 > bound) {
        return samples.partition_point(|&(ts, _)| ts <= bound);
    }
    let mut at = hint;
    while at < samples.len() && at - hint < SCAN {
        if samples[at].0 > bound {
            return at;
        }
        at += 1;
    }
    at + samples[at..].partition_point(|&(ts, _)| ts <= bound)
}

/// Where one series' window was at the previous step.
#[derive(Clone, Copy, Default)]
pub(crate) struct Cursor {
    from: usize,
    to: usize,
}

/// The samples of `samples` in the left-open `window`, staleness markers
/// left out; borrowed when there are none. `cursor` is where the window of
/// the same series was before and is moved to this one.
pub(crate) fn window_points<'s>(
    samples: &'s [Point],
    window: Window,
    cursor: &mut Cursor,
) -> Cow<'s, [Point]> {
    cursor.from = samples_until(samples, window.start, cursor.from);
    cursor.to = samples_until(samples, window.end, cursor.to.max(cursor.from));
    let points = &samples[cursor.from..cursor.to];
    if points.iter().any(|&(_, v)| model::metrics::is_stale_nan(v)) {
        Cow::Owned(
            points
                .iter()
                .copied()
                .filter(|&(_, v)| !model::metrics::is_stale_nan(v))
                .collect(),
        )
    } else {
        Cow::Borrowed(points)
    }
}

/// The window a range argument covered: `(start, end]` in ms and its length.
#[derive(Clone, Copy)]
pub(crate) struct Window {
    pub start: i64,
    pub end: i64,
}

impl Window {
    pub fn range_seconds(&self) -> f64 {
        (self.end - self.start) as f64 / 1000.0
    }
}

pub(crate) struct Evaluator<'a> {
    querier: &'a dyn Querier,
    options: &'a EngineOptions,
    /// The query's start and end, what `@ start()` and `@ end()` mean.
    pub(crate) start: i64,
    pub(crate) end: i64,
    /// Time span each selector is read over, computed before evaluation.
    spans: HashMap<*const VectorSelector, (i64, i64)>,
    selected: HashMap<*const VectorSelector, Arc<[StoredSeries]>>,
    /// Where each selected series' window was at the previous step.
    cursors: HashMap<*const VectorSelector, Vec<Cursor>>,
    /// Label sets derived by expression nodes, kept across steps.
    node_labels: FastMap<usize, NodeLabels>,
    deadline: Instant,
    step_samples: usize,
    warnings: BTreeSet<String>,
    infos: BTreeSet<String>,
}

fn millis(d: &Duration) -> i64 {
    d.as_millis() as i64
}

fn offset_millis(o: &Option<Offset>) -> i64 {
    match o {
        None => 0,
        Some(Offset::Pos(d)) => millis(d),
        Some(Offset::Neg(d)) => -millis(d),
    }
}

fn system_time_millis(t: &SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => millis(&d),
        Err(e) => -millis(&e.duration()),
    }
}

impl<'a> Evaluator<'a> {
    fn new(
        querier: &'a dyn Querier,
        options: &'a EngineOptions,
        expr: &Expr,
        start: i64,
        end: i64,
    ) -> Evaluator<'a> {
        let mut ev = Evaluator {
            querier,
            options,
            start,
            end,
            spans: HashMap::new(),
            selected: HashMap::new(),
            node_labels: FastMap::default(),
            cursors: HashMap::new(),
            deadline: Instant::now() + options.timeout,
            step_samples: 0,
            warnings: BTreeSet::new(),
            infos: BTreeSet::new(),
        };
        ev.collect_spans(expr, start, end);
        ev
    }

    fn run(&mut self, f: impl FnOnce(&mut Self) -> EvalResult<Value>) -> Result<Value, QueryError> {
        f(self).map_err(|e| match e {
            EvalError::Message(m) => QueryError::Execution(m),
            EvalError::TooManySamples => QueryError::TooManySamples,
            EvalError::Timeout => QueryError::Timeout,
        })
    }

    fn result(self, value: Value) -> QueryResult {
        QueryResult {
            value,
            warnings: self.warnings.into_iter().collect(),
            infos: self.infos.into_iter().collect(),
        }
    }

    pub(crate) fn warn(&mut self, message: String) {
        self.warnings.insert(format!("PromQL warning: {message}"));
    }

    pub(crate) fn info(&mut self, message: String) {
        self.infos.insert(format!("PromQL info: {message}"));
    }

    fn check_deadline(&self) -> EvalResult<()> {
        if Instant::now() >= self.deadline {
            Err(EvalError::Timeout)
        } else {
            Ok(())
        }
    }

    pub(crate) fn count_samples(&mut self, n: usize) -> EvalResult<()> {
        self.step_samples += n;
        if self.step_samples > self.options.max_samples {
            Err(EvalError::TooManySamples)
        } else {
            Ok(())
        }
    }

    /// The time an `@` modifier pins evaluation to, else `t`.
    fn at_time(&self, at: &Option<AtModifier>, t: i64) -> i64 {
        match at {
            None => t,
            Some(AtModifier::Start) => self.start,
            Some(AtModifier::End) => self.end,
            Some(AtModifier::At(time)) => system_time_millis(time),
        }
    }

    fn subquery_step(&self, step: &Option<Duration>) -> i64 {
        millis(step.as_ref().unwrap_or(&self.options.default_subquery_step)).max(1)
    }

    /// Records for every selector the time span it will be read over when
    /// the expression is evaluated at times in `[lo, hi]`.
    fn collect_spans(&mut self, e: &Expr, lo: i64, hi: i64) {
        let lookback = millis(&self.options.lookback_delta);
        match e {
            Expr::VectorSelector(vs) => self.add_span(vs, lo, hi, lookback),
            Expr::MatrixSelector(ms) => self.add_span(&ms.vs, lo, hi, millis(&ms.range)),
            Expr::Subquery(sq) => {
                let (lo, hi) = match sq.at {
                    Some(_) => {
                        let at = self.at_time(&sq.at, lo);
                        (at, at)
                    }
                    None => (lo, hi),
                };
                let off = offset_millis(&sq.offset);
                let step = self.subquery_step(&sq.step);
                self.collect_spans(
                    &sq.expr,
                    lo.saturating_sub(off)
                        .saturating_sub(millis(&sq.range))
                        .saturating_sub(step),
                    hi.saturating_sub(off),
                );
            }
            Expr::Aggregate(a) => {
                self.collect_spans(&a.expr, lo, hi);
                if let Some(p) = &a.param {
                    self.collect_spans(p, lo, hi);
                }
            }
            Expr::Unary(u) => self.collect_spans(&u.expr, lo, hi),
            Expr::Binary(b) => {
                self.collect_spans(&b.lhs, lo, hi);
                self.collect_spans(&b.rhs, lo, hi);
            }
            Expr::Paren(p) => self.collect_spans(&p.expr, lo, hi),
            Expr::Call(c) => {
                for a in &c.args.args {
                    self.collect_spans(a, lo, hi);
                }
            }
            Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
        }
    }

    fn add_span(&mut self, vs: &VectorSelector, lo: i64, hi: i64, range: i64) {
        let (lo, hi) = match vs.at {
            Some(_) => {
                let at = self.at_time(&vs.at, lo);
                (at, at)
            }
            None => (lo, hi),
        };
        let off = offset_millis(&vs.offset);
        let span = (
            lo.saturating_sub(off).saturating_sub(range),
            hi.saturating_sub(off),
        );
        let entry = self.spans.entry(vs as *const _).or_insert(span);
        entry.0 = entry.0.min(span.0);
        entry.1 = entry.1.max(span.1);
    }

    /// The stored series of a selector, read once per query.
    fn series_of(&mut self, vs: &VectorSelector) -> EvalResult<Arc<[StoredSeries]>> {
        let key = vs as *const _;
        if !self.selected.contains_key(&key) {
            let mut matchers = Vec::with_capacity(vs.matchers.matchers.len() + 1);
            for m in &vs.matchers.matchers {
                matchers.push(LabelMatcher::compile(m)?);
            }
            if let Some(name) = &vs.name
                && !vs.matchers.matchers.iter().any(|m| m.name == "__name__")
            {
                matchers.push(LabelMatcher::new(
                    "__name__",
                    crate::matcher::MatchKind::Equal(name.clone()),
                ));
            }
            let (mint, maxt) = self
                .spans
                .get(&key)
                .copied()
                .unwrap_or((i64::MIN, i64::MAX));
            let mut series = if vs.matchers.or_matchers.is_empty() {
                self.querier.select(&matchers, mint, maxt)
            } else {
                let mut all: Vec<StoredSeries> = Vec::new();
                for group in &vs.matchers.or_matchers {
                    let mut ms = matchers.clone();
                    for m in group {
                        ms.push(LabelMatcher::compile(m)?);
                    }
                    for s in self.querier.select(&ms, mint, maxt) {
                        if !all.iter().any(|a| a.labels == s.labels) {
                            all.push(s);
                        }
                    }
                }
                all
            };
            series.sort_by(|a, b| a.labels.cmp(&b.labels));
            self.selected.insert(key, series.into());
        }
        Ok(self.selected[&key].clone())
    }

    /// The label sets `node` derived at earlier steps, to be handed back
    /// with [`Evaluator::keep_node_labels`].
    pub(crate) fn take_node_labels<T>(&mut self, node: &T) -> NodeLabels {
        self.node_labels
            .remove(&(node as *const T as usize))
            .unwrap_or_default()
    }

    pub(crate) fn keep_node_labels<T>(&mut self, node: &T, labels: NodeLabels) {
        self.node_labels.insert(node as *const T as usize, labels);
    }

    /// An instant vector selector at `t`: each series' latest sample in the
    /// left-open lookback window, unless that sample is a staleness marker.
    /// Samples keep their own timestamps (for `timestamp()`).
    pub(crate) fn select_instant(
        &mut self,
        vs: &VectorSelector,
        t: i64,
    ) -> EvalResult<Vec<Sample>> {
        let reference = self
            .at_time(&vs.at, t)
            .saturating_sub(offset_millis(&vs.offset));
        let lookback = millis(&self.options.lookback_delta);
        let series = self.series_of(vs)?;
        let mut cursors = self.take_cursors(vs, series.len());
        let out: Vec<Sample> = series
            .iter()
            .zip(&mut cursors)
            .filter_map(|(s, cursor)| {
                cursor.to = samples_until(&s.samples, reference, cursor.to);
                let &(ts, v) = s.samples[..cursor.to].last()?;
                (ts > reference.saturating_sub(lookback) && !model::metrics::is_stale_nan(v)).then(
                    || Sample {
                        metric: s.labels.clone(),
                        t: ts,
                        v,
                        drop_name: false,
                    },
                )
            })
            .collect();
        self.keep_cursors(vs, cursors);
        self.count_samples(out.len())?;
        Ok(out)
    }

    /// A range selector at `t`: the samples in `(t - range, t]` (after `@`
    /// and `offset`), staleness markers left out.
    fn select_range(
        &mut self,
        vs: &VectorSelector,
        range: i64,
        t: i64,
    ) -> EvalResult<(Vec<Series>, Window)> {
        let end = self
            .at_time(&vs.at, t)
            .saturating_sub(offset_millis(&vs.offset));
        let window = Window {
            start: end.saturating_sub(range),
            end,
        };
        let mut total = 0;
        let out: Vec<Series> = self
            .series_of(vs)?
            .iter()
            .filter_map(|s| {
                let points = window_points(&s.samples, window, &mut Cursor::default()).into_owned();
                total += points.len();
                (!points.is_empty()).then(|| Series {
                    metric: s.labels.clone(),
                    points,
                    drop_name: false,
                })
            })
            .collect();
        self.count_samples(total)?;
        Ok((out, window))
    }

    /// A matrix selector at `t` for a function that only reads it: each
    /// series' window borrowed from storage (copied only when staleness
    /// markers are to be left out).
    pub(crate) fn select_range_borrowed(
        &mut self,
        vs: &VectorSelector,
        range: i64,
        t: i64,
    ) -> EvalResult<(Arc<[StoredSeries]>, Window, Vec<Cursor>)> {
        let end = self
            .at_time(&vs.at, t)
            .saturating_sub(offset_millis(&vs.offset));
        let window = Window {
            start: end.saturating_sub(range),
            end,
        };
        let series = self.series_of(vs)?;
        let cursors = self.take_cursors(vs, series.len());
        Ok((series, window, cursors))
    }

    /// Where the windows of a selector's `count` series were at the previous
    /// step; handed back with [`Evaluator::keep_cursors`].
    fn take_cursors(&mut self, vs: &VectorSelector, count: usize) -> Vec<Cursor> {
        self.cursors
            .remove(&(vs as *const _))
            .unwrap_or_else(|| vec![Cursor::default(); count])
    }

    /// Keeps the cursors of a selector's windows for the next step.
    pub(crate) fn keep_cursors(&mut self, vs: &VectorSelector, cursors: Vec<Cursor>) {
        self.cursors.insert(vs as *const _, cursors);
    }

    /// A subquery at `t`: the inner expression at every step-aligned time in
    /// the left-open window.
    fn eval_subquery(
        &mut self,
        sq: &parser::SubqueryExpr,
        t: i64,
    ) -> EvalResult<(Vec<Series>, Window)> {
        let end = self
            .at_time(&sq.at, t)
            .saturating_sub(offset_millis(&sq.offset));
        let range = millis(&sq.range);
        let step = self.subquery_step(&sq.step);
        let window = Window {
            start: end.saturating_sub(range),
            end,
        };
        // Go's integer division truncates toward zero; so does Rust's.
        let mut ts = step * (window.start / step);
        if ts <= window.start {
            ts = ts.saturating_add(step);
        }
        let mut index: HashMap<(Arc<Labels>, bool), usize> = HashMap::new();
        let mut series: Vec<Series> = Vec::new();
        while ts <= end {
            self.check_deadline()?;
            let samples = match self.eval(&sq.expr, ts)? {
                Value::Scalar(v) => vec![Sample {
                    metric: Arc::default(),
                    t: ts,
                    v,
                    drop_name: false,
                }],
                Value::Vector(v) => v,
                _ => return fail("subquery is only allowed on instant vector or scalar"),
            };
            self.count_samples(samples.len())?;
            for s in samples {
                let i = *index
                    .entry((s.metric.clone(), s.drop_name))
                    .or_insert_with(|| {
                        series.push(Series {
                            metric: s.metric,
                            points: Vec::new(),
                            drop_name: s.drop_name,
                        });
                        series.len() - 1
                    });
                series[i].points.push((ts, s.v));
            }
            let Some(next) = ts.checked_add(step) else {
                break;
            };
            ts = next;
        }
        Ok((series, window))
    }

    /// A range-vector argument (matrix selector or subquery) and its window.
    pub(crate) fn eval_range_arg(&mut self, e: &Expr, t: i64) -> EvalResult<(Vec<Series>, Window)> {
        match e {
            Expr::MatrixSelector(ms) => self.select_range(&ms.vs, millis(&ms.range), t),
            Expr::Subquery(sq) => self.eval_subquery(sq, t),
            Expr::Paren(p) => self.eval_range_arg(&p.expr, t),
            _ => fail("expected a range vector"),
        }
    }

    pub(crate) fn eval_scalar(&mut self, e: &Expr, t: i64) -> EvalResult<f64> {
        match self.eval(e, t)? {
            Value::Scalar(v) => Ok(v),
            _ => fail("expected a scalar"),
        }
    }

    pub(crate) fn eval_vector(&mut self, e: &Expr, t: i64) -> EvalResult<Vec<Sample>> {
        match self.eval(e, t)? {
            Value::Vector(v) => Ok(v),
            _ => fail("expected an instant vector"),
        }
    }

    pub(crate) fn eval(&mut self, e: &Expr, t: i64) -> EvalResult<Value> {
        match e {
            Expr::NumberLiteral(n) => Ok(Value::Scalar(n.val)),
            Expr::StringLiteral(s) => Ok(Value::String(s.val.clone())),
            Expr::Paren(p) => self.eval(&p.expr, t),
            Expr::Unary(u) => Ok(match self.eval(&u.expr, t)? {
                Value::Scalar(v) => Value::Scalar(-v),
                Value::Vector(v) => Value::Vector(
                    v.into_iter()
                        .map(|s| Sample {
                            v: -s.v,
                            t,
                            drop_name: true,
                            ..s
                        })
                        .collect(),
                ),
                other => other,
            }),
            Expr::VectorSelector(vs) => {
                let mut v = self.select_instant(vs, t)?;
                for s in &mut v {
                    s.t = t;
                }
                Ok(Value::Vector(v))
            }
            Expr::MatrixSelector(_) | Expr::Subquery(_) => {
                Ok(Value::Matrix(self.eval_range_arg(e, t)?.0))
            }
            Expr::Binary(b) => self.eval_binary(b, t),
            Expr::Aggregate(a) => self.eval_aggregate(a, t),
            Expr::Call(c) => self.eval_call(c, t),
            Expr::Extension(_) => fail("extension expressions are not supported"),
        }
    }
}
