//! One target's scrape loop, as Prometheus's: a scrape every interval at an
//! offset spread by the target's hash; each scrape parsed into one batch with
//! the synthetic series and the staleness markers of vanished series, and
//! appended to every receiver.

use super::cache::SeriesCache;
use super::failure_log;
use super::fetch::{BODY_SIZE_LIMIT_EXCEEDED, FetchRequest, fetch};
use super::metadata::MetadataTracker;
use super::sample_labels::{LabelRules, series_labels};
use super::target::ScrapeTarget;
use crate::prometheus::http_client::HttpClient;
use model::labels::Labels;
use model::metrics::{Exemplar, MetricsBatch, MetricsReceiver, Sample, append_all, stale_nan};
use parking_lot::{Mutex, RwLock};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use textparse::{Entry, Format, Parser};
use tokio_util::sync::CancellationToken;

/// What all loops of a component share; a change restarts the loops.
pub(crate) struct Settings {
    pub honor_timestamps: bool,
    pub track_timestamps_staleness: bool,
    pub extra_metrics: bool,
    pub accept: String,
    pub compression: bool,
    pub body_size_limit: usize,
    /// The parser for a missing or unknown Content-Type.
    pub fallback: Option<Format>,
    pub sample_limit: usize,
    pub label_rules: LabelRules,
    /// `scrape_failure_log_file`, when set.
    pub failure_log: Option<PathBuf>,
    pub client: HttpClient,
    /// Mixed into the offsets so that several processes scraping the same
    /// targets do not all scrape at the same instant.
    pub offset_seed: u64,
}

/// What the component shares with all its loops and changes without
/// restarting them.
pub(crate) struct Shared {
    pub receivers: RwLock<Vec<MetricsReceiver>>,
    /// Fails every scrape while set (`target_limit` exceeded), as
    /// Prometheus's forced error does.
    pub forced_error: RwLock<Option<String>>,
}

impl Shared {
    pub fn new(receivers: Vec<MetricsReceiver>) -> Shared {
        Shared {
            receivers: RwLock::new(receivers),
            forced_error: RwLock::new(None),
        }
    }
}

/// Health of a target, as the debug info shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TargetHealth {
    Unknown,
    Up,
    Down,
}

impl TargetHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetHealth::Unknown => "unknown",
            TargetHealth::Up => "up",
            TargetHealth::Down => "down",
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct TargetStatus {
    pub health: TargetHealth,
    pub last_scrape: Option<SystemTime>,
    pub last_duration: Duration,
    pub last_error: String,
}

impl Default for TargetStatus {
    fn default() -> TargetStatus {
        TargetStatus {
            health: TargetHealth::Unknown,
            last_scrape: None,
            last_duration: Duration::ZERO,
            last_error: String::new(),
        }
    }
}

/// What outlives a loop restarted with new settings: the series cache (so
/// staleness keeps working), buffers and the target's status.
#[derive(Default)]
pub(crate) struct LoopState {
    cache: SeriesCache,
    body: Vec<u8>,
    scratch: Vec<u8>,
    batch: MetricsBatch,
    metadata: MetadataTracker,
    /// The synthetic series were appended and not yet marked stale.
    reported: bool,
    pub status: TargetStatus,
}

pub(crate) struct ScrapeLoop {
    pub target: ScrapeTarget,
    pub(super) settings: Arc<Settings>,
    pub(super) shared: Arc<Shared>,
    pub state: Arc<tokio::sync::Mutex<LoopState>>,
    /// A copy of the status readable without waiting for a running scrape.
    pub status: Arc<Mutex<TargetStatus>>,
    report: Vec<Arc<Labels>>,
}

/// The synthetic series, in the order their values are computed.
const REPORT_SERIES: [&str; 5] = [
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
];
const EXTRA_REPORT_SERIES: [&str; 3] = [
    "scrape_timeout_seconds",
    "scrape_sample_limit",
    "scrape_body_size_bytes",
];

/// Counts of one scrape, reported in the synthetic series.
#[derive(Default)]
struct Counts {
    scraped: usize,
    added: usize,
    series_added: usize,
}

impl ScrapeLoop {
    pub fn new(
        target: ScrapeTarget,
        settings: Arc<Settings>,
        shared: Arc<Shared>,
        state: Arc<tokio::sync::Mutex<LoopState>>,
        status: Arc<Mutex<TargetStatus>>,
    ) -> ScrapeLoop {
        let extra: &[&str] = if settings.extra_metrics {
            &EXTRA_REPORT_SERIES
        } else {
            &[]
        };
        let report = REPORT_SERIES
            .iter()
            .chain(extra)
            .map(|name| {
                let mut labels = target.labels.clone();
                labels.set("__name__", *name);
                Arc::new(labels)
            })
            .collect();
        ScrapeLoop {
            target,
            settings,
            shared,
            state,
            status,
            report,
        }
    }

    /// Scrapes until `stop` is cancelled; then, when `mark_stale` says so (the
    /// target is gone, not merely restarted), marks its series stale.
    pub async fn run(
        self,
        stop: CancellationToken,
        mark_stale: Arc<std::sync::atomic::AtomicBool>,
    ) {
        let first = offset(
            self.target.interval,
            self.target.hash ^ self.settings.offset_seed,
            SystemTime::now(),
        );
        let mut ticker =
            tokio::time::interval_at(tokio::time::Instant::now() + first, self.target.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = ticker.tick() => self.scrape().await,
                () = stop.cancelled() => break,
            }
        }
        if mark_stale.load(std::sync::atomic::Ordering::Acquire) {
            self.mark_stale().await;
        }
    }

    /// One scrape: fetch, parse, append.
    pub async fn scrape(&self) {
        let mut guard = self.state.lock().await;
        let state = &mut *guard;
        let started_at = SystemTime::now();
        let started = Instant::now();
        let now_ms = millis(started_at);
        let request = FetchRequest {
            url: &self.target.url,
            address: &self.target.address,
            accept: &self.settings.accept,
            compression: self.settings.compression,
            timeout: self.target.timeout,
            body_size_limit: self.settings.body_size_limit,
        };
        let forced_error = self.shared.forced_error.read().clone();
        let fetched = match forced_error {
            Some(e) => Err(e),
            None => {
                fetch(
                    &self.settings.client,
                    &request,
                    &mut state.body,
                    &mut state.scratch,
                )
                .await
            }
        };
        clear(&mut state.batch);
        state.cache.begin();
        let mut counts = Counts::default();
        let mut body_size = 0.0;
        let outcome = match fetched {
            Ok(content_type) => {
                body_size = state.body.len() as f64;
                self.parse(state, &content_type, now_ms, &mut counts)
            }
            Err(e) => {
                if e == BODY_SIZE_LIMIT_EXCEEDED {
                    body_size = -1.0;
                }
                Err(e)
            }
        };
        let batch = &mut state.batch;
        let stale = |labels: &Arc<Labels>| Sample {
            labels: labels.clone(),
            timestamp: now_ms,
            value: stale_nan(),
        };
        match &outcome {
            Ok(()) => state.cache.commit(|l| batch.samples.push(stale(l))),
            Err(_) => {
                // Nothing of a failed scrape is kept, as Prometheus rolls the
                // transaction back; the series it had are stale now.
                clear(batch);
                state.cache.fail(|l| batch.samples.push(stale(l)));
            }
        }
        let duration = started.elapsed();
        let up = if outcome.is_ok() { 1.0 } else { 0.0 };
        let values = [
            up,
            duration.as_secs_f64(),
            counts.scraped as f64,
            counts.added as f64,
            counts.series_added as f64,
            self.target.timeout.as_secs_f64(),
            self.settings.sample_limit as f64,
            body_size,
        ];
        for (labels, value) in self.report.iter().zip(values) {
            batch.samples.push(Sample {
                labels: labels.clone(),
                timestamp: now_ms,
                value,
            });
        }
        state.reported = true;
        let appended = append_all(&self.shared.receivers.read(), batch);
        if let (Err(e), Some(path)) = (&outcome, &self.settings.failure_log) {
            failure_log::append(
                path,
                started_at,
                self.target.labels.value("job"),
                self.target.url.as_str(),
                e,
            );
        }
        let mut last_error = outcome.err().unwrap_or_default();
        if let Err(e) = appended {
            tracing::warn!(target = %self.target.url, error = %e, "appending scraped samples failed");
            if last_error.is_empty() {
                last_error = format!("appending scraped samples: {e}");
            }
        }
        state.status = TargetStatus {
            health: if up == 1.0 {
                TargetHealth::Up
            } else {
                TargetHealth::Down
            },
            last_scrape: Some(started_at),
            last_duration: duration,
            last_error,
        };
        *self.status.lock() = state.status.clone();
    }

    /// Parses the body into the batch.
    fn parse(
        &self,
        state: &mut LoopState,
        content_type: &str,
        now_ms: i64,
        counts: &mut Counts,
    ) -> Result<(), String> {
        if content_type.starts_with("application/vnd.google.protobuf") {
            // Never asked for (see the Accept header), but a target may send it.
            return Err(format!(
                "received Content-Type {content_type:?}: the protobuf exposition format is not supported"
            ));
        }
        let Some(format) = Format::from_content_type(content_type).or(self.settings.fallback)
        else {
            return Err(format!(
                "received unsupported Content-Type {content_type:?} and no fallback_scrape_protocol specified for target"
            ));
        };
        let settings = &self.settings;
        let batch = &mut state.batch;
        let mut parser = Parser::new(&state.body, format);
        state.metadata.begin();
        let mut limit_exceeded = false;
        loop {
            let entry = match parser.next() {
                Ok(Some(entry)) => entry,
                Ok(None) => break,
                Err(e) => return Err(e.to_string()),
            };
            let series = match entry {
                Entry::Series(series) => series,
                Entry::Help { name, text } => {
                    state.metadata.family(&name).help.push_str(&text);
                    continue;
                }
                Entry::Type { name, metric_type } => {
                    state.metadata.family(&name).metric_type = metric_type;
                    continue;
                }
                Entry::Unit { name, unit } => {
                    state.metadata.family(&name).unit.push_str(&unit);
                    continue;
                }
                Entry::Comment(_) => continue,
            };
            counts.scraped += 1;
            if limit_exceeded {
                continue;
            }
            let timestamp = series.timestamp.filter(|_| settings.honor_timestamps);
            let tracked = timestamp.is_none() || settings.track_timestamps_staleness;
            let mut new_series = false;
            let labels = state.cache.labels(series.raw, tracked, || {
                new_series = true;
                series_labels(&series, &self.target.labels, settings.label_rules)
            })?;
            let Some(labels) = labels else {
                tracing::debug!(target = %self.target.url, series = %String::from_utf8_lossy(series.raw), "duplicate sample for timestamp");
                continue;
            };
            counts.series_added += usize::from(new_series);
            if let Some(exemplar) = series.exemplar.as_ref().filter(|e| !e.too_long()) {
                batch.exemplars.push(Exemplar {
                    series: labels.clone(),
                    labels: Labels::from_pairs(exemplar.labels()),
                    value: exemplar.value,
                    timestamp: exemplar.timestamp,
                });
            }
            batch.samples.push(Sample {
                labels,
                timestamp: timestamp.unwrap_or(now_ms),
                value: series.value,
            });
            counts.added += 1;
            if settings.sample_limit > 0 && counts.added > settings.sample_limit {
                limit_exceeded = true;
            }
        }
        if limit_exceeded {
            return Err("sample limit exceeded".to_owned());
        }
        if let Some(metadata) = state.metadata.changed() {
            batch.metadata = metadata;
        }
        Ok(())
    }

    /// The target is gone: its series and synthetic series end now.
    async fn mark_stale(&self) {
        let mut guard = self.state.lock().await;
        let state = &mut *guard;
        let now_ms = millis(SystemTime::now());
        let batch = &mut state.batch;
        clear(batch);
        let stale = |labels: &Arc<Labels>| Sample {
            labels: labels.clone(),
            timestamp: now_ms,
            value: stale_nan(),
        };
        state.cache.fail(|l| batch.samples.push(stale(l)));
        if std::mem::take(&mut state.reported) {
            batch.samples.extend(self.report.iter().map(stale));
        }
        if batch.is_empty() {
            return;
        }
        if let Err(e) = append_all(&self.shared.receivers.read(), batch) {
            tracing::warn!(target = %self.target.url, error = %e, "appending staleness markers failed");
        }
    }
}

fn clear(batch: &mut MetricsBatch) {
    batch.samples.clear();
    batch.exemplars.clear();
    batch.metadata.clear();
}

fn millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// When, after `now`, the first scrape of a target should happen: a point in
/// the interval fixed by `hash`, pinned to absolute time so that restarts keep
/// the same phase (Prometheus's `Target.offset`).
pub(crate) fn offset(interval: Duration, hash: u64, now: SystemTime) -> Duration {
    let interval_ns = u64::try_from(interval.as_nanos())
        .unwrap_or(u64::MAX)
        .max(1);
    let now_ns = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
    let base = interval_ns - now_ns % interval_ns;
    let mut next = base + hash % interval_ns;
    if next > interval_ns {
        next -= interval_ns;
    }
    Duration::from_nanos(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_stay_in_the_interval_and_keep_their_phase() {
        let interval = Duration::from_secs(10);
        let now = UNIX_EPOCH + Duration::from_secs(1_000_003);
        let a = offset(interval, 7_000_000_000, now);
        assert!(a <= interval);
        // The first scrape lands on the same phase of the interval wherever
        // `now` is.
        let phase = |d: Duration, now: SystemTime| {
            ((now.duration_since(UNIX_EPOCH).unwrap() + d).as_nanos() % interval.as_nanos()) as u64
        };
        let later = now + Duration::from_millis(4321);
        assert_eq!(
            phase(a, now),
            phase(offset(interval, 7_000_000_000, later), later)
        );
        assert_eq!(phase(a, now), 7_000_000_000);
    }
}
