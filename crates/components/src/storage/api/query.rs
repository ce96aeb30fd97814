//! `/api/v1/query`, `/api/v1/query_range`, `/api/v1/format_query` and
//! `/api/v1/query_exemplars`. Evaluation runs on the blocking pool: a query
//! is CPU-bound and may take seconds.

use super::params::{Params, invalid, now_ms};
use super::{Api, ApiError, json, success};
use crate::storage::querier::DbQuerier;
use axum::extract::State;
use axum::response::Response;
use promql::{Engine, EngineOptions, QueryError, QueryResult, Value};
use promql_parser::parser::Expr;
use std::fmt::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Prometheus refuses range queries with more points per series than this.
const MAX_POINTS_PER_SERIES: i64 = 11_000;

/// `GET|POST /api/v1/query`: `query`, `time`, `timeout`, `limit`, `stats`.
pub async fn instant(State(api): State<Arc<Api>>, params: Params) -> Result<Response, ApiError> {
    let time = params.time("time", Some(now_ms()))?;
    let request = Request::new(&api, &params)?;
    let expr = request.expr.clone();
    let (result, stats) = evaluate(&api, request.engine, move |engine, querier| {
        engine.instant_expr(querier, &expr, time)
    })
    .await?;
    Ok(respond(
        result,
        time,
        request.limit,
        request.stats.then_some(stats),
    ))
}

/// `GET|POST /api/v1/query_range`: `query`, `start`, `end`, `step`, `timeout`, `limit`, `stats`.
pub async fn range(State(api): State<Arc<Api>>, params: Params) -> Result<Response, ApiError> {
    let start = params.time("start", None)?;
    let end = params.time("end", None)?;
    if end < start {
        return Err(invalid(
            "end",
            "end timestamp must not be before start time",
        ));
    }
    let step = params.get("step").unwrap_or_default();
    let step = super::params::parse_duration(step).map_err(|e| invalid("step", e))?;
    if step <= 0 {
        return Err(invalid(
            "step",
            "zero or negative query resolution step widths are not accepted. Try a positive integer",
        ));
    }
    if (end - start) / step > MAX_POINTS_PER_SERIES {
        return Err(ApiError::BadData(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"
                .into(),
        ));
    }
    let request = Request::new(&api, &params)?;
    let expr = request.expr.clone();
    let (result, stats) = evaluate(&api, request.engine, move |engine, querier| {
        engine.range_expr(querier, &expr, start, end, step)
    })
    .await?;
    Ok(respond(
        result,
        end,
        request.limit,
        request.stats.then_some(stats),
    ))
}

/// `GET|POST /api/v1/format_query`: the query pretty-printed.
pub async fn format(params: Params) -> Result<Response, ApiError> {
    let expr = parse(&params)?;
    let mut data = String::new();
    json::string(&mut data, &expr.prettify());
    Ok(success(&data, &[], &[]))
}

/// `GET|POST /api/v1/query_exemplars`: the storage keeps no exemplars, so a
/// valid request gets an empty list, as Prometheus answers without an
/// exemplar store.
pub async fn exemplars(params: Params) -> Result<Response, ApiError> {
    parse(&params)?;
    let start = params.time("start", Some(i64::MIN))?;
    let end = params.time("end", Some(i64::MAX))?;
    if end < start {
        return Err(invalid(
            "end",
            "end timestamp must not be before start time",
        ));
    }
    Ok(success("[]", &[], &[]))
}

/// What the query endpoints share: the parsed query and its options.
struct Request {
    expr: Arc<Expr>,
    engine: Engine,
    limit: usize,
    stats: bool,
}

impl Request {
    fn new(api: &Api, params: &Params) -> Result<Request, ApiError> {
        let expr = Arc::new(parse(params)?);
        let mut timeout = api.limits.timeout;
        if let Some(ms) = params.duration("timeout")? {
            timeout = timeout.min(Duration::from_millis(ms.max(0) as u64));
        }
        let engine = Engine::new(EngineOptions {
            lookback_delta: api.limits.lookback_delta,
            max_samples: api.limits.max_samples,
            timeout,
            ..EngineOptions::default()
        });
        Ok(Request {
            expr,
            engine,
            limit: params.limit("limit")?,
            stats: params.get("stats").is_some(),
        })
    }
}

/// The `query` parameter parsed; errors keep the parser's `line:col: parse error: …` text.
fn parse(params: &Params) -> Result<Expr, ApiError> {
    let query = params.get("query").unwrap_or_default();
    Engine::parse(query).map_err(|e| invalid("query", parse_error(query, &e.to_string())))
}

/// Prometheus's `<line>:<column>: parse error: <reason>`. promql-parser gives
/// no positions; the one we can know is the end of the input, where an
/// unclosed or truncated expression fails. Other errors carry no position.
fn parse_error(query: &str, reason: &str) -> String {
    if reason.contains("unclosed") || reason.contains("unexpected end of input") {
        let line = query.matches('\n').count() + 1;
        let column = query
            .rsplit('\n')
            .next()
            .unwrap_or_default()
            .chars()
            .count()
            + 1;
        format!("{line}:{column}: parse error: {reason}")
    } else {
        format!("parse error: {reason}")
    }
}

/// What `stats` reports about one evaluation.
struct Stats {
    queue: Duration,
    eval: Duration,
    samples: u64,
}

/// Runs `eval` on the blocking pool, counting it in the self-metrics.
async fn evaluate(
    api: &Arc<Api>,
    engine: Engine,
    eval: impl FnOnce(&Engine, &DbQuerier) -> Result<QueryResult, QueryError> + Send + 'static,
) -> Result<(QueryResult, Stats), ApiError> {
    let queued = Instant::now();
    let db = api.db()?;
    let (result, stats) = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let querier = DbQuerier::new(&db);
        let result = eval(&engine, &querier);
        let stats = Stats {
            queue: started - queued,
            eval: started.elapsed(),
            samples: querier.samples_read(),
        };
        (result, stats)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("query evaluation failed: {e}")))?;
    let metrics = &api.metrics;
    metrics.queries.inc();
    metrics.samples.inc_by(stats.samples);
    metrics.duration.observe(stats.eval.as_secs_f64());
    let result = result.inspect_err(|_| {
        metrics.failed.inc();
    });
    match result {
        Ok(result) => Ok((result, stats)),
        Err(QueryError::Parse(m)) => Err(invalid("query", m)),
        Err(e @ (QueryError::Execution(_) | QueryError::TooManySamples)) => {
            Err(ApiError::Execution(e.to_string()))
        }
        Err(e @ QueryError::Timeout) => Err(ApiError::Timeout(e.to_string())),
    }
}

/// The success response: the result (cut to `limit` series, with a warning),
/// and the statistics when asked for.
fn respond(mut result: QueryResult, t: i64, limit: usize, stats: Option<Stats>) -> Response {
    let truncated = match &mut result.value {
        Value::Vector(v) if limit > 0 && v.len() > limit => {
            v.truncate(limit);
            true
        }
        Value::Matrix(m) if limit > 0 && m.len() > limit => {
            m.truncate(limit);
            true
        }
        _ => false,
    };
    if truncated {
        result
            .warnings
            .push("results truncated due to limit".into());
    }
    let mut data = String::from("{");
    json::result_fields(&mut data, &result.value, t);
    if let Some(stats) = stats {
        let eval = stats.eval.as_secs_f64();
        let _ = write!(
            data,
            ",\"stats\":{{\"timings\":{{\"evalTotalTime\":{eval},\"resultSortTime\":0,\"queryPreparationTime\":0,\
             \"innerEvalTime\":{eval},\"execQueueTime\":{},\"execTotalTime\":{}}},\
             \"samples\":{{\"totalQueryableSamples\":{}}}}}",
            stats.queue.as_secs_f64(),
            (stats.queue + stats.eval).as_secs_f64(),
            stats.samples,
        );
    }
    data.push('}');
    success(&data, &result.warnings, &result.infos)
}
