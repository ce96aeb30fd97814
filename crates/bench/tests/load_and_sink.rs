//! otlp-load's engine against the counting sink over real sockets: what the
//! generator reports accepted is what the sink counted; refusals and broken
//! requests are sorted as OTLP says.

use bench::Signal;
use bench::client::{Connection, Outcome, Protocol, Target};
use bench::compression::Compression;
use bench::load::{self, Options};
use bench::sink::{self, Sink};
use std::sync::Arc;
use std::time::Duration;

async fn start_sink(sink: Arc<Sink>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(sink::serve(listener, sink, std::future::pending()));
    addr
}

fn options(endpoint: &str, protocol: Protocol, signal: Signal) -> Options {
    Options {
        endpoint: endpoint.to_owned(),
        protocol,
        signal,
        batch: 50,
        connections: 2,
        rate: 0,
        duration: Duration::from_millis(300),
        pool: 4,
        compression: Some(Compression::Gzip),
        headers: vec![("x-scope".into(), "bench".into())],
    }
}

#[tokio::test]
async fn every_accepted_item_is_counted_by_the_sink() {
    let sink = Arc::new(Sink::new(200, 0, 0, 64 << 20));
    let addr = start_sink(sink.clone()).await;
    for (protocol, signal) in [
        (Protocol::Grpc, Signal::Traces),
        (Protocol::Http, Signal::Metrics),
        (Protocol::Grpc, Signal::Logs),
    ] {
        let report = load::run(&options(&addr, protocol, signal)).await.unwrap();
        assert!(report.requests > 0, "{report:?}");
        assert_eq!(report.errors, 0, "{report:?}");
        assert_eq!(report.items_accepted, report.items_sent);
        assert_eq!(sink.items(signal), report.items_accepted, "{signal:?}");
    }
}

#[tokio::test]
async fn refusals_are_counted_as_refused_not_accepted() {
    let sink = Arc::new(Sink::new(503, 14, 1, 64 << 20));
    let addr = start_sink(sink.clone()).await;
    for protocol in [Protocol::Grpc, Protocol::Http] {
        let report = load::run(&options(&addr, protocol, Signal::Traces))
            .await
            .unwrap();
        assert!(report.items_sent > 0);
        assert_eq!(report.items_refused, report.items_sent, "{report:?}");
        assert_eq!(report.items_accepted, 0);
    }
    assert_eq!(sink.items(Signal::Traces), 0);
    assert!(sink.counts_json()["refused_items"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn malformed_requests_are_rejected_with_the_reason() {
    let sink = Arc::new(Sink::new(200, 0, 0, 64 << 20));
    let addr = start_sink(sink.clone()).await;
    for (protocol, code) in [(Protocol::Grpc, "grpc:3"), (Protocol::Http, "400")] {
        let target = Target::new(protocol, Signal::Logs, &addr, None, &[]).unwrap();
        let mut conn = Connection::open(protocol, &addr).await.unwrap();
        let answer = conn.export(&target, target.body(&[0x0a, 0x7f, 1])).await;
        assert_eq!(answer.outcome, Outcome::Rejected, "{answer:?}");
        assert_eq!(answer.code, code);
        assert!(answer.message.contains("truncated message"), "{answer:?}");
    }
    assert_eq!(sink.counts_json()["invalid_requests"], 2);
}
