//! Scrapes of real HTTP targets served by an axum server in the test.

use super::*;
use crate::testing::{eventually, options};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::get;
use model::labels::Labels;
use model::metrics::{AppendError, Appender, MetricsBatch, is_stale_nan};
use std::io::Write;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

/// A receiver that keeps every batch.
#[derive(Default)]
pub(super) struct Collect(Mutex<Vec<MetricsBatch>>);

impl Appender for Collect {
    fn append(&self, batch: &MetricsBatch) -> Result<(), AppendError> {
        self.0.lock().push(batch.clone());
        Ok(())
    }
}

impl Collect {
    pub(super) fn batches(&self) -> Vec<MetricsBatch> {
        self.0.lock().clone()
    }

    pub(super) fn last(&self) -> MetricsBatch {
        self.0.lock().last().cloned().expect("a batch")
    }
}

/// The value of the sample named `name` (with `label` if given) in `batch`.
fn value(batch: &MetricsBatch, name: &str, label: Option<(&str, &str)>) -> Option<f64> {
    batch
        .samples
        .iter()
        .find(|s| {
            s.labels.value("__name__") == name && label.is_none_or(|(n, v)| s.labels.value(n) == v)
        })
        .map(|s| s.value)
}

const TEXT: &str = "# HELP requests_total Requests.\n# TYPE requests_total counter\nrequests_total{code=\"200\"} 10\nrequests_total{code=\"500\"} 2\ntemperature 21.5 1700000000000\n";

const OPENMETRICS: &str = "# TYPE foo counter\n# HELP foo A counter.\nfoo_total 17.0 1520879607.789 # {trace_id=\"abc\"} 5 1520879607.5\nfoo_created 1520872607.123\n# EOF\n";

#[derive(Clone, Default)]
struct Served {
    /// How often /flapping was scraped: every other scrape drops a series.
    flaps: Arc<AtomicUsize>,
}

async fn serve() -> (String, tokio::task::JoinHandle<()>) {
    let state = Served::default();
    let router = axum::Router::new()
        .route("/metrics", get(|| async { TEXT }))
        .route(
            "/om",
            get(|| async {
                (
                    [(
                        "content-type",
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    OPENMETRICS,
                )
            }),
        )
        .route(
            "/gzip",
            get(|| async {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(TEXT.as_bytes()).unwrap();
                (
                    [
                        ("content-type", "text/plain; version=0.0.4"),
                        ("content-encoding", "gzip"),
                    ],
                    encoder.finish().unwrap(),
                )
            }),
        )
        .route("/garbage", get(|| async { "<html>this is { not metrics" }))
        .route("/duplicates", get(|| async { "a 1\na 2\nb 3\n" }))
        .route(
            "/protobuf",
            get(|| async {
                (
                    [(
                        "content-type",
                        "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
                    )],
                    vec![0x0a_u8, 0x01, 0x61],
                )
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                TEXT
            }),
        )
        .route(
            "/echo",
            get(
                |headers: HeaderMap, Query(query): Query<Vec<(String, String)>>| async move {
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_owned()
                    };
                    let query: Vec<String> =
                        query.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    format!(
                        "echo{{accept=\"{}\",encoding=\"{}\",timeout=\"{}\",query=\"{}\"}} 1\n",
                        header("accept"),
                        header("accept-encoding"),
                        header("x-prometheus-scrape-timeout-seconds"),
                        query.join("&")
                    )
                },
            ),
        )
        .route(
            "/flapping",
            get(|State(s): State<Served>| async move {
                let n = s.flaps.fetch_add(1, Ordering::SeqCst);
                if n % 2 == 0 {
                    "kept 1\nflapping 1\n".into_response()
                } else {
                    "kept 2\n".into_response()
                }
            }),
        )
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    (address, task)
}

fn target(address: &str, path: &str) -> Target {
    Labels::from_pairs([("__address__", address), ("__metrics_path__", path)])
}

pub(super) const JOB: &str = "prometheus.scrape.test";

/// A loop for one target with `args`, and what it appends.
pub(super) fn scrape_loop(target: &Target, args: &Arguments) -> (ScrapeLoop, Arc<Collect>) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let collect = Arc::new(Collect::default());
    let defaults = TargetDefaults {
        job: JOB,
        scheme: &args.scheme,
        metrics_path: &args.metrics_path,
        params: &args.params,
        interval: args.scrape_interval,
        timeout: args.scrape_timeout,
    };
    let scrape_loop = ScrapeLoop::new(
        ScrapeTarget::new(target, &defaults).unwrap(),
        Arc::new(args.settings().unwrap()),
        Arc::new(Shared::new(vec![MetricsReceiver(collect.clone())])),
        Arc::default(),
        Arc::default(),
    );
    (scrape_loop, collect)
}

#[tokio::test]
async fn text_target_with_synthetic_series_and_metadata() {
    let (address, _server) = serve().await;
    let (l, collect) = scrape_loop(&target(&address, "/metrics"), &Arguments::default());
    l.scrape().await;
    let batch = collect.last();
    let sample = batch
        .samples
        .iter()
        .find(|s| s.labels.value("code") == "500")
        .unwrap();
    assert_eq!(
        sample.labels.to_string(),
        format!(
            r#"{{__name__="requests_total", code="500", instance="{address}", job="prometheus.scrape.test"}}"#
        )
    );
    assert_eq!(sample.value, 2.0);
    let temperature = batch
        .samples
        .iter()
        .find(|s| s.labels.value("__name__") == "temperature")
        .unwrap();
    assert_eq!(temperature.timestamp, 1_700_000_000_000, "honor_timestamps");
    assert_eq!(value(&batch, "up", None), Some(1.0));
    assert_eq!(value(&batch, "scrape_samples_scraped", None), Some(3.0));
    assert_eq!(
        value(&batch, "scrape_samples_post_metric_relabeling", None),
        Some(3.0)
    );
    assert_eq!(value(&batch, "scrape_series_added", None), Some(3.0));
    assert!(value(&batch, "scrape_duration_seconds", None).unwrap() > 0.0);
    assert_eq!(value(&batch, "scrape_timeout_seconds", None), None);
    assert_eq!(batch.metadata.len(), 1);
    assert_eq!(batch.metadata[0].family, "requests_total");
    assert_eq!(batch.metadata[0].help, "Requests.");
    assert_eq!(batch.samples.len(), 3 + 5);

    // The second scrape finds every series in the cache and resends no
    // unchanged metadata.
    l.scrape().await;
    let second = collect.last();
    assert_eq!(value(&second, "scrape_series_added", None), Some(0.0));
    assert!(second.metadata.is_empty());
    let first_labels = &batch.samples[0].labels;
    assert!(Arc::ptr_eq(first_labels, &second.samples[0].labels));
    let status = l.status.lock().clone();
    assert_eq!(
        (status.health, status.last_error.as_str()),
        (scrape_loop::TargetHealth::Up, "")
    );
}

#[tokio::test]
async fn duplicate_series_keep_the_first_sample() {
    let (address, _server) = serve().await;
    let (l, collect) = scrape_loop(&target(&address, "/duplicates"), &Arguments::default());
    l.scrape().await;
    let batch = collect.last();
    let a: Vec<f64> = batch
        .samples
        .iter()
        .filter(|s| s.labels.value("__name__") == "a")
        .map(|s| s.value)
        .collect();
    assert_eq!(a, [1.0]);
    assert_eq!(value(&batch, "scrape_samples_scraped", None), Some(3.0));
    assert_eq!(
        value(&batch, "scrape_samples_post_metric_relabeling", None),
        Some(2.0)
    );
}

#[tokio::test]
async fn openmetrics_exemplars_and_created_series() {
    let (address, _server) = serve().await;
    let args = Arguments {
        extra_metrics: true,
        ..Arguments::default()
    };
    let (l, collect) = scrape_loop(&target(&address, "/om"), &args);
    l.scrape().await;
    let batch = collect.last();
    let total = batch
        .samples
        .iter()
        .find(|s| s.labels.value("__name__") == "foo_total")
        .unwrap();
    assert_eq!((total.value, total.timestamp), (17.0, 1_520_879_607_789));
    assert_eq!(value(&batch, "foo_created", None), Some(1_520_872_607.123));
    assert_eq!(batch.exemplars.len(), 1);
    let exemplar = &batch.exemplars[0];
    assert_eq!(exemplar.labels.to_string(), r#"{trace_id="abc"}"#);
    assert_eq!(
        (exemplar.value, exemplar.timestamp),
        (5.0, Some(1_520_879_607_500))
    );
    assert!(Arc::ptr_eq(&exemplar.series, &total.labels));
    assert_eq!(
        batch.metadata[0].metric_type,
        model::metrics::MetricType::Counter
    );
    assert_eq!(value(&batch, "scrape_timeout_seconds", None), Some(10.0));
    assert_eq!(value(&batch, "scrape_sample_limit", None), Some(0.0));
    assert_eq!(
        value(&batch, "scrape_body_size_bytes", None),
        Some(OPENMETRICS.len() as f64)
    );
}

#[tokio::test]
async fn gzip_accept_headers_and_params() {
    let (address, _server) = serve().await;
    let (l, collect) = scrape_loop(&target(&address, "/gzip"), &Arguments::default());
    l.scrape().await;
    assert_eq!(
        value(&collect.last(), "requests_total", Some(("code", "200"))),
        Some(10.0)
    );

    let args = Arguments {
        params: BTreeMap::from([("module".to_owned(), vec!["http_2xx".to_owned()])]),
        scrape_timeout: GoDuration::from_secs(5),
        ..Arguments::default()
    };
    let mut echo_target = target(&address, "/echo");
    echo_target.set("__param_target", "example.com");
    let (l, collect) = scrape_loop(&echo_target, &args);
    l.scrape().await;
    let batch = collect.last();
    let echo = &batch.samples[0].labels;
    assert_eq!(
        echo.value("accept"),
        "application/openmetrics-text;version=1.0.0;escaping=underscores;q=0.6,\
         application/openmetrics-text;version=0.0.1;q=0.5,\
         text/plain;version=1.0.0;escaping=underscores;q=0.4,\
         text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
    );
    assert_eq!(echo.value("encoding"), "gzip");
    assert_eq!(echo.value("timeout"), "5");
    assert_eq!(echo.value("query"), "module=http_2xx&target=example.com");

    let no_compression = Arguments {
        enable_compression: false,
        ..Arguments::default()
    };
    let (l, collect) = scrape_loop(&target(&address, "/echo"), &no_compression);
    l.scrape().await;
    assert_eq!(
        collect.last().samples[0].labels.value("encoding"),
        "identity"
    );
}

#[tokio::test]
async fn failures_report_down_with_the_reason() {
    let (address, _server) = serve().await;
    let log_dir = tempfile::tempdir().unwrap();
    let log = log_dir.path().join("failures.log");
    let logged = Arguments {
        scrape_failure_log_file: log.display().to_string(),
        ..Arguments::default()
    };
    let (garbage, collect) = scrape_loop(&target(&address, "/garbage"), &logged);
    garbage.scrape().await;
    let line: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&log).unwrap().trim_end()).unwrap();
    assert_eq!(line["target"], format!("http://{address}/garbage"));
    assert!(
        line["err"]
            .as_str()
            .unwrap()
            .contains("expected a valid start token")
    );
    let batch = collect.last();
    assert_eq!(value(&batch, "up", None), Some(0.0));
    assert_eq!(batch.samples.len(), 5, "only the synthetic series");
    let status = garbage.status.lock().clone();
    assert_eq!(status.health, scrape_loop::TargetHealth::Down);
    assert!(
        status.last_error.contains("expected a valid start token"),
        "{}",
        status.last_error
    );

    let (protobuf, _) = scrape_loop(&target(&address, "/protobuf"), &Arguments::default());
    protobuf.scrape().await;
    let error = protobuf.status.lock().last_error.clone();
    assert!(
        error.ends_with("the protobuf exposition format is not supported"),
        "{error}"
    );

    let quick = Arguments {
        scrape_timeout: GoDuration::from_nanos(200_000_000),
        ..Arguments::default()
    };
    let (slow, collect) = scrape_loop(&target(&address, "/slow"), &quick);
    slow.scrape().await;
    assert_eq!(value(&collect.last(), "up", None), Some(0.0));
    let error = slow.status.lock().last_error.clone();
    assert!(error.contains("/slow\": "), "{error}");

    let small = Arguments {
        body_size_limit: ByteSize(20),
        extra_metrics: true,
        ..Arguments::default()
    };
    let (big, collect) = scrape_loop(&target(&address, "/metrics"), &small);
    big.scrape().await;
    assert_eq!(big.status.lock().last_error, "body size limit exceeded");
    assert_eq!(
        value(&collect.last(), "scrape_body_size_bytes", None),
        Some(-1.0)
    );

    let few = Arguments {
        sample_limit: 2,
        ..Arguments::default()
    };
    let (limited, collect) = scrape_loop(&target(&address, "/metrics"), &few);
    limited.scrape().await;
    let batch = collect.last();
    assert_eq!(limited.status.lock().last_error, "sample limit exceeded");
    assert_eq!(value(&batch, "up", None), Some(0.0));
    assert_eq!(value(&batch, "scrape_samples_scraped", None), Some(3.0));
    assert_eq!(value(&batch, "requests_total", None), None, "nothing kept");

    let (refused, collect) = scrape_loop(&target("127.0.0.1:1", "/metrics"), &Arguments::default());
    refused.scrape().await;
    assert_eq!(value(&collect.last(), "up", None), Some(0.0));
    let error = refused.status.lock().last_error.clone();
    assert!(
        error.starts_with("Get \"http://127.0.0.1:1/metrics\": "),
        "{error}"
    );
}

#[tokio::test]
async fn vanished_series_and_failed_scrapes_go_stale() {
    let (address, _server) = serve().await;
    let (l, collect) = scrape_loop(&target(&address, "/flapping"), &Arguments::default());
    l.scrape().await;
    assert_eq!(value(&collect.last(), "flapping", None), Some(1.0));
    l.scrape().await;
    let second = collect.last();
    assert!(is_stale_nan(value(&second, "flapping", None).unwrap()));
    assert_eq!(value(&second, "kept", None), Some(2.0));
    l.scrape().await;
    l.scrape().await;
    assert!(
        value(&collect.last(), "flapping", None).is_some_and(is_stale_nan),
        "stale again after reappearing"
    );

    // A target that starts failing: its series end.
    let (metrics, collect) = scrape_loop(&target(&address, "/metrics"), &Arguments::default());
    metrics.scrape().await;
    let failing = ScrapeLoop::new(
        ScrapeTarget {
            url: reqwest::Url::parse(&format!("http://{address}/garbage")).unwrap(),
            ..metrics.target.clone()
        },
        metrics.settings.clone(),
        metrics.shared.clone(),
        metrics.state.clone(),
        metrics.status.clone(),
    );
    failing.scrape().await;
    let batch = collect.last();
    assert!(is_stale_nan(
        value(&batch, "requests_total", Some(("code", "200"))).unwrap()
    ));
    assert_eq!(
        value(&batch, "temperature", None),
        None,
        "series with their own timestamps are not marked stale"
    );
}

fn component_args(targets: Vec<Target>, receiver: &Arc<Collect>) -> Arguments {
    Arguments {
        targets,
        forward_to: vec![MetricsReceiver(receiver.clone())],
        scrape_interval: GoDuration::from_nanos(100_000_000),
        scrape_timeout: GoDuration::from_nanos(100_000_000),
        ..Arguments::default()
    }
}

/// Every `up` sample appended for `instance`, in order.
fn ups(collect: &Collect, instance: &str) -> Vec<f64> {
    collect
        .batches()
        .iter()
        .filter_map(|b| value(b, "up", Some(("instance", instance))))
        .collect()
}

#[tokio::test]
async fn updates_keep_running_loops_and_stale_removed_targets() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (address, _server) = serve().await;
    let collect = Arc::new(Collect::default());
    let mut relabelled = target(&address, "/metrics");
    relabelled.set("job", "custom");
    relabelled.set("instance", "second");
    let args = component_args(vec![target(&address, "/metrics")], &collect);
    let (opts, _) = options("prometheus.scrape.update");
    let component = Arc::new(PrometheusScrape::build(opts, args.clone()).unwrap());
    let shutdown = CancellationToken::new();
    let run = tokio::spawn(component.clone().run(shutdown.clone()));
    eventually("first scrapes", || ups(&collect, &address).len() >= 2).await;

    component
        .update(Arguments {
            targets: vec![target(&address, "/metrics"), relabelled.clone()],
            ..args.clone()
        })
        .unwrap();
    eventually("the new target", || !ups(&collect, "second").is_empty()).await;
    let second = collect
        .batches()
        .into_iter()
        .find(|b| value(b, "up", Some(("instance", "second"))).is_some())
        .unwrap();
    let sample = second
        .samples
        .iter()
        .find(|s| s.labels.value("code") == "200")
        .unwrap();
    assert_eq!(sample.labels.value("job"), "custom");
    assert_eq!(sample.labels.value("instance"), "second");
    // The first target's loop kept its cache: no series were added again.
    let added_again = collect
        .batches()
        .iter()
        .filter(|b| value(b, "up", Some(("instance", address.as_str()))).is_some())
        .skip(1)
        .any(|b| value(b, "scrape_series_added", None) != Some(0.0));
    assert!(!added_again);

    assert_eq!(component.targets_gauge.get(), 2);
    let info = component.debug_info().unwrap();
    let Value::Object(info) = info else { panic!() };
    let Some(Value::Array(targets)) = info.get("targets") else {
        panic!()
    };
    assert_eq!(targets.len(), 2);

    component
        .update(Arguments {
            targets: vec![target(&address, "/metrics")],
            ..args
        })
        .unwrap();
    eventually("staleness markers for the removed target", || {
        ups(&collect, "second")
            .last()
            .copied()
            .is_some_and(is_stale_nan)
    })
    .await;
    let last_of_second = collect
        .batches()
        .into_iter()
        .rev()
        .find(|b| value(b, "up", Some(("instance", "second"))).is_some())
        .unwrap();
    assert!(is_stale_nan(
        value(&last_of_second, "requests_total", Some(("code", "200"))).unwrap()
    ));

    shutdown.cancel();
    run.await.unwrap().unwrap();
    assert!(
        ups(&collect, &address)
            .last()
            .copied()
            .is_some_and(is_stale_nan)
    );
}

#[tokio::test]
async fn in_memory_targets_are_scraped_without_the_network() {
    let router = axum::Router::new().route("/api/v0/component/x/metrics", get(|| async { TEXT }));
    let _served = runtime::inmemory::serve("scrape-test.internal:12345", router);
    let mut target = target("scrape-test.internal:12345", "/api/v0/component/x/metrics");
    target.set("job", "integrations/x");
    let (l, collect) = scrape_loop(&target, &Arguments::default());
    l.scrape().await;
    let batch = collect.last();
    assert_eq!(value(&batch, "up", None), Some(1.0));
    assert_eq!(
        value(&batch, "requests_total", Some(("job", "integrations/x"))),
        Some(10.0)
    );
}

#[test]
fn arguments_validate_as_alloy() {
    let err = |args: Arguments| args.validate().unwrap_err();
    assert_eq!(
        err(Arguments {
            scrape_timeout: GoDuration::from_secs(61),
            job_name: "j".into(),
            ..Arguments::default()
        }),
        "scrape_timeout (1m1s) greater than scrape_interval (1m0s) for scrape config with job name \"j\""
    );
    assert_eq!(
        err(Arguments {
            scrape_protocols: vec!["PrometheusText0.0.4".into(), "Foo".into()],
            ..Arguments::default()
        }),
        "invalid scrape protocol \"Foo\": unknown scrape protocol Foo, supported: [OpenMetricsText0.0.1 OpenMetricsText1.0.0 PrometheusProto PrometheusText0.0.4 PrometheusText1.0.0]"
    );
    assert_eq!(
        err(Arguments {
            scrape_protocols: vec!["PrometheusText0.0.4".into(), "PrometheusText0.0.4".into()],
            ..Arguments::default()
        }),
        "duplicate scrape protocol \"PrometheusText0.0.4\": make sure the scrape protocols provided are unique"
    );
    assert_eq!(
        err(Arguments {
            scrape_native_histograms: true,
            scrape_protocols: vec!["PrometheusText0.0.4".into()],
            ..Arguments::default()
        }),
        "scrape_native_histograms is set to true, but PrometheusProto is not in scrape_protocols"
    );
    assert_eq!(
        err(Arguments {
            metric_name_escaping_scheme: "allow-utf-8".into(),
            ..Arguments::default()
        }),
        "metric_name_escaping_scheme cannot be set to 'allow-utf-8' while metric_name_validation_scheme is not set to 'utf8'"
    );
    assert!(Arguments::default().validate().is_ok());

    let experimental = Arguments {
        honor_metadata: true,
        ..Arguments::default()
    };
    assert_eq!(
        experimental.check_experimental(Stability::GenerallyAvailable),
        Err("honor_metadata is an experimental feature, and must be enabled by setting the stability.level flag to experimental".to_owned())
    );
    assert!(
        experimental
            .check_experimental(Stability::Experimental)
            .is_ok()
    );
}

#[tokio::test]
async fn too_many_targets_fail_every_scrape() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (address, _server) = serve().await;
    let collect = Arc::new(Collect::default());
    let mut second = target(&address, "/metrics");
    second.set("instance", "second");
    let args = Arguments {
        target_limit: 1,
        ..component_args(vec![target(&address, "/metrics"), second], &collect)
    };
    let (opts, _) = options("prometheus.scrape.limit");
    let component = Arc::new(PrometheusScrape::build(opts, args.clone()).unwrap());
    let shutdown = CancellationToken::new();
    let run = tokio::spawn(component.clone().run(shutdown.clone()));
    eventually("both targets reported", || {
        !ups(&collect, &address).is_empty() && !ups(&collect, "second").is_empty()
    })
    .await;
    assert!(ups(&collect, &address).iter().all(|up| *up == 0.0));
    let status = component
        .inner
        .lock()
        .loops
        .values()
        .next()
        .unwrap()
        .status
        .lock()
        .clone();
    assert_eq!(
        status.last_error,
        "target_limit exceeded (number of targets: 2, limit: 1)"
    );
    assert!(
        collect
            .batches()
            .iter()
            .all(|b| value(b, "requests_total", None).is_none())
    );
    shutdown.cancel();
    run.await.unwrap().unwrap();
}

#[tokio::test]
async fn honor_labels_change_restarts_with_fresh_caches() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (address, _server) = serve().await;
    let collect = Arc::new(Collect::default());
    let args = component_args(vec![target(&address, "/metrics")], &collect);
    let (opts, _) = options("prometheus.scrape.restart");
    let component = Arc::new(PrometheusScrape::build(opts, args.clone()).unwrap());
    let shutdown = CancellationToken::new();
    let run = tokio::spawn(component.clone().run(shutdown.clone()));
    eventually("first scrape", || !ups(&collect, &address).is_empty()).await;

    // A new interval keeps the caches: no series are added again.
    component
        .update(Arguments {
            scrape_interval: GoDuration::from_nanos(150_000_000),
            ..args.clone()
        })
        .unwrap();
    let scrapes = ups(&collect, &address).len();
    eventually("scrapes after the restart", || {
        ups(&collect, &address).len() >= scrapes + 2
    })
    .await;
    let added: Vec<Option<f64>> = collect
        .batches()
        .iter()
        .filter(|b| value(b, "up", Some(("instance", address.as_str()))).is_some_and(|v| v == 1.0))
        .map(|b| value(b, "scrape_series_added", None))
        .collect();
    assert_eq!(added[0], Some(3.0));
    assert!(added[1..].iter().all(|a| *a == Some(0.0)), "{added:?}");

    // honor_labels changes the label sets: the caches start over.
    component
        .update(Arguments {
            honor_labels: true,
            ..args
        })
        .unwrap();
    eventually("series added again", || {
        collect
            .batches()
            .last()
            .is_some_and(|b| value(b, "scrape_series_added", None) == Some(3.0))
    })
    .await;
    shutdown.cancel();
    run.await.unwrap().unwrap();
}

/// The real exporters' gzip answers (`testdata/exporters/exposition-variants`),
/// served as they were received: every family arrives.
#[tokio::test]
async fn real_gzip_scrapes() {
    let dir = testutil::shared("testdata/exporters/exposition-variants");
    for (exporter, families) in [
        ("node-exporter", 283),
        ("redis-exporter", 158),
        ("postgres-exporter", 341),
        ("pushgateway", 41),
        ("prometheus", 202),
    ] {
        let body = std::fs::read(dir.join(format!("{exporter}.text.gz"))).unwrap();
        let router = axum::Router::new().route(
            "/metrics",
            get(move || async move {
                (
                    [
                        ("content-type", "text/plain; version=0.0.4; charset=utf-8"),
                        ("content-encoding", "gzip"),
                    ],
                    body,
                )
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let server = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let (l, collect) = scrape_loop(&target(&address, "/metrics"), &Arguments::default());
        l.scrape().await;
        let batch = collect.last();
        assert_eq!(l.status.lock().last_error, "", "{exporter}");
        assert_eq!(batch.metadata.len(), families, "{exporter}");
        assert_eq!(
            value(&batch, "scrape_samples_scraped", None),
            Some((batch.samples.len() - 5) as f64),
            "{exporter}"
        );
        server.abort();
    }
}
