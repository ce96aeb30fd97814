//! Scrapes of real Debian peers (`prometheus-node-exporter`, `prometheus`
//! serving its own /metrics): what the scrape loop appends must be exactly
//! the series a direct parse of the target's body yields, plus the target
//! labels. The binaries are installed by `scripts/test`; a missing binary
//! fails the test.

use super::tests::{JOB, scrape_loop};
use super::*;
use model::labels::Labels;
use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use textparse::{Entry, Parser};

/// A peer process, killed when the test ends.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(binary: &str, args: &[String]) -> Peer {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let child = Command::new(binary)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {binary} (installed by scripts/test): {e}"));
    Peer(child)
}

async fn get(url: &str) -> Option<String> {
    let response = reqwest::get(url).await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    response.text().await.ok()
}

async fn wait_ready(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while get(url).await.is_none() {
        assert!(Instant::now() < deadline, "{url} did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The label sets (as text) of a direct parse of `body`, with the target's
/// `job` and `instance` added and empty labels dropped (an empty label is an
/// absent one in Prometheus).
fn parsed_series(body: &str, job: &str, instance: &str) -> BTreeSet<String> {
    let mut parser = Parser::new(body.as_bytes(), textparse::Format::PrometheusText);
    let mut series = BTreeSet::new();
    while let Some(entry) = parser.next().unwrap() {
        if let Entry::Series(s) = entry {
            let mut labels = Labels::from_pairs(
                s.labels()
                    .map(|(n, v)| (n.into_owned(), v.into_owned()))
                    .chain([("__name__".to_owned(), s.name().into_owned())]),
            );
            labels.set("job", job);
            labels.set("instance", instance);
            labels.retain(|_, value| !value.is_empty());
            series.insert(labels.to_string());
        }
    }
    series
}

/// Scrapes `address` once through a scrape loop and compares with a direct
/// fetch and parse of the same target taken right after.
async fn compare_with_direct_parse(address: &str) {
    let url = format!("http://{address}/metrics");
    // A first request, so that the target's own request metrics exist.
    get(&url).await.unwrap();
    let target = Labels::from_pairs([("__address__", address)]);
    let (scrape_loop, collect) = scrape_loop(&target, &Arguments::default());
    scrape_loop.scrape().await;
    let direct = parsed_series(&get(&url).await.unwrap(), JOB, address);
    let batch = collect.last();
    assert_eq!(scrape_loop.status.lock().last_error, "");
    let report: BTreeSet<&str> = [
        "up",
        "scrape_duration_seconds",
        "scrape_samples_scraped",
        "scrape_samples_post_metric_relabeling",
        "scrape_series_added",
    ]
    .into();
    let scraped: BTreeSet<String> = batch
        .samples
        .iter()
        .filter(|s| !report.contains(s.labels.value("__name__")))
        .map(|s| s.labels.to_string())
        .collect();
    let samples = batch.samples.len() - report.len();
    assert_eq!(scraped.len(), samples, "no duplicate series");
    assert!(samples > 100, "{samples} samples");
    assert_eq!(
        scraped.symmetric_difference(&direct).collect::<Vec<_>>(),
        Vec::<&String>::new()
    );
    let up = batch
        .samples
        .iter()
        .find(|s| s.labels.value("__name__") == "up")
        .unwrap();
    assert_eq!(up.value, 1.0);
    assert!(!batch.metadata.is_empty());
}

#[tokio::test]
async fn scrapes_the_debian_node_exporter() {
    let dir = tempfile::tempdir().unwrap();
    let address = format!("127.0.0.1:{}", free_port());
    let _peer = start(
        "prometheus-node-exporter",
        &[
            format!("--web.listen-address={address}"),
            format!("--collector.textfile.directory={}", dir.path().display()),
        ],
    );
    wait_ready(&format!("http://{address}/metrics")).await;
    compare_with_direct_parse(&address).await;
}

#[tokio::test]
async fn scrapes_the_debian_prometheus() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(&config, "global: {scrape_interval: 1m}\n").unwrap();
    let address = format!("127.0.0.1:{}", free_port());
    let _peer = start(
        "prometheus",
        &[
            format!("--config.file={}", config.display()),
            format!("--web.listen-address={address}"),
            format!("--storage.tsdb.path={}", dir.path().join("data").display()),
        ],
    );
    wait_ready(&format!("http://{address}/-/ready")).await;
    compare_with_direct_parse(&address).await;
}
