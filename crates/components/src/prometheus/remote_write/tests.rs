use super::*;
use crate::testing::{eventually, field, options};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use model::metrics::Sample;
use model::remote_write::decode_request;
use syntax::decode::{Codec, GoDuration};

/// A status to answer with, and its `Retry-After` header.
type Scripted = (StatusCode, Option<&'static str>);

/// A remote-write receiver answering with scripted statuses, then 204; it
/// records the samples of accepted requests and counts every attempt.
#[derive(Clone, Default)]
struct Receiver {
    script: Arc<Mutex<Vec<Scripted>>>,
    accepted: Arc<Mutex<Vec<(String, i64, f64)>>>,
    attempts: Arc<Mutex<usize>>,
    headers: Arc<Mutex<Vec<axum::http::HeaderMap>>>,
}

impl Receiver {
    async fn serve(&self) -> String {
        let this = self.clone();
        let app = axum::Router::new().route(
            "/api/v1/write",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: bytes::Bytes| {
                let this = this.clone();
                async move {
                    *this.attempts.lock() += 1;
                    this.headers.lock().push(headers);
                    let next = {
                        let mut script = this.script.lock();
                        (!script.is_empty()).then(|| script.remove(0))
                    };
                    if let Some((status, retry_after)) = next {
                        let mut response = (status, "scripted failure").into_response();
                        if let Some(value) = retry_after {
                            response
                                .headers_mut()
                                .insert("retry-after", value.parse().unwrap());
                        }
                        return response;
                    }
                    let request = decode_request(&body, 1 << 24).unwrap();
                    let mut accepted = this.accepted.lock();
                    for m in request.metadata {
                        accepted.push((
                            format!("metadata {} {}", m.metric_family_name, m.help),
                            0,
                            0.0,
                        ));
                    }
                    for ts in request.timeseries {
                        let labels: Vec<String> = ts
                            .labels
                            .iter()
                            .map(|l| format!("{}={}", l.name, l.value))
                            .collect();
                        for s in ts.samples {
                            accepted.push((labels.join(","), s.timestamp, s.value));
                        }
                        for e in ts.exemplars {
                            let trace: Vec<String> = e
                                .labels
                                .iter()
                                .map(|l| format!("{}={}", l.name, l.value))
                                .collect();
                            let key = format!("{} exemplar {}", labels.join(","), trace.join(","));
                            accepted.push((key, e.timestamp, e.value));
                        }
                    }
                    StatusCode::NO_CONTENT.into_response()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/api/v1/write")
    }

    fn accepted(&self) -> Vec<(String, i64, f64)> {
        self.accepted.lock().clone()
    }
}

fn endpoint(url: &str) -> Endpoint {
    Endpoint {
        url: url.into(),
        queue_config: QueueOptions {
            batch_send_deadline: GoDuration::from_std(Duration::from_millis(20)),
            min_backoff: GoDuration::from_std(Duration::from_millis(5)),
            max_backoff: GoDuration::from_std(Duration::from_millis(20)),
            max_samples_per_send: 3,
            ..QueueOptions::default()
        },
        ..Endpoint::default()
    }
}

fn samples(names: &[&str], timestamp: i64) -> MetricsBatch {
    MetricsBatch {
        samples: names
            .iter()
            .enumerate()
            .map(|(i, name)| Sample {
                labels: Arc::new(Labels::from_pairs([("__name__", *name), ("job", "test")])),
                timestamp,
                value: i as f64,
            })
            .collect(),
        ..MetricsBatch::default()
    }
}

struct Running {
    component: Arc<RemoteWrite>,
    receiver: MetricsReceiver,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<Result<(), String>>,
}

impl Running {
    async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.unwrap().unwrap();
    }
}

fn start(id: &str, data: &std::path::Path, args: Arguments) -> Running {
    let (mut opts, exports) = options(id);
    opts.data_path = data.to_path_buf();
    let component = Arc::new(RemoteWrite::build(opts, args).unwrap());
    let receiver = MetricsReceiver::decode(field(&exports.last().unwrap(), "receiver")).unwrap();
    let shutdown = CancellationToken::new();
    let task = tokio::spawn(component.clone().run(shutdown.clone()));
    Running {
        component,
        receiver,
        shutdown,
        task,
    }
}

fn install_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[tokio::test]
async fn sends_with_external_labels_and_protocol_headers() {
    install_provider();
    let server = Receiver::default();
    let url = server.serve().await;
    let dir = tempfile::tempdir().unwrap();
    let args = Arguments {
        external_labels: [("cluster".to_string(), "c1".to_string())].into(),
        endpoints: vec![endpoint(&url)],
        ..Arguments::default()
    };
    let rw = start("prometheus.remote_write.send", dir.path(), args);
    rw.receiver
        .0
        .append(&samples(&["a", "b", "c", "d"], 1000))
        .unwrap();
    eventually("4 samples", || server.accepted().len() == 4).await;
    let mut got = server.accepted();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(got[0], ("__name__=a,cluster=c1,job=test".into(), 1000, 0.0));
    assert_eq!(got[3], ("__name__=d,cluster=c1,job=test".into(), 1000, 3.0));
    let headers = server.headers.lock()[0].clone();
    assert_eq!(headers["content-encoding"], "snappy");
    assert_eq!(headers["content-type"], "application/x-protobuf");
    assert_eq!(headers["x-prometheus-remote-write-version"], "0.1.0");
    assert!(
        headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("ferroalloy/")
    );
    assert_eq!(*server.attempts.lock(), 2, "max_samples_per_send = 3");
    rw.stop().await;
}

#[tokio::test]
async fn server_errors_and_429_are_retried_until_accepted() {
    install_provider();
    let server = Receiver::default();
    *server.script.lock() = vec![
        (StatusCode::INTERNAL_SERVER_ERROR, None),
        (StatusCode::TOO_MANY_REQUESTS, Some("0")),
        (StatusCode::SERVICE_UNAVAILABLE, None),
    ];
    let url = server.serve().await;
    let dir = tempfile::tempdir().unwrap();
    let args = Arguments {
        endpoints: vec![endpoint(&url)],
        ..Arguments::default()
    };
    let rw = start("prometheus.remote_write.retry", dir.path(), args);
    rw.receiver.0.append(&samples(&["a", "b"], 5)).unwrap();
    eventually("the samples after three failures", || {
        server.accepted().len() == 2
    })
    .await;
    assert_eq!(*server.attempts.lock(), 4);
    let m = rw
        .component
        .storage
        .metrics
        .queue(&remote_name(&endpoint(&url)), &url);
    assert_eq!(m.samples_retried.get(), 6);
    assert_eq!(m.samples.get(), 2);
    assert_eq!(m.samples_failed.get(), 0);
    rw.stop().await;
}

#[tokio::test]
async fn client_errors_drop_the_batch_and_count_it() {
    install_provider();
    let server = Receiver::default();
    *server.script.lock() = vec![(StatusCode::BAD_REQUEST, None)];
    let url = server.serve().await;
    let dir = tempfile::tempdir().unwrap();
    let args = Arguments {
        endpoints: vec![endpoint(&url)],
        ..Arguments::default()
    };
    let rw = start("prometheus.remote_write.drop", dir.path(), args);
    rw.receiver.0.append(&samples(&["a"], 5)).unwrap();
    let m = rw
        .component
        .storage
        .metrics
        .queue(&remote_name(&endpoint(&url)), &url);
    eventually("the failure counted", || m.samples_failed.get() == 1).await;
    rw.receiver.0.append(&samples(&["b"], 6)).unwrap();
    eventually("the next batch sent", || server.accepted().len() == 1).await;
    assert_eq!(server.accepted()[0].0, "__name__=b,job=test");
    assert_eq!(*server.attempts.lock(), 2, "400 is not retried");
    rw.stop().await;
}

#[tokio::test]
async fn restart_resends_only_unacknowledged_samples() {
    install_provider();
    let server = Receiver::default();
    let url = server.serve().await;
    let dir = tempfile::tempdir().unwrap();
    let args = Arguments {
        endpoints: vec![endpoint(&url)],
        ..Arguments::default()
    };
    let rw = start("prometheus.remote_write.restart", dir.path(), args.clone());
    rw.receiver.0.append(&samples(&["a", "b"], 1)).unwrap();
    eventually("first samples", || server.accepted().len() == 2).await;
    // The endpoint goes down; these are written to the WAL but not sent.
    *server.script.lock() = vec![(StatusCode::INTERNAL_SERVER_ERROR, None); 1000];
    rw.receiver.0.append(&samples(&["c"], 2)).unwrap();
    eventually("a failed attempt", || *server.attempts.lock() >= 2).await;
    rw.stop().await;

    server.script.lock().clear();
    let rw = start("prometheus.remote_write.restart", dir.path(), args);
    eventually("the unsent sample after restart", || {
        server.accepted().len() == 3
    })
    .await;
    rw.receiver.0.append(&samples(&["d"], 3)).unwrap();
    eventually("new samples", || server.accepted().len() == 4).await;
    let names: Vec<_> = server.accepted().iter().map(|s| s.0.clone()).collect();
    assert_eq!(
        names[2], "__name__=c,job=test",
        "nothing acknowledged was resent"
    );
    assert_eq!(names[3], "__name__=d,job=test");
    let info = rw.component.debug_info().unwrap();
    let syntax::value::Value::Array(queues) = field(&info, "queues") else {
        panic!("queues: {info:?}");
    };
    assert!(matches!(field(&queues[0], "url"), syntax::value::Value::String(u) if *u == url));
    rw.stop().await;
}

#[tokio::test]
async fn write_relabelling_drops_series_before_sending() {
    install_provider();
    let server = Receiver::default();
    let url = server.serve().await;
    let dir = tempfile::tempdir().unwrap();
    let mut ep = endpoint(&url);
    ep.write_relabel_configs = vec![model::relabel::Rule {
        source_labels: vec!["__name__".into()],
        regex: model::relabel::Regex::new("secret_.*").unwrap(),
        action: model::relabel::Action::Drop,
        ..model::relabel::Rule::default()
    }];
    let args = Arguments {
        endpoints: vec![ep],
        ..Arguments::default()
    };
    let rw = start("prometheus.remote_write.relabel", dir.path(), args);
    rw.receiver
        .0
        .append(&samples(&["secret_x", "public"], 1))
        .unwrap();
    let m = rw
        .component
        .storage
        .metrics
        .queue(&remote_name(&endpoint(&url)), &url);
    eventually("one sent, one dropped", || {
        server.accepted().len() == 1 && m.samples_dropped.get() == 1
    })
    .await;
    assert_eq!(server.accepted()[0].0, "__name__=public,job=test");
    rw.stop().await;
}

#[test]
fn wal_options_validate_with_alloys_messages() {
    use syntax::decode::Validate;
    let zero = WalOptions {
        truncate_frequency: GoDuration(0),
        ..WalOptions::default()
    };
    assert_eq!(
        zero.validate().unwrap_err(),
        "truncate_frequency must not be 0"
    );
    let inverted = WalOptions {
        min_keepalive_time: GoDuration::from_std(Duration::from_secs(9 * 3600)),
        ..WalOptions::default()
    };
    assert_eq!(
        inverted.validate().unwrap_err(),
        "min_keepalive_time must be smaller than max_keepalive_time"
    );
    let alias = WalOptions {
        max_age: Some(GoDuration::from_std(Duration::from_secs(7200))),
        ..WalOptions::default()
    };
    assert!(alias.validate().is_ok());
    assert_eq!(
        alias.max_keepalive().to_std(),
        Some(Duration::from_secs(7200))
    );
}

#[tokio::test]
async fn a_queue_that_never_delivered_resumes_after_restart() {
    install_provider();
    let server = Receiver::default();
    *server.script.lock() = vec![(StatusCode::BAD_GATEWAY, None); 1000];
    let url = server.serve().await;
    let dir = tempfile::tempdir().unwrap();
    let args = Arguments {
        endpoints: vec![endpoint(&url)],
        ..Arguments::default()
    };
    let rw = start("prometheus.remote_write.never", dir.path(), args.clone());
    rw.receiver.0.append(&samples(&["a"], 1)).unwrap();
    eventually("a failed attempt", || *server.attempts.lock() >= 1).await;
    rw.stop().await;

    server.script.lock().clear();
    let rw = start("prometheus.remote_write.never", dir.path(), args);
    eventually("the sample from before the restart", || {
        server.accepted().len() == 1
    })
    .await;
    rw.stop().await;
}

#[tokio::test]
async fn exemplars_are_sent_unless_disabled() {
    install_provider();
    let batch = MetricsBatch {
        exemplars: vec![model::metrics::Exemplar {
            series: Arc::new(Labels::from_pairs([("__name__", "req_total")])),
            labels: Labels::from_pairs([("trace_id", "abc")]),
            value: 2.0,
            timestamp: Some(42),
        }],
        ..samples(&["req_total"], 40)
    };
    for send_exemplars in [true, false] {
        let server = Receiver::default();
        let url = server.serve().await;
        let dir = tempfile::tempdir().unwrap();
        let args = Arguments {
            endpoints: vec![Endpoint {
                send_exemplars,
                ..endpoint(&url)
            }],
            ..Arguments::default()
        };
        let rw = start("prometheus.remote_write.exemplars", dir.path(), args);
        rw.receiver.0.append(&batch).unwrap();
        // A later sample shows that everything before it was delivered.
        rw.receiver.0.append(&samples(&["later"], 50)).unwrap();
        eventually("the later sample", || {
            server.accepted().iter().any(|s| s.0.contains("later"))
        })
        .await;
        let exemplars: Vec<_> = server
            .accepted()
            .into_iter()
            .filter(|s| s.0.contains("exemplar"))
            .collect();
        if send_exemplars {
            assert_eq!(
                exemplars,
                [("__name__=req_total exemplar trace_id=abc".into(), 42, 2.0)]
            );
        } else {
            assert!(exemplars.is_empty(), "{exemplars:?}");
        }
        rw.stop().await;
    }
}

fn segments(data: &std::path::Path) -> Vec<u64> {
    wal::segment::list(&data.join("wal")).unwrap()
}

#[tokio::test]
async fn truncation_deletes_only_what_every_queue_sent() {
    install_provider();
    let up = Receiver::default();
    let down = Receiver::default();
    *down.script.lock() = vec![(StatusCode::SERVICE_UNAVAILABLE, None); 100_000];
    let (up_url, down_url) = (up.serve().await, down.serve().await);
    let fast_truncation = WalOptions {
        truncate_frequency: GoDuration::from_std(Duration::from_millis(50)),
        min_keepalive_time: GoDuration(0),
        ..WalOptions::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let args = Arguments {
        endpoints: vec![endpoint(&up_url), endpoint(&down_url)],
        wal: fast_truncation.clone(),
        ..Arguments::default()
    };
    let rw = start("prometheus.remote_write.trunc", dir.path(), args);
    // Recent samples: older ones would go with the max keepalive anyway.
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    rw.receiver.0.append(&samples(&["a"], now)).unwrap();
    eventually("the sample at the healthy endpoint", || {
        up.accepted().len() == 1
    })
    .await;
    // A truncation cuts a new segment and, in the same step, keeps segment 1:
    // the endpoint that is down still needs it.
    eventually("a truncation", || segments(dir.path()).len() >= 2).await;
    assert_eq!(segments(dir.path())[0], 1);

    // Without the failing endpoint, segment 1 goes and its series with it.
    rw.component
        .update(Arguments {
            endpoints: vec![endpoint(&up_url)],
            wal: fast_truncation,
            ..Arguments::default()
        })
        .unwrap();
    eventually("segment 1 deleted", || {
        segments(dir.path()).first() != Some(&1)
    })
    .await;
    eventually("the series dropped", || {
        rw.component.storage.wal.active_series() == 0
    })
    .await;
    assert!(dir.path().join("wal/checkpoint").exists());
    // A new append still reaches the remaining endpoint.
    rw.receiver.0.append(&samples(&["b"], now + 1)).unwrap();
    eventually("the new sample", || up.accepted().len() == 2).await;
    rw.stop().await;
}

#[tokio::test]
async fn retry_after_is_honoured() {
    install_provider();
    let server = Receiver::default();
    *server.script.lock() = vec![(StatusCode::TOO_MANY_REQUESTS, Some("2"))];
    let url = server.serve().await;
    let dir = tempfile::tempdir().unwrap();
    let args = Arguments {
        endpoints: vec![endpoint(&url)],
        ..Arguments::default()
    };
    let rw = start("prometheus.remote_write.retry_after", dir.path(), args);
    rw.receiver.0.append(&samples(&["a"], 1)).unwrap();
    eventually("the first attempt", || *server.attempts.lock() == 1).await;
    // The backoff alone (5 ms) would have retried long before this.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        *server.attempts.lock(),
        1,
        "waits the 2 s the server asked for"
    );
    eventually("the retry", || server.accepted().len() == 1).await;
    rw.stop().await;
}

#[tokio::test]
async fn old_samples_are_dropped_and_metadata_is_sent() {
    install_provider();
    let server = Receiver::default();
    let url = server.serve().await;
    let dir = tempfile::tempdir().unwrap();
    let mut ep = endpoint(&url);
    ep.queue_config.sample_age_limit = GoDuration::from_std(Duration::from_secs(3600));
    ep.metadata_config.send_interval = GoDuration::from_std(Duration::from_millis(50));
    let args = Arguments {
        endpoints: vec![ep],
        ..Arguments::default()
    };
    let rw = start("prometheus.remote_write.age", dir.path(), args);
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let batch = MetricsBatch {
        metadata: vec![Metadata {
            family: "fresh".into(),
            metric_type: model::metrics::MetricType::Gauge,
            help: "Fresh.".into(),
            unit: String::new(),
        }],
        ..samples(&["stale"], now - 7_200_000)
    };
    rw.receiver.0.append(&batch).unwrap();
    rw.receiver.0.append(&samples(&["fresh"], now)).unwrap();
    eventually("the fresh sample and the metadata", || {
        let got = server.accepted();
        got.iter().any(|s| s.0 == "__name__=fresh,job=test")
            && got.iter().any(|s| s.0 == "metadata fresh Fresh.")
    })
    .await;
    assert!(!server.accepted().iter().any(|s| s.0.contains("stale")));
    let m = rw
        .component
        .storage
        .metrics
        .queue(&remote_name(&endpoint(&url)), &url);
    assert_eq!(m.samples_dropped.get(), 1);
    rw.stop().await;
}
