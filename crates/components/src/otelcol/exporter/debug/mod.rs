//! `otelcol.exporter.debug`: logs what it receives, as the Collector's debug
//! exporter does — `basic`: counts only; `normal`: a line per item;
//! `detailed`: every field. Logging is sampled per signal like zap's sampler:
//! each second the first `sampling_initial` reports, then every
//! `sampling_thereafter`-th.

mod detailed;
mod normal;
pub(crate) mod values;

use super::component::Exports;
use crate::otelcol::DebugMetrics;
use model::otlp::{Consume, ConsumeFuture, Consumer, Context, Request, Telemetry};
use parking_lot::Mutex;
use runtime::component::{Component, Options};
use std::sync::Arc;
use std::time::{Duration, Instant};
use syntax::decode::Block;
use tokio_util::sync::CancellationToken;

#[derive(Clone, Debug, PartialEq, Block)]
pub struct Arguments {
    #[alloy(attr, optional)]
    pub verbosity: String,
    #[alloy(attr, optional)]
    pub sampling_initial: i64,
    #[alloy(attr, optional)]
    pub sampling_thereafter: i64,
    #[alloy(attr, optional)]
    pub use_internal_logger: bool,
    #[alloy(block, optional)]
    pub debug_metrics: DebugMetrics,
}

impl Default for Arguments {
    fn default() -> Arguments {
        Arguments {
            verbosity: "basic".into(),
            sampling_initial: 2,
            sampling_thereafter: 1,
            use_internal_logger: true,
            debug_metrics: DebugMetrics::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verbosity {
    Basic,
    Normal,
    Detailed,
}

impl Verbosity {
    /// Any casing, as the Collector accepts.
    fn parse(text: &str) -> Result<Verbosity, String> {
        match text.to_ascii_lowercase().as_str() {
            "basic" => Ok(Verbosity::Basic),
            "normal" => Ok(Verbosity::Normal),
            "detailed" => Ok(Verbosity::Detailed),
            _ => Err(format!(
                "error in conversion to config arguments, invalid verbosity {text:?}"
            )),
        }
    }
}

/// What one request is reported as: the summary line with its counts, and
/// the items' text unless the verbosity is basic.
#[derive(Debug, PartialEq)]
pub struct Report {
    pub message: &'static str,
    pub counts: Vec<(&'static str, usize)>,
    pub text: Option<String>,
}

/// The report of `data` at `verbosity`.
pub fn report(verbosity: Verbosity, data: &mut Telemetry) -> Report {
    match data {
        Telemetry::Traces(payload) => {
            let request = payload.message();
            let text = render(verbosity, request, normal::traces, detailed::traces);
            Report {
                message: "Traces",
                counts: vec![
                    ("resource spans", request.resource_spans.len()),
                    ("spans", request.item_count()),
                ],
                text,
            }
        }
        Telemetry::Metrics(payload) => {
            let request = payload.message();
            let metrics = request
                .resource_metrics
                .iter()
                .flat_map(|r| &r.scope_metrics)
                .map(|s| s.metrics.len())
                .sum();
            let text = render(verbosity, request, normal::metrics, detailed::metrics);
            Report {
                message: "Metrics",
                counts: vec![
                    ("resource metrics", request.resource_metrics.len()),
                    ("metrics", metrics),
                    ("data points", request.item_count()),
                ],
                text,
            }
        }
        Telemetry::Logs(payload) => {
            let request = payload.message();
            let text = render(verbosity, request, normal::logs, detailed::logs);
            Report {
                message: "Logs",
                counts: vec![
                    ("resource logs", request.resource_logs.len()),
                    ("log records", request.item_count()),
                ],
                text,
            }
        }
    }
}

/// The items' text in the form the verbosity asks for.
fn render<M>(
    verbosity: Verbosity,
    request: &M,
    normal: fn(&M) -> String,
    detailed: fn(&M) -> String,
) -> Option<String> {
    match verbosity {
        Verbosity::Basic => None,
        Verbosity::Normal => Some(normal(request)),
        Verbosity::Detailed => Some(detailed(request)),
    }
}

/// zap's sampler: per signal and per second, the first `initial` reports,
/// then every `thereafter`-th (none when 0).
struct Sampler {
    initial: u64,
    thereafter: u64,
    /// Per signal: when the current second began and the reports in it.
    windows: Mutex<[(Instant, u64); 3]>,
}

impl Sampler {
    fn new(initial: i64, thereafter: i64) -> Sampler {
        Sampler {
            initial: initial.max(0) as u64,
            thereafter: thereafter.max(0) as u64,
            windows: Mutex::new([(Instant::now(), 0); 3]),
        }
    }

    fn admit(&self, data: &Telemetry) -> bool {
        let index = match data {
            Telemetry::Traces(_) => 0,
            Telemetry::Metrics(_) => 1,
            Telemetry::Logs(_) => 2,
        };
        let mut windows = self.windows.lock();
        let (start, count) = &mut windows[index];
        if start.elapsed() >= Duration::from_secs(1) {
            *start = Instant::now();
            *count = 0;
        }
        *count += 1;
        *count <= self.initial
            || (self.thereafter > 0 && (*count - self.initial).is_multiple_of(self.thereafter))
    }
}

struct Settings {
    verbosity: Verbosity,
    sampler: Sampler,
    internal_logger: bool,
    id: String,
}

struct Input {
    settings: Mutex<Arc<Settings>>,
}

impl Consume for Input {
    fn consume(&self, mut data: Telemetry, _: Context) -> ConsumeFuture {
        let settings = self.settings.lock().clone();
        if settings.sampler.admit(&data) {
            let report = report(settings.verbosity, &mut data);
            write(&settings, &report);
        }
        Box::pin(async { Ok(()) })
    }
}

fn write(settings: &Settings, report: &Report) {
    let counts = report
        .counts
        .iter()
        .map(|(name, n)| format!("{name:?}: {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    if settings.internal_logger {
        tracing::info!(component_id = %settings.id, counts = %counts, "{}", report.message);
        if let Some(text) = &report.text {
            tracing::info!(component_id = %settings.id, "{text}");
        }
    } else {
        println!("{}\t{{{counts}}}", report.message);
        if let Some(text) = &report.text {
            println!("{text}");
        }
    }
}

fn settings(id: &str, args: &Arguments) -> Result<Settings, String> {
    Ok(Settings {
        verbosity: Verbosity::parse(&args.verbosity)?,
        sampler: Sampler::new(args.sampling_initial, args.sampling_thereafter),
        internal_logger: args.use_internal_logger,
        id: id.to_owned(),
    })
}

pub struct DebugExporter {
    id: String,
    input: Arc<Input>,
}

impl Component for DebugExporter {
    type Arguments = Arguments;

    fn build(opts: Options, args: Arguments) -> Result<DebugExporter, String> {
        let input = Arc::new(Input {
            settings: Mutex::new(Arc::new(settings(&opts.id, &args)?)),
        });
        opts.export(&Exports {
            input: Some(Consumer(input.clone())),
        });
        Ok(DebugExporter { id: opts.id, input })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        Ok(())
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        *self.input.settings.lock() = Arc::new(settings(&self.id, &args)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
