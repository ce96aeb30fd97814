//! The `cpu` collector: per-CPU time by mode from `/proc/stat`
//! (`node_cpu_seconds_total`, and `node_cpu_guest_seconds_total` with `guest`)
//! and, with `info`, what `/proc/cpuinfo` says of each CPU (`node_cpu_info`)
//! and the first CPU's flags and bugs matching `flags_include`/`bugs_include`.

use super::config;
use super::{Collector, Paths, pattern, read_into};
use crate::prometheus::exporter::exposition::Exposition;
use model::metrics::MetricType;
use regex::Regex;

/// The kernel's clock ticks per second for `/proc/stat` (USER_HZ), fixed at 100
/// on Linux as procfs and node_exporter assume.
pub const USER_HZ: f64 = 100.0;

/// `/proc/stat` cpu columns, in order, by node_exporter's mode names.
const MODES: [&str; 8] = [
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal",
];

pub struct Cpu {
    guest: bool,
    info: bool,
    flags_include: Option<Regex>,
    bugs_include: Option<Regex>,
    buf: String,
}

impl Cpu {
    pub fn new(args: &config::Cpu) -> Result<Cpu, String> {
        let optional =
            |what, text: &str| (!text.is_empty()).then(|| pattern(what, text)).transpose();
        Ok(Cpu {
            guest: args.guest,
            info: args.info,
            flags_include: optional("cpu flags_include", &args.flags_include)?,
            bugs_include: optional("cpu bugs_include", &args.bugs_include)?,
            buf: String::new(),
        })
    }

    /// `node_cpu_info` and the first CPU's flags and bugs, from `/proc/cpuinfo`.
    fn collect_info(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(&paths.proc("cpuinfo"), &mut self.buf)?;
        let mut info = out.family(
            "node_cpu_info",
            "CPU information from /proc/cpuinfo.",
            MetricType::Gauge,
        );
        // One block of `key : value` lines per CPU, blank-line separated.
        for block in self.buf.split("\n\n").filter(|b| !b.trim().is_empty()) {
            let field = |key: &str| cpuinfo_field(block, key);
            info.sample(
                &[
                    ("cachesize", field("cache size")),
                    ("core", field("core id")),
                    ("cpu", field("processor")),
                    ("family", field("cpu family")),
                    ("microcode", field("microcode")),
                    ("model", field("model")),
                    ("model_name", field("model name")),
                    ("package", field("physical id")),
                    ("stepping", field("stepping")),
                    ("vendor", field("vendor_id")),
                ],
                1.0,
            );
        }
        let first = self.buf.split("\n\n").next().unwrap_or("");
        let lists = [
            (&self.flags_include, "flags", "node_cpu_flag_info", "flag"),
            (&self.bugs_include, "bugs", "node_cpu_bug_info", "bug"),
        ];
        for (include, key, name, label) in lists {
            let Some(include) = include else { continue };
            let help = format!(
                "The `{key}` field of CPU information from /proc/cpuinfo taken from the first core."
            );
            let mut family = out.family(name, &help, MetricType::Gauge);
            let mut values: Vec<&str> = cpuinfo_field(first, key)
                .split_ascii_whitespace()
                .filter(|v| include.is_match(v))
                .collect();
            values.sort_unstable();
            for value in values {
                family.sample(&[(label, value)], 1.0);
            }
        }
        Ok(())
    }
}

/// The value of `key` in one CPU's block of `/proc/cpuinfo`, or "".
fn cpuinfo_field<'a>(block: &'a str, key: &str) -> &'a str {
    block
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(k, _)| k.trim() == key)
        .map_or("", |(_, v)| v.trim())
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
        if self.info {
            self.collect_info(paths, out)?;
        }
        Ok(())
    }
}
