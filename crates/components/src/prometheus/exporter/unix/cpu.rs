//! The `cpu` collector: per-CPU time by mode from `/proc/stat`
//! (`node_cpu_seconds_total`, and `node_cpu_guest_seconds_total` with `guest`).

use super::config;
use super::{Collector, Paths, read_into};
use crate::prometheus::exporter::exposition::Exposition;
use model::metrics::MetricType;

/// The kernel's clock ticks per second for `/proc/stat` (USER_HZ), fixed at 100
/// on Linux as procfs and node_exporter assume.
pub const USER_HZ: f64 = 100.0;

/// `/proc/stat` cpu columns, in order, by node_exporter's mode names.
const MODES: [&str; 8] = [
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
];

pub struct Cpu {
    guest: bool,
    buf: String,
}

impl Cpu {
    pub fn new(args: &config::Cpu) -> Cpu {
        Cpu {
            guest: args.guest,
            buf: String::new(),
        }
    }
}

impl Collector for Cpu {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(&paths.proc("stat"), &mut self.buf)?;
        let cpus = || {
            self.buf.lines().filter_map(|line| {
                let rest = line.strip_prefix("cpu")?;
                let (id, times) = rest.split_once(' ')?;
                // The aggregate `cpu` line has no number.
                (!id.is_empty()).then_some((id, times))
            })
        };
        let mut seconds = out.family(
            "node_cpu_seconds_total",
            "Seconds the CPUs spent in each mode.",
            MetricType::Counter,
        );
        for (id, times) in cpus() {
            for (mode, ticks) in MODES.iter().zip(times.split_ascii_whitespace()) {
                let ticks: f64 = ticks
                    .parse()
                    .map_err(|_| format!("invalid cpu{id} time {ticks:?}"))?;
                seconds.sample(&[("cpu", id), ("mode", mode)], ticks / USER_HZ);
            }
        }
        if self.guest {
            let mut guest = out.family(
                "node_cpu_guest_seconds_total",
                "Seconds the CPUs spent in guests (VMs) for each mode.",
                MetricType::Counter,
            );
            for (id, times) in cpus() {
                let columns = times.split_ascii_whitespace().skip(MODES.len());
                for (mode, ticks) in ["user", "nice"].iter().zip(columns) {
                    let ticks: f64 = ticks
                        .parse()
                        .map_err(|_| format!("invalid cpu{id} time {ticks:?}"))?;
                    guest.sample(&[("cpu", id), ("mode", mode)], ticks / USER_HZ);
                }
            }
        }
        Ok(())
    }
}
