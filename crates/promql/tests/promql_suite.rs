//! Runs the upstream PromQL test suite (`testdata/promql/*.test`, format in
//! its FORMAT.md) against the engine over the in-memory storage. Evals on
//! native histograms, `@st` data or experimental syntax are skipped with a
//! reason; every other eval must pass.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::{LazyLock, Mutex};

use model::labels::Labels;
use promql::storage::{MemoryQuerier, MemoryStorage};
use std::time::{Duration, UNIX_EPOCH};

use promql::{Engine, EngineOptions, QueryError, QueryResult, Sample, Value};
use promql_parser::parser::{AtModifier, Expr};
use regex::Regex;

#[derive(Default)]
struct Counts {
    passed: usize,
    /// Of `passed`, the experimental evals that pass although they may be skipped.
    experimental_passed: usize,
    failed: usize,
    skipped: BTreeMap<String, usize>,
}

/// One expected series: labels and values (None = empty slot).
struct Expected {
    labels: Labels,
    values: Vec<Option<f64>>,
}

enum Message {
    Any,
    Exact(String),
    Regex(Regex),
}

impl Message {
    fn matches(&self, text: &str) -> bool {
        match self {
            Message::Any => true,
            Message::Exact(m) => m == text,
            Message::Regex(r) => r.is_match(text),
        }
    }
}

#[derive(Default)]
struct Eval {
    line: usize,
    expr: String,
    /// Instant time, or (start, end, step) of a range eval.
    at: i64,
    range: Option<(i64, i64, i64)>,
    fail: Option<Message>,
    ordered: bool,
    warn: Vec<Message>,
    no_warn: bool,
    info: Vec<Message>,
    no_info: bool,
    scalar: Option<f64>,
    string: Option<String>,
    range_vector: Option<(i64, i64, i64)>,
    series: Vec<Expected>,
    histogram_expected: bool,
}

fn parse_duration(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if s == "0" {
        return Ok(0);
    }
    let re =
        re(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$");
    let caps = re
        .captures(s)
        .ok_or_else(|| format!("bad duration {s:?}"))?;
    if s.is_empty() {
        return Err("empty duration".into());
    }
    let units = [
        365 * 86_400_000,
        7 * 86_400_000,
        86_400_000,
        3_600_000,
        60_000,
        1000,
        1,
    ];
    Ok(units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            caps.get(i + 1)
                .map_or(0, |m| m.as_str().parse::<i64>().unwrap() * u)
        })
        .sum())
}

/// Go's number syntax: integers with base prefixes, else floats.
fn parse_number(s: &str) -> Option<f64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let lower = body.to_ascii_lowercase();
    let int = if let Some(h) = lower.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = lower.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if let Some(b) = lower.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()
    } else if lower.len() > 1 && lower.starts_with('0') && lower.bytes().all(|b| b.is_ascii_digit())
    {
        i64::from_str_radix(&lower[1..], 8).ok()
    } else {
        None
    };
    if let Some(i) = int {
        return Some(if neg { -(i as f64) } else { i as f64 });
    }
    let v = match lower.as_str() {
        "inf" | "infinity" => f64::INFINITY,
        "nan" => f64::NAN,
        _ if lower
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.e_".contains(&b))
            && !lower.is_empty() =>
        {
            lower.replace('_', "").parse().ok()?
        }
        _ => return None,
    };
    Some(if neg { -v } else { v })
}

/// Expands the value notation of section 3.1; `Err` for histograms.
fn parse_values(items: &[&str]) -> Result<Vec<Option<f64>>, String> {
    let mut out = Vec::new();
    for item in items {
        if item.contains("{{") {
            return Err("native histogram".into());
        }
        if *item == "_" {
            out.push(None);
            continue;
        }
        if *item == "stale" {
            out.push(Some(model::metrics::stale_nan()));
            continue;
        }
        if let Some(n) = item.strip_prefix("_x") {
            let n: usize = n.parse().map_err(|_| format!("bad item {item}"))?;
            out.extend(std::iter::repeat_n(None, n));
            continue;
        }
        // `x` always means repetition here: values are never hexadecimal.
        let Some((body, times)) = item
            .rsplit_once('x')
            .and_then(|(b, n)| Some((b, n.parse::<usize>().ok()?)))
        else {
            out.push(Some(
                parse_number(item).ok_or_else(|| format!("bad item {item}"))?,
            ));
            continue;
        };
        // The operator is the first + or - after the first character that is no exponent sign.
        let bytes = body.as_bytes();
        let op = (1..bytes.len()).find(|&i| {
            (bytes[i] == b'+' || bytes[i] == b'-') && !matches!(bytes[i - 1], b'e' | b'E')
        });
        let (start, delta) = match op {
            Some(i) => {
                let start = parse_number(&body[..i]).ok_or_else(|| format!("bad item {item}"))?;
                let delta =
                    parse_number(&body[i + 1..]).ok_or_else(|| format!("bad item {item}"))?;
                (start, if bytes[i] == b'-' { -delta } else { delta })
            }
            None => (
                parse_number(body).ok_or_else(|| format!("bad item {item}"))?,
                0.0,
            ),
        };
        if body == "stale" {
            out.extend(std::iter::repeat_n(
                Some(model::metrics::stale_nan()),
                times + 1,
            ));
            continue;
        }
        for i in 0..=times {
            out.push(Some(start + delta * i as f64));
        }
    }
    Ok(out)
}

/// Go unquoting of a double-quoted string starting at `s[0] == '"'`;
/// returns the value and the rest.
fn unquote(s: &str) -> Result<(String, &str), String> {
    let mut out = String::new();
    let mut chars = s[1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &s[i + 2..])),
            '\\' => {
                let (_, e) = chars.next().ok_or("bad escape")?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '\\' => out.push('\\'),
                    '"' => out.push('"'),
                    '\'' => out.push('\''),
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let hex: String = (0..n)
                            .filter_map(|_| chars.next().map(|(_, c)| c))
                            .collect();
                        let code = u32::from_str_radix(&hex, 16).map_err(|_| "bad escape")?;
                        out.push(char::from_u32(code).ok_or("bad escape")?);
                    }
                    other => return Err(format!("unknown escape \\{other}")),
                }
            }
            c => out.push(c),
        }
    }
    Err("unterminated string".into())
}

/// Parses `name{l="v",…} rest` → (labels, rest).
fn parse_series(line: &str) -> Result<(Labels, &str), String> {
    let mut labels = Labels::new();
    let name_end = line
        .find(|c: char| c == '{' || c.is_whitespace())
        .unwrap_or(line.len());
    if name_end > 0 {
        labels.set("__name__", &line[..name_end]);
    }
    let mut rest = &line[name_end..];
    if let Some(r) = rest.strip_prefix('{') {
        rest = r.trim_start();
        loop {
            if let Some(r) = rest.strip_prefix('}') {
                rest = r;
                break;
            }
            let (name, r) = if rest.starts_with('"') {
                unquote(rest)?
            } else {
                let end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .ok_or("bad labels")?;
                (rest[..end].to_string(), &rest[end..])
            };
            let r = r
                .trim_start()
                .strip_prefix('=')
                .ok_or("expected =")?
                .trim_start();
            if !r.starts_with('"') {
                // A bare quoted name inside braces is the metric name.
                return Err("expected quoted value".into());
            }
            let (value, r) = unquote(r)?;
            labels.set(name, value);
            rest = r.trim_start();
            rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
        }
    }
    Ok((labels, rest.trim()))
}

fn parse_message(kind: Option<&str>, text: Option<&str>) -> Result<Message, String> {
    Ok(match (kind, text) {
        (Some("msg"), Some(t)) => Message::Exact(t.trim().to_string()),
        (Some("regex"), Some(t)) => {
            Message::Regex(Regex::new(t.trim()).map_err(|e| e.to_string())?)
        }
        _ => Message::Any,
    })
}

fn parse_eval(header: &str, body: &[&str], line: usize) -> Result<Eval, String> {
    let instant = re(r"^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$");
    let range =
        re(r"^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$");
    let mut eval = Eval {
        line,
        ..Eval::default()
    };
    let modifier;
    if let Some(c) = instant.captures(header) {
        modifier = c.get(1).map(|m| m.as_str().to_string());
        eval.at = parse_duration(c.get(2).map_or("", |m| m.as_str()))?;
        eval.expr = c[3].to_string();
    } else if let Some(c) = range.captures(header) {
        modifier = c.get(1).map(|m| m.as_str().to_string());
        let (start, end, step) = (
            parse_duration(&c[2])?,
            parse_duration(&c[3])?,
            parse_duration(&c[4])?,
        );
        if end < start {
            return Err("end before start".into());
        }
        eval.range = Some((start, end, step));
        eval.expr = c[5].to_string();
    } else {
        return Err(format!("bad eval header {header:?}"));
    }
    match modifier.as_deref() {
        Some("fail") => eval.fail = Some(Message::Any),
        Some("warn") => eval.warn.push(Message::Any),
        Some("info") => eval.info.push(Message::Any),
        Some("ordered") => eval.ordered = true,
        _ => {}
    }
    let expect = re(r"^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$");
    let range_vector = re(r"^expect range vector from (.+) to (.+) step (.+)$");
    let string = re(r#"^expect string\s+(".*"|`.*`)$"#);
    for l in body {
        if let Some(m) = l.strip_prefix("expected_fail_message ") {
            eval.fail = Some(Message::Exact(m.trim().to_string()));
        } else if let Some(m) = l.strip_prefix("expected_fail_regexp ") {
            eval.fail = Some(Message::Regex(
                Regex::new(m.trim()).map_err(|e| e.to_string())?,
            ));
        } else if let Some(c) = range_vector.captures(l) {
            eval.range_vector = Some((
                parse_duration(&c[1])?,
                parse_duration(&c[2])?,
                parse_duration(&c[3])?,
            ));
        } else if let Some(c) = string.captures(l) {
            let quoted = &c[1];
            eval.string = Some(if quoted.starts_with('`') {
                quoted[1..quoted.len() - 1].to_string()
            } else {
                unquote(quoted)?.0
            });
        } else if l.split_whitespace().next() == Some("expect") {
            let c = expect
                .captures(l)
                .ok_or_else(|| format!("bad expect line {l:?}"))?;
            let message =
                parse_message(c.get(2).map(|m| m.as_str()), c.get(3).map(|m| m.as_str()))?;
            match &c[1] {
                "ordered" => eval.ordered = true,
                "fail" => eval.fail = Some(message),
                "warn" => eval.warn.push(message),
                "no_warn" => eval.no_warn = true,
                "info" => eval.info.push(message),
                _ => eval.no_info = true,
            }
        } else if let Some(v) = parse_number(l) {
            eval.scalar = Some(v);
        } else {
            let (labels, rest) = parse_series(l)?;
            let items: Vec<&str> = rest.split_whitespace().collect();
            match parse_values(&items) {
                Ok(values) => eval.series.push(Expected { labels, values }),
                Err(_) => eval.histogram_expected = true,
            }
        }
    }
    Ok(eval)
}

/// Prometheus's `almost.Equal(a, b, 1e-6)` with staleness markers apart.
fn almost_equal(a: f64, b: f64) -> bool {
    let (sa, sb) = (
        model::metrics::is_stale_nan(a),
        model::metrics::is_stale_nan(b),
    );
    if sa || sb {
        return sa && sb;
    }
    if a.is_nan() && b.is_nan() || a == b {
        return true;
    }
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || a.abs() + b.abs() < f64::MIN_POSITIVE {
        return diff < 1e-6 * f64::MIN_POSITIVE;
    }
    diff / (a.abs() + b.abs()).min(f64::MAX) < 1e-6
}

fn check_annotations(eval: &Eval, result: &QueryResult) -> Result<(), String> {
    for (kind, emitted, expected, none) in [
        ("warning", &result.warnings, &eval.warn, eval.no_warn),
        ("info", &result.infos, &eval.info, eval.no_info),
    ] {
        if none && !emitted.is_empty() {
            return Err(format!("unexpected {kind}: {emitted:?}"));
        }
        if expected.is_empty() {
            continue;
        }
        if let Some(e) = emitted
            .iter()
            .find(|e| !expected.iter().any(|m| m.matches(e)))
        {
            return Err(format!("unexpected {kind} {e:?}"));
        }
        if expected
            .iter()
            .any(|m| !emitted.iter().any(|e| m.matches(e)))
        {
            return Err(format!(
                "an expected {kind} was not emitted; emitted {emitted:?}"
            ));
        }
    }
    Ok(())
}

fn check_points(
    labels: &Labels,
    expected: &[Option<f64>],
    actual: &[(i64, f64)],
    start: i64,
    step: i64,
) -> Result<(), String> {
    let want: Vec<(i64, f64)> = expected
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (start + i as i64 * step, v)))
        .collect();
    if want.len() != actual.len()
        || want
            .iter()
            .zip(actual)
            .any(|(w, a)| w.0 != a.0 || !almost_equal(w.1, a.1))
    {
        return Err(format!(
            "series {labels}: expected {want:?}, got {actual:?}"
        ));
    }
    Ok(())
}

fn check_result(eval: &Eval, value: &Value) -> Result<(), String> {
    if let Some(s) = &eval.string {
        return match value {
            Value::String(v) if v == s => Ok(()),
            other => Err(format!("expected string {s:?}, got {other:?}")),
        };
    }
    if let Some(want) = eval.scalar {
        return match value {
            Value::Scalar(v) if almost_equal(*v, want) => Ok(()),
            other => Err(format!("expected scalar {want}, got {other:?}")),
        };
    }
    match value {
        Value::Vector(v) if eval.range.is_none() && eval.range_vector.is_none() => {
            if v.len() != eval.series.len() {
                return Err(format!(
                    "expected {} series, got {}: {v:?}",
                    eval.series.len(),
                    v.len()
                ));
            }
            for (i, e) in eval.series.iter().enumerate() {
                if e.values.len() != 1 {
                    return Err("an instant eval expects one value per series".into());
                }
                let found = if eval.ordered {
                    v.get(i).filter(|s| *s.metric == e.labels)
                } else {
                    v.iter().find(|s| *s.metric == e.labels)
                };
                match (found, e.values[0]) {
                    (Some(s), Some(want)) if almost_equal(s.v, want) => {}
                    (found, want) => {
                        return Err(format!(
                            "series {}: expected {want:?}, got {:?}",
                            e.labels,
                            found.map(|s| s.v)
                        ));
                    }
                }
            }
            Ok(())
        }
        Value::Matrix(m) => {
            let (start, end, step) = eval
                .range
                .or(eval.range_vector)
                .ok_or("unexpected range vector")?;
            if eval.ordered {
                return Err("ordered on a matrix".into());
            }
            if m.windows(2).any(|w| w[0].metric > w[1].metric) {
                return Err("matrix is not sorted by labels".into());
            }
            if m.len() != eval.series.len() {
                return Err(format!(
                    "expected {} series, got {}: {m:?}",
                    eval.series.len(),
                    m.len()
                ));
            }
            for e in &eval.series {
                if start + (e.values.len() as i64 - 1) * step > end {
                    return Err("expected values reach past the end".into());
                }
                let s = m
                    .iter()
                    .find(|s| *s.metric == e.labels)
                    .ok_or_else(|| format!("missing series {}", e.labels))?;
                check_points(&e.labels, &e.values, &s.points, start, step)?;
            }
            Ok(())
        }
        other => Err(format!("unexpected result {other:?}")),
    }
}

/// Judges one outcome against the eval's expectations.
fn judge(
    eval: &Eval,
    result: Result<QueryResult, QueryError>,
    annotations: bool,
) -> Result<(), String> {
    match (result, &eval.fail) {
        (Err(e), Some(m)) if m.matches(&e.to_string()) => Ok(()),
        (Err(e), Some(_)) => Err(format!("error message {:?} does not match", e.to_string())),
        (Err(e), None) => Err(format!("query failed: {e}")),
        (Ok(r), Some(_)) => Err(format!("expected failure, got {:?}", r.value)),
        (Ok(r), None) => {
            if annotations {
                check_annotations(eval, &r)?;
            }
            check_result(eval, &r.value)
        }
    }
}

/// Functions whose result depends on the evaluation time itself, so that
/// pinning selectors with `@` changes it (Prometheus's `AtModifierUnsafeFunctions`).
const AT_UNSAFE: &[&str] = &[
    "time",
    "timestamp",
    "predict_linear",
    "start",
    "end",
    "range",
    "step",
    "days_in_month",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "hour",
    "minute",
    "month",
    "year",
];

/// Whether `expr` calls one of `names` (a name not preceded by an identifier
/// character and followed by an opening parenthesis).
fn calls(expr: &str, names: &[&str]) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_' || c == ':';
    names.iter().any(|n| {
        expr.match_indices(n).any(|(i, _)| {
            !expr[..i].chars().next_back().is_some_and(ident)
                && expr[i + n.len()..].trim_start().starts_with('(')
        })
    })
}

/// Compiles each pattern once.
fn re(pattern: &'static str) -> Regex {
    static CACHE: LazyLock<Mutex<HashMap<&'static str, Regex>>> = LazyLock::new(Default::default);
    CACHE
        .lock()
        .unwrap()
        .entry(pattern)
        .or_insert_with(|| Regex::new(pattern).unwrap())
        .clone()
}

/// Gives every selector and subquery without `@` the modifier `@ t`; inside
/// a subquery (which then has one) nothing changes.
fn pin(expr: &mut Expr, t: i64) {
    let at = || {
        Some(AtModifier::At(if t >= 0 {
            UNIX_EPOCH + Duration::from_millis(t as u64)
        } else {
            UNIX_EPOCH - Duration::from_millis(t.unsigned_abs())
        }))
    };
    match expr {
        Expr::VectorSelector(vs) if vs.at.is_none() => vs.at = at(),
        Expr::MatrixSelector(ms) if ms.vs.at.is_none() => ms.vs.at = at(),
        Expr::Subquery(sq) if sq.at.is_none() => sq.at = at(),
        Expr::Aggregate(a) => {
            pin(&mut a.expr, t);
            if let Some(p) = &mut a.param {
                pin(p, t);
            }
        }
        Expr::Unary(u) => pin(&mut u.expr, t),
        Expr::Binary(b) => {
            pin(&mut b.lhs, t);
            pin(&mut b.rhs, t);
        }
        Expr::Paren(p) => pin(&mut p.expr, t),
        Expr::Call(c) => c.args.args.iter_mut().for_each(|a| pin(a, t)),
        _ => {}
    }
}

/// Section 6(b): the instant query run as a range query around `t`, the
/// points at `t` turned back into an instant result.
fn range_cross_check(
    engine: &Engine,
    querier: &MemoryQuerier,
    eval: &Eval,
    expr: &Expr,
    t: i64,
) -> Result<(), String> {
    let result = engine
        .range_expr(querier, expr, t - 60_000, t + 60_000, 60_000)
        .map(|r| {
            let value = match r.value {
                Value::Matrix(m) if eval.scalar.is_some() => Value::Scalar(
                    m.iter()
                        .flat_map(|s| &s.points)
                        .find(|p| p.0 == t)
                        .map_or(f64::NAN, |p| p.1),
                ),
                Value::Matrix(m) => Value::Vector(
                    m.into_iter()
                        .filter_map(|s| {
                            let &(_, v) = s.points.iter().find(|p| p.0 == t)?;
                            Some(Sample {
                                metric: s.metric,
                                t,
                                v,
                                drop_name: false,
                            })
                        })
                        .collect(),
                ),
                other => other,
            };
            QueryResult { value, ..r }
        });
    judge(eval, result, false).map_err(|e| format!("range-mode cross-check at {t}: {e}"))
}

fn run_eval(engine: &Engine, querier: &MemoryQuerier, eval: &Eval) -> Result<(), String> {
    let expr = match Engine::parse(&eval.expr) {
        Ok(expr) => expr,
        Err(e) => return judge(eval, Err(e), true),
    };
    match (eval.range, eval.range_vector) {
        (Some((start, end, step)), _) => {
            return judge(
                eval,
                engine.range_expr(querier, &expr, start, end, step),
                true,
            );
        }
        (None, Some((_, end, _))) => {
            return judge(eval, engine.instant_expr(querier, &expr, end), true);
        }
        (None, None) => judge(eval, engine.instant_expr(querier, &expr, eval.at), true)?,
    }
    // Section 6: the upstream harness's step-invariance checks.
    let cross_check = eval.string.is_none()
        && !eval.ordered
        && !calls(&eval.expr, &["start", "end", "range", "step"]);
    if cross_check {
        range_cross_check(engine, querier, eval, &expr, eval.at)?;
    }
    if calls(&eval.expr, AT_UNSAFE) {
        return Ok(());
    }
    let t = eval.at;
    let mut pinned = expr.clone();
    pin(&mut pinned, t);
    let times = if t == 0 {
        vec![-1000, 0, 1000]
    } else {
        vec![-10 * t, 0, t / 5, t, 10 * t]
    };
    for at in times {
        judge(eval, engine.instant_expr(querier, &pinned, at), true)
            .map_err(|e| format!("@ {t} re-run at {at}: {e}"))?;
        if cross_check {
            range_cross_check(engine, querier, eval, &pinned, at)?;
        }
    }
    Ok(())
}

fn run_file(
    name: &str,
    text: &str,
    tags: &HashMap<usize, Vec<String>>,
    counts: &mut Counts,
    failures: &mut String,
) {
    let engine = Engine::new(EngineOptions {
        max_samples: 10_000,
        timeout: std::time::Duration::from_secs(100),
        ..EngineOptions::default()
    });
    let lines: Vec<String> = text
        .split('\n')
        .map(|l| {
            let l = l.trim();
            if l.starts_with('#') {
                String::new()
            } else {
                l.to_string()
            }
        })
        .collect();
    let mut storage = MemoryStorage::new();
    let mut querier = MemoryStorage::new().into_querier();
    let mut dirty = false;
    let mut histograms = false;
    let mut start_timestamps = false;
    let mut i = 0;
    while i < lines.len() {
        let header = &lines[i];
        if header.is_empty() {
            i += 1;
            continue;
        }
        let line_no = i + 1;
        let mut j = i + 1;
        while j < lines.len() && !lines[j].is_empty() {
            j += 1;
        }
        let word = header
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if word == "clear" {
            storage = MemoryStorage::new();
            dirty = true;
            histograms = false;
            start_timestamps = false;
            i += 1;
            continue;
        }
        let mut body: Vec<&str> = lines[i + 1..j].iter().map(String::as_str).collect();
        i = j;
        if word.starts_with("load") {
            let re = re(r"^load(?:_(with_nhcb))?\s+(.+?)$");
            let c = re.captures(header).expect("load header");
            histograms |= c.get(1).is_some();
            let step = parse_duration(&c[2]).expect("load step");
            // A series repeated in one block replaces its earlier line, as upstream.
            let mut block: Vec<(Labels, Vec<Option<f64>>)> = Vec::new();
            for l in body {
                let (labels, rest) =
                    parse_series(l).unwrap_or_else(|e| panic!("{name}:{line_no}: {e}"));
                if rest.is_empty() {
                    continue;
                }
                if l.contains("@st ") {
                    start_timestamps = true;
                    continue;
                }
                let items: Vec<&str> = rest.split_whitespace().collect();
                match parse_values(&items) {
                    Ok(values) => match block.iter_mut().find(|(l, _)| *l == labels) {
                        Some(earlier) => earlier.1 = values,
                        None => block.push((labels, values)),
                    },
                    Err(_) => histograms = true,
                }
            }
            for (labels, values) in block {
                for (k, v) in values.into_iter().enumerate() {
                    if let Some(v) = v {
                        // The storage rejects out-of-order samples, as Prometheus's does.
                        let _ = storage.append(&labels, k as i64 * step, v);
                    }
                }
            }
            dirty = true;
            continue;
        }
        assert!(
            word.starts_with("eval"),
            "{name}:{line_no}: unknown command {header:?}"
        );
        // The deprecated failure lines end the block.
        if let Some(k) = body.iter().position(|l| l.starts_with("expected_fail_")) {
            body.truncate(k + 1);
        }
        if dirty {
            querier = std::mem::take(&mut storage).into_querier();
            storage = refill(&querier);
            dirty = false;
        }
        let eval = match parse_eval(header, &body, line_no) {
            Ok(e) => e,
            Err(e) => panic!("{name}:{line_no}: {e}"),
        };
        let tags = tags.get(&line_no).cloned().unwrap_or_default();
        let skip = if histograms || eval.histogram_expected {
            Some("native histograms")
        } else if start_timestamps {
            Some("start timestamps")
        } else if tags.iter().any(|t| t == "exp")
            || (name == "duration_expression.test" && Engine::parse(&eval.expr).is_err())
        {
            // Experimental PromQL (and duration arithmetic the index does not
            // tag, e.g. `offset STEP()`) counts when it passes, else is skipped.
            if run_eval(&engine, &querier, &eval).is_ok() {
                counts.experimental_passed += 1;
                counts.passed += 1;
                continue;
            }
            Some("experimental PromQL")
        } else {
            None
        };
        if let Some(reason) = skip {
            *counts.skipped.entry(reason.to_string()).or_default() += 1;
            continue;
        }
        match run_eval(&engine, &querier, &eval) {
            Ok(()) => counts.passed += 1,
            Err(e) => {
                counts.failed += 1;
                let _ = writeln!(failures, "{name}:{}: {} — {e}", eval.line, eval.expr);
            }
        }
    }
}

/// A storage holding the same data as `querier`, for later loads.
fn refill(querier: &MemoryQuerier) -> MemoryStorage {
    use promql::storage::Querier;
    let mut storage = MemoryStorage::new();
    for s in querier.select(&[], i64::MIN, i64::MAX) {
        for &(t, v) in s.samples.iter() {
            storage.append(&s.labels, t, v).expect("refill");
        }
    }
    storage
}

#[test]
fn promql_suite() {
    let dir = testutil::shared("testdata/promql");
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    let mut total = Counts::default();
    let mut failures = String::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "test"))
        .collect();
    files.sort();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let tags: HashMap<usize, Vec<String>> = index[&name]
            .as_array()
            .map(|evals| {
                evals
                    .iter()
                    .map(|e| {
                        let tags = e["tags"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|t| t.as_str().unwrap().to_string())
                            .collect();
                        (e["line"].as_u64().unwrap() as usize, tags)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut counts = Counts::default();
        run_file(
            &name,
            &std::fs::read_to_string(&path).unwrap(),
            &tags,
            &mut counts,
            &mut failures,
        );
        println!(
            "{name:28} passed {:4} (experimental {:3}) failed {:4} skipped {:4} {:?}",
            counts.passed,
            counts.experimental_passed,
            counts.failed,
            counts.skipped.values().sum::<usize>(),
            counts.skipped
        );
        total.passed += counts.passed;
        total.experimental_passed += counts.experimental_passed;
        total.failed += counts.failed;
        for (k, v) in counts.skipped {
            *total.skipped.entry(k).or_default() += v;
        }
    }
    println!(
        "PromQL suite: passed {} (experimental {}) failed {} skipped {} {:?}",
        total.passed,
        total.experimental_passed,
        total.failed,
        total.skipped.values().sum::<usize>(),
        total.skipped
    );
    assert!(total.failed == 0, "failed evals:\n{failures}");
}
