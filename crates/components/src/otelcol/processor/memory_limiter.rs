//! `otelcol.processor.memory_limiter` (SPEC §2.3): measures the process's
//! memory every `check_interval` and, while it is above the soft limit (limit −
//! spike limit), refuses data with a retryable error so that senders back off
//! (receivers answer gRPC UNAVAILABLE / HTTP 503).
//!
//! The Collector measures Go's heap; ferroalloy has no garbage collector, so the
//! measure is the resident set size from `/proc/self/statm` (one small read).

use super::{Process, Stage, export_input};
use crate::otelcol::{DebugMetrics, Output};
use model::otlp::{ClientInfo, ConsumeError, Consumer, Signal, Telemetry};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use runtime::component::{Component, Options};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use syntax::decode::{Block, ByteSize, GoDuration, Validate};
use tokio_util::sync::CancellationToken;

const MIB: i64 = 1 << 20;

#[derive(Clone, Debug, Default, PartialEq, Block)]
#[alloy(validate)]
pub struct Arguments {
    #[alloy(attr)]
    pub check_interval: GoDuration,
    #[alloy(attr, optional)]
    pub limit: ByteSize,
    #[alloy(attr, optional)]
    pub spike_limit: ByteSize,
    #[alloy(attr, optional)]
    pub limit_percentage: u32,
    #[alloy(attr, optional)]
    pub spike_limit_percentage: u32,
    #[alloy(block)]
    pub output: Output,
    #[alloy(block, optional)]
    pub debug_metrics: DebugMetrics,
}

impl Validate for Arguments {
    fn validate(&self) -> Result<(), String> {
        if self.check_interval.nanos() <= 0 {
            return Err("check_interval must be greater than zero".into());
        }
        if self.limit.0 > 0 && self.limit_percentage > 0 {
            return Err("either limit or limit_percentage must be set, but not both".into());
        }
        if self.limit.0 > 0 {
            if self.spike_limit.0 >= self.limit.0 {
                return Err("spike_limit must be less than limit".into());
            }
            return Ok(());
        }
        if self.limit_percentage > 0 {
            if self.limit_percentage > 100
                || self.spike_limit_percentage == 0
                || self.spike_limit_percentage > 100
            {
                return Err("limit_percentage and spike_limit_percentage must be greater than 0 and and less or equal than 100".into());
            }
            return Ok(());
        }
        Err("either limit or limit_percentage must be set to greater than zero".into())
    }
}

/// The limits in bytes, as the Collector derives them: whole MiB, a spike
/// limit of a fifth of the limit when unset, percentages of the memory the
/// process may use.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Limits {
    hard: u64,
    soft: u64,
}

impl Limits {
    fn of(args: &Arguments) -> Result<Limits, String> {
        let whole_mib = |b: i64| u64::try_from(b / MIB * MIB).unwrap_or(0);
        let (hard, spike) = if args.limit.0 > 0 {
            let spike = if args.spike_limit.0 == 0 {
                args.limit.0 / 5
            } else {
                args.spike_limit.0
            };
            (whole_mib(args.limit.0), whole_mib(spike))
        } else {
            let total = total_memory().ok_or("cannot read the total memory (/proc/meminfo)")?;
            (
                total / 100 * u64::from(args.limit_percentage),
                total / 100 * u64::from(args.spike_limit_percentage),
            )
        };
        // The Collector works in whole MiB: a limit under 1 MiB is none at all.
        if hard < MIB as u64 {
            return Err("the memory limit must be at least 1MiB".into());
        }
        if spike >= hard {
            return Err("the spike limit must be less than the memory limit".into());
        }
        Ok(Limits {
            hard,
            soft: hard - spike,
        })
    }
}

/// The memory this process may use: the cgroup's limit when there is one,
/// otherwise the machine's.
fn total_memory() -> Option<u64> {
    let cgroup = [
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
    ]
    .iter()
    .find_map(|path| {
        std::fs::read_to_string(path)
            .ok()?
            .trim()
            .parse::<u64>()
            .ok()
    });
    let machine = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib * 1024)
        });
    match (cgroup, machine) {
        // cgroup v1 reports "no limit" as a huge number.
        (Some(c), Some(m)) => Some(c.min(m)),
        (c, m) => c.or(m),
    }
}

/// The process's resident set size.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * rustix::param::page_size() as u64)
}

/// Refuses data while memory is high; counts what it refused.
pub struct Gate {
    refusing: Arc<AtomicBool>,
    refused: Family<[(&'static str, &'static str); 1], Counter>,
}

impl Process for Gate {
    fn process(&self, data: &mut Telemetry, _: &ClientInfo) -> Result<(), ConsumeError> {
        if !self.refusing.load(Ordering::Relaxed) {
            return Ok(());
        }
        let signal = data.signal();
        self.refused
            .get_or_create(&[("signal", signal.as_str())])
            .inc_by(data.items() as u64);
        Err(ConsumeError::retryable(
            "data refused due to high memory usage",
        ))
    }
}

pub struct MemoryLimiter {
    stage: Arc<Stage<Gate>>,
    refusing: Arc<AtomicBool>,
    refused: Family<[(&'static str, &'static str); 1], Counter>,
    settings: parking_lot::Mutex<(Duration, Limits)>,
}

impl MemoryLimiter {
    fn gate(&self) -> Gate {
        Gate {
            refusing: self.refusing.clone(),
            refused: self.refused.clone(),
        }
    }

    /// Measures memory and refuses or accepts data from now on.
    fn check(&self) {
        let Some(used) = resident_bytes() else {
            return;
        };
        let limits = self.settings.lock().1;
        let above = used > limits.soft;
        let was = self.refusing.swap(above, Ordering::Relaxed);
        if above && !was {
            tracing::warn!(
                used_mib = used >> 20,
                soft_limit_mib = limits.soft >> 20,
                "memory usage is above the soft limit: refusing data"
            );
        } else if was && !above {
            tracing::info!(
                used_mib = used >> 20,
                soft_limit_mib = limits.soft >> 20,
                "memory usage is back below the soft limit: accepting data"
            );
        }
        if used > limits.hard {
            tracing::warn!(
                used_mib = used >> 20,
                hard_limit_mib = limits.hard >> 20,
                "memory usage is above the hard limit"
            );
        }
    }
}

fn interval(args: &Arguments) -> Duration {
    args.check_interval
        .to_std()
        .unwrap_or(Duration::from_secs(1))
}

impl Component for MemoryLimiter {
    type Arguments = Arguments;

    fn build(opts: Options, args: Arguments) -> Result<MemoryLimiter, String> {
        let refused: Family<[(&'static str, &'static str); 1], Counter> = Family::default();
        // Zero counts are shown from the start, so dashboards see the series.
        for signal in Signal::ALL {
            let _ = refused.get_or_create(&[("signal", signal.as_str())]);
        }
        opts.metrics.lock().register(
            "otelcol_processor_refused_items",
            "Items (spans, metric points, log records) refused because memory usage was high",
            refused.clone(),
        );
        let refusing = Arc::new(AtomicBool::new(false));
        let gate = Gate {
            refusing: refusing.clone(),
            refused: refused.clone(),
        };
        let limiter = MemoryLimiter {
            stage: Stage::new(gate, args.output.clone()),
            refusing,
            refused,
            settings: parking_lot::Mutex::new((interval(&args), Limits::of(&args)?)),
        };
        limiter.check();
        export_input(&opts, Consumer(limiter.stage.clone()));
        Ok(limiter)
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        loop {
            let every = self.settings.lock().0;
            tokio::select! {
                () = shutdown.cancelled() => return Ok(()),
                () = tokio::time::sleep(every) => self.check(),
            }
        }
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        *self.settings.lock() = (interval(&args), Limits::of(&args)?);
        self.stage.set(self.gate(), args.output);
        self.check();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otelcol::processor::testing::{Recorder, input_of, traces};
    use crate::testing::options;
    use model::otlp::{Context, ExportTraceServiceRequest};
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

    fn two_spans() -> Telemetry {
        traces(ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans: vec![Span::default(), Span::default()],
                    ..ScopeSpans::default()
                }],
                ..ResourceSpans::default()
            }],
        })
    }

    fn args(limit_mib: i64, output: Output) -> Arguments {
        Arguments {
            check_interval: GoDuration::from_secs(3600),
            limit: ByteSize(limit_mib * MIB),
            output,
            ..Arguments::default()
        }
    }

    #[tokio::test]
    async fn refuses_above_the_soft_limit_and_accepts_again() {
        let (recorder, consumer) = Recorder::new();
        let output = Output {
            traces: vec![consumer],
            ..Output::default()
        };
        // The test process uses far more than 2 MiB.
        let (opts, exports) = options("otelcol.processor.memory_limiter.low");
        let limiter = MemoryLimiter::build(opts, args(2, output.clone())).unwrap();
        let input = input_of(&exports);
        let refused = input
            .consume(two_spans(), Context::default())
            .await
            .unwrap_err();
        assert_eq!(refused.message, "data refused due to high memory usage");
        assert!(refused.is_retryable());
        assert_eq!(
            limiter.refused.get_or_create(&[("signal", "traces")]).get(),
            2
        );
        assert!(recorder.sizes().is_empty());

        // A limit far above the process's size: accepted again.
        limiter.update(args(1 << 30, output)).unwrap();
        input
            .consume(two_spans(), Context::default())
            .await
            .unwrap();
        assert_eq!(recorder.sizes(), [2]);
    }

    #[test]
    fn validation_in_alloys_words() {
        let base = args(100, Output::default());
        let check = |a: Arguments| a.validate().unwrap_err();
        assert_eq!(
            check(Arguments {
                check_interval: GoDuration::from_nanos(0),
                ..base.clone()
            }),
            "check_interval must be greater than zero"
        );
        assert_eq!(
            check(Arguments {
                limit_percentage: 50,
                ..base.clone()
            }),
            "either limit or limit_percentage must be set, but not both"
        );
        assert_eq!(
            check(Arguments {
                spike_limit: ByteSize(100 * MIB),
                ..base.clone()
            }),
            "spike_limit must be less than limit"
        );
        assert_eq!(
            check(Arguments {
                limit: ByteSize(0),
                ..base.clone()
            }),
            "either limit or limit_percentage must be set to greater than zero"
        );
        assert_eq!(
            check(Arguments {
                limit: ByteSize(0),
                limit_percentage: 80,
                ..base.clone()
            }),
            "limit_percentage and spike_limit_percentage must be greater than 0 and and less or equal than 100"
        );
        let percent = Arguments {
            limit: ByteSize(0),
            limit_percentage: 80,
            spike_limit_percentage: 20,
            ..base
        };
        percent.validate().unwrap();
        let limits = Limits::of(&percent).unwrap();
        assert!(limits.soft < limits.hard);
    }

    #[test]
    fn spike_defaults_to_a_fifth_and_limits_are_whole_mib() {
        let limits = Limits::of(&args(100, Output::default())).unwrap();
        assert_eq!(limits.hard, 100 << 20);
        assert_eq!(limits.soft, (100 << 20) - (20 << 20));
        let tiny = Arguments {
            limit: ByteSize(MIB / 2),
            ..args(0, Output::default())
        };
        assert!(Limits::of(&tiny).is_err());
    }
}
