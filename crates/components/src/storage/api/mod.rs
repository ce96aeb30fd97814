//! The Prometheus HTTP API (`/api/v1/…`) over the embedded database, served by
//! `storage.metrics` under its mount point and at the root of its
//! `listen_address`. Response and error shapes follow Prometheus: a
//! `status`/`data` envelope, `errorType`/`error` on failure, `warnings` and
//! `infos` only when there are any.

mod json;
mod meta;
pub mod metadata;
mod params;
mod query;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metadata::MetadataStore;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Duration;
use tsdb::Db;

/// Query limits, Prometheus's defaults.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Samples one query may hold in memory at once.
    pub max_samples: usize,
    /// The longest a query may run; a request's `timeout` can only shorten it.
    pub timeout: Duration,
    pub lookback_delta: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        let engine = promql::EngineOptions::default();
        Limits {
            max_samples: engine.max_samples,
            timeout: engine.timeout,
            lookback_delta: engine.lookback_delta,
        }
    }
}

/// Where the API finds the database: the component may reopen it when its
/// arguments change, so each request asks for the current one.
pub trait DbSource: Send + Sync + 'static {
    /// The open database, `None` while it is being reopened.
    fn db(&self) -> Option<Arc<Db>>;
}

impl DbSource for Arc<Db> {
    fn db(&self) -> Option<Arc<Db>> {
        Some(self.clone())
    }
}

/// What the API reads and counts.
pub struct Api {
    source: Arc<dyn DbSource>,
    /// Filled by [`metadata::MetadataRecorder`] around the component's appender.
    pub metadata: Arc<MetadataStore>,
    pub limits: Limits,
    metrics: QueryMetrics,
}

impl Api {
    /// The API over `source`, its query self-metrics registered in `registry`.
    pub fn new(source: Arc<dyn DbSource>, limits: Limits, registry: &mut Registry) -> Api {
        Api {
            source,
            metadata: Arc::default(),
            limits,
            metrics: QueryMetrics::register(registry),
        }
    }

    /// The current database, or 503 `unavailable` while it is reopened.
    fn db(&self) -> Result<Arc<Db>, ApiError> {
        self.source
            .db()
            .ok_or_else(|| ApiError::Unavailable("the database is being reopened".into()))
    }
}

/// Self-metrics of the query endpoints.
struct QueryMetrics {
    queries: Counter,
    failed: Counter,
    samples: Counter,
    duration: Histogram,
}

impl QueryMetrics {
    fn register(registry: &mut Registry) -> QueryMetrics {
        let metrics = QueryMetrics {
            queries: Counter::default(),
            failed: Counter::default(),
            samples: Counter::default(),
            duration: Histogram::new([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0]),
        };
        registry.register(
            "storage_metrics_queries",
            "PromQL queries evaluated",
            metrics.queries.clone(),
        );
        registry.register(
            "storage_metrics_queries_failed",
            "PromQL queries that failed",
            metrics.failed.clone(),
        );
        registry.register(
            "storage_metrics_query_samples",
            "Samples read from storage by PromQL queries",
            metrics.samples.clone(),
        );
        registry.register(
            "storage_metrics_query_duration_seconds",
            "Time spent evaluating PromQL queries",
            metrics.duration.clone(),
        );
        metrics
    }
}

/// The API's routes, to merge into the component's router.
pub fn router(api: Arc<Api>) -> Router {
    Router::new()
        .route("/api/v1/query", get(query::instant).post(query::instant))
        .route("/api/v1/query_range", get(query::range).post(query::range))
        .route(
            "/api/v1/format_query",
            get(query::format).post(query::format),
        )
        .route(
            "/api/v1/query_exemplars",
            get(query::exemplars).post(query::exemplars),
        )
        .route("/api/v1/series", get(meta::series).post(meta::series))
        .route("/api/v1/labels", get(meta::labels).post(meta::labels))
        .route("/api/v1/label/{name}/values", get(meta::label_values))
        .route("/api/v1/metadata", get(meta::metadata))
        .route("/api/v1/status/buildinfo", get(meta::buildinfo))
        .with_state(api)
}

/// A failed request, with Prometheus's `errorType` and status code.
#[derive(Debug)]
pub enum ApiError {
    /// 400: a parameter is missing or unparsable.
    BadData(String),
    /// 422: the query failed while evaluating.
    Execution(String),
    /// 503: the query ran out of time.
    Timeout(String),
    /// 503: the database is not open at the moment.
    Unavailable(String),
    /// 500: something went wrong on our side.
    Internal(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind, message) = match self {
            ApiError::BadData(m) => (StatusCode::BAD_REQUEST, "bad_data", m),
            ApiError::Execution(m) => (StatusCode::UNPROCESSABLE_ENTITY, "execution", m),
            ApiError::Timeout(m) => (StatusCode::SERVICE_UNAVAILABLE, "timeout", m),
            ApiError::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", m),
            ApiError::Internal(m) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", m),
        };
        let mut body = String::from("{\"status\":\"error\",\"errorType\":\"");
        body.push_str(kind);
        body.push_str("\",\"error\":");
        json::string(&mut body, &message);
        body.push('}');
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    }
}

/// A success envelope around `data` (already JSON text).
fn success(data: &str, warnings: &[String], infos: &[String]) -> Response {
    let mut body = String::with_capacity(data.len() + 32);
    body.push_str("{\"status\":\"success\",\"data\":");
    body.push_str(data);
    for (key, list) in [("warnings", warnings), ("infos", infos)] {
        if !list.is_empty() {
            body.push_str(",\"");
            body.push_str(key);
            body.push_str("\":");
            json::strings(&mut body, list.iter().map(String::as_str));
        }
    }
    body.push('}');
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests;
