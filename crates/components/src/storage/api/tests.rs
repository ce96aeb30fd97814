//! The API over a real database in a temporary directory, called through the
//! router as the HTTP server calls it.

use super::metadata::MetadataRecorder;
use super::{Api, Limits, router};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use model::labels::Labels;
use model::metrics::{Appender, Metadata, MetricType, MetricsBatch, Sample};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

/// Samples every 15 s from t=0 to t=600 s.
fn fixture(limits: Limits) -> (tempfile::TempDir, axum::Router, Arc<Api>) {
    let dir = tempfile::tempdir().unwrap();
    let db = Arc::new(tsdb::Db::open(dir.path(), tsdb::Options::default()).unwrap());
    let mut batch = MetricsBatch::default();
    let series: [(&[(&str, &str)], f64); 4] = [
        (
            &[
                ("__name__", "http_requests_total"),
                ("job", "api"),
                ("code", "200"),
            ],
            10.0,
        ),
        (
            &[
                ("__name__", "http_requests_total"),
                ("job", "api"),
                ("code", "500"),
            ],
            1.0,
        ),
        (
            &[
                ("__name__", "http_requests_total"),
                ("job", "web"),
                ("code", "200"),
            ],
            4.0,
        ),
        (&[("__name__", "up"), ("job", "api")], 0.0),
    ];
    for (labels, per_second) in series {
        let labels = Arc::new(Labels::from_pairs(labels.iter().copied()));
        for i in 0..=40i64 {
            let value = if per_second == 0.0 {
                1.0
            } else {
                per_second * 15.0 * i as f64
            };
            batch.samples.push(Sample {
                labels: labels.clone(),
                timestamp: i * 15_000,
                value,
            });
        }
    }
    batch.metadata.push(Metadata {
        family: "http_requests".into(),
        metric_type: MetricType::Counter,
        help: "Requests served.".into(),
        unit: String::new(),
    });
    let mut registry = prometheus_client::registry::Registry::default();
    let api = Arc::new(Api::new(Arc::new(db.clone()), limits, &mut registry));
    let recorder = MetadataRecorder::new(db, api.metadata.clone());
    recorder.append(&batch).unwrap();
    (dir, router(api.clone()), api)
}

async fn call(router: &axum::Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&body)));
    (status, value)
}

async fn get(router: &axum::Router, uri: &str) -> (StatusCode, Value) {
    call(router, Request::get(uri).body(Body::empty()).unwrap()).await
}

fn encode(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn instant_query_returns_a_vector_at_the_evaluation_time() {
    let (_dir, router, _) = fixture(Limits::default());
    let q = encode("sum by (job) (http_requests_total)");
    let (status, body) = get(&router, &format!("/api/v1/query?query={q}&time=590.5")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": {"job": "api"}, "value": [590.5, "6435"]},
            {"metric": {"job": "web"}, "value": [590.5, "2340"]},
        ]}})
    );
}

#[tokio::test]
async fn post_form_and_rfc3339_times_work_like_get() {
    let (_dir, router, _) = fixture(Limits::default());
    let request = Request::post("/api/v1/query")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("query=up&time=1970-01-01T00:05:00Z"))
        .unwrap();
    let (status, body) = call(&router, request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["data"]["result"],
        json!([{"metric": {"__name__": "up", "job": "api"}, "value": [300, "1"]}])
    );
    let bare_post = Request::post("/api/v1/query?query=up&time=300")
        .body(Body::empty())
        .unwrap();
    let (status, body) = call(&router, bare_post).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["result"][0]["value"], json!([300, "1"]));
}

#[tokio::test]
async fn range_query_returns_points_at_each_step() {
    let (_dir, router, _) = fixture(Limits::default());
    let q = encode("http_requests_total{code=\"500\"}");
    let (status, body) = get(
        &router,
        &format!("/api/v1/query_range?query={q}&start=100&end=220&step=1m"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["data"],
        json!({"resultType": "matrix", "result": [{"metric": {"__name__": "http_requests_total", "code": "500", "job": "api"},
            "values": [[100, "90"], [160, "150"], [220, "210"]]}]})
    );
}

#[tokio::test]
async fn scalars_strings_and_range_selectors_have_their_result_types() {
    let (_dir, router, _) = fixture(Limits::default());
    let (_, body) = get(&router, "/api/v1/query?query=1%2B1&time=10").await;
    assert_eq!(
        body["data"],
        json!({"resultType": "scalar", "result": [10, "2"]})
    );
    let (_, body) = get(&router, "/api/v1/query?query=%22hi%22&time=10").await;
    assert_eq!(
        body["data"],
        json!({"resultType": "string", "result": [10, "hi"]})
    );
    let (_, body) = get(&router, "/api/v1/query?query=up%5B30s%5D&time=600").await;
    assert_eq!(body["data"]["resultType"], "matrix");
    assert_eq!(
        body["data"]["result"][0]["values"],
        json!([[585, "1"], [600, "1"]])
    );
}

#[tokio::test]
async fn errors_have_prometheus_types_and_statuses() {
    let (_dir, router, _) = fixture(Limits::default());
    let cases = [
        (
            "/api/v1/query?query=sum(up",
            StatusCode::BAD_REQUEST,
            "bad_data",
            "invalid parameter \"query\": 1:7: parse error: unclosed left parenthesis",
        ),
        (
            "/api/v1/query?query=rate(up)",
            StatusCode::BAD_REQUEST,
            "bad_data",
            "invalid parameter \"query\": parse error: expected type matrix",
        ),
        (
            "/api/v1/query_range?query=up&start=0&end=100&step=0",
            StatusCode::BAD_REQUEST,
            "bad_data",
            "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer",
        ),
        (
            "/api/v1/query_range?query=up&start=0&end=100000&step=1",
            StatusCode::BAD_REQUEST,
            "bad_data",
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
        ),
        (
            "/api/v1/query?query=up&time=soon",
            StatusCode::BAD_REQUEST,
            "bad_data",
            "invalid parameter \"time\": ",
        ),
        (
            "/api/v1/series",
            StatusCode::BAD_REQUEST,
            "bad_data",
            "no match[] parameter provided",
        ),
        (
            "/api/v1/query?query=label_replace(up%2C%22a%22%2C%22b%22%2C%22c%22%2C%22(%22)",
            StatusCode::UNPROCESSABLE_ENTITY,
            "execution",
            "invalid regular expression in label_replace(): (",
        ),
        (
            "/api/v1/query?query=http_requests_total%20%2B%20on()%20group_left%20http_requests_total&time=600",
            StatusCode::UNPROCESSABLE_ENTITY,
            "execution",
            "",
        ),
        (
            "/api/v1/query_range?query=up&start=0&end=10000&step=1&timeout=0",
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "query timed out in query execution",
        ),
    ];
    for (uri, status, kind, prefix) in cases {
        let (got, body) = get(&router, uri).await;
        assert_eq!(got, status, "{uri}: {body}");
        assert_eq!(body["status"], "error", "{uri}");
        assert_eq!(body["errorType"], kind, "{uri}");
        let message = body["error"].as_str().unwrap();
        assert!(message.starts_with(prefix), "{uri}: {message}");
    }
}

#[tokio::test]
async fn too_many_samples_is_an_execution_error() {
    let (_dir, router, _) = fixture(Limits {
        max_samples: 10,
        ..Limits::default()
    });
    let (status, body) = get(
        &router,
        "/api/v1/query?query=http_requests_total%5B5m%5D&time=600",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["error"],
        "query processing would load too many samples into memory in query execution"
    );
}

#[tokio::test]
async fn stats_and_limit_are_honoured() {
    let (_dir, router, _) = fixture(Limits::default());
    let (_, body) = get(
        &router,
        "/api/v1/query?query=http_requests_total&time=600&stats=all&limit=2",
    )
    .await;
    assert_eq!(body["data"]["result"].as_array().unwrap().len(), 2);
    assert_eq!(body["warnings"], json!(["results truncated due to limit"]));
    let stats = &body["data"]["stats"];
    // Samples decoded from storage: 3 series × 21 samples in the 5 min lookback.
    assert_eq!(stats["samples"]["totalQueryableSamples"], 63);
    assert!(
        stats["timings"]["evalTotalTime"].as_f64().unwrap() >= 0.0,
        "{stats}"
    );
}

#[tokio::test]
async fn series_labels_and_values() {
    let (_dir, router, _) = fixture(Limits::default());
    let (status, body) = get(
        &router,
        "/api/v1/series?match%5B%5D=%7Bjob%3D%27web%27%7D&match%5B%5D=up",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["data"],
        json!([
            {"__name__": "http_requests_total", "code": "200", "job": "web"},
            {"__name__": "up", "job": "api"},
        ])
    );
    let (_, body) = get(&router, "/api/v1/labels").await;
    assert_eq!(body["data"], json!(["__name__", "code", "job"]));
    let (_, body) = get(&router, "/api/v1/labels?match%5B%5D=up").await;
    assert_eq!(body["data"], json!(["__name__", "job"]));
    let (_, body) = get(&router, "/api/v1/label/__name__/values").await;
    assert_eq!(body["data"], json!(["http_requests_total", "up"]));
    let (_, body) = get(
        &router,
        "/api/v1/label/code/values?match%5B%5D=%7Bjob%3D%22api%22%7D",
    )
    .await;
    assert_eq!(body["data"], json!(["200", "500"]));
    let (_, body) = get(&router, "/api/v1/label/job/values?start=1000&end=2000").await;
    assert_eq!(body["data"], json!([]));
    let (status, body) = get(&router, "/api/v1/label/bad-name/values").await;
    assert_eq!(
        (status, &body["error"]),
        (
            StatusCode::BAD_REQUEST,
            &json!("invalid label name: \"bad-name\"")
        )
    );
}

#[tokio::test]
async fn metadata_buildinfo_format_and_exemplars() {
    let (_dir, router, _) = fixture(Limits::default());
    let (_, body) = get(&router, "/api/v1/metadata").await;
    assert_eq!(
        body,
        json!({"status": "success", "data": {"http_requests": [{"type": "counter", "help": "Requests served.", "unit": ""}]}})
    );
    let (_, body) = get(&router, "/api/v1/metadata?metric=up").await;
    assert_eq!(body["data"], json!({}));
    let (_, body) = get(&router, "/api/v1/status/buildinfo").await;
    assert_eq!(body["data"]["version"], env!("CARGO_PKG_VERSION"));
    let (_, body) = get(&router, "/api/v1/format_query?query=sum%20by(job)(up)").await;
    assert_eq!(body["data"], "sum by (job) (up)");
    let (_, body) = get(&router, "/api/v1/query_exemplars?query=up&start=0&end=600").await;
    assert_eq!(body, json!({"status": "success", "data": []}));
}

#[tokio::test]
async fn a_database_being_reopened_is_unavailable() {
    struct Reopening;
    impl super::DbSource for Reopening {
        fn db(&self) -> Option<Arc<tsdb::Db>> {
            None
        }
    }
    let mut registry = prometheus_client::registry::Registry::default();
    let router = router(Arc::new(Api::new(
        Arc::new(Reopening),
        Limits::default(),
        &mut registry,
    )));
    for uri in [
        "/api/v1/query?query=up",
        "/api/v1/labels",
        "/api/v1/series?match%5B%5D=up",
    ] {
        let (status, body) = get(&router, uri).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{uri}");
        assert_eq!(body["errorType"], "unavailable", "{uri}");
    }
}
