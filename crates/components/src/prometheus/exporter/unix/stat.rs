//! The `stat` collector (kernel counters of `/proc/stat`) and the `vmstat`
//! collector (the `/proc/vmstat` fields matching `vmstat.fields`).

use super::config;
use super::{Collector, Paths, compose, pattern, read_into};
use crate::prometheus::exporter::exposition::Exposition;
use model::metrics::MetricType;
use regex::Regex;

#[derive(Default)]
pub struct Stat {
    buf: String,
}

/// `/proc/stat` keys and their families.
const STAT_FAMILIES: [(&str, &str, &str, MetricType); 6] = [
    (
        "intr",
        "node_intr_total",
        "Total number of interrupts serviced.",
        MetricType::Counter,
    ),
    (
        "ctxt",
        "node_context_switches_total",
        "Total number of context switches.",
        MetricType::Counter,
    ),
    (
        "btime",
        "node_boot_time_seconds",
        "Node boot time, in unixtime.",
        MetricType::Gauge,
    ),
    (
        "processes",
        "node_forks_total",
        "Total number of forks.",
        MetricType::Counter,
    ),
    (
        "procs_running",
        "node_procs_running",
        "Number of processes in runnable state.",
        MetricType::Gauge,
    ),
    (
        "procs_blocked",
        "node_procs_blocked",
        "Number of processes blocked waiting for I/O to complete.",
        MetricType::Gauge,
    ),
];

impl Collector for Stat {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(&paths.proc("stat"), &mut self.buf)?;
        for line in self.buf.lines() {
            let mut fields = line.split_ascii_whitespace();
            let (Some(key), Some(value)) = (fields.next(), fields.next()) else {
                continue;
            };
            if let Some((_, name, help, kind)) = STAT_FAMILIES.iter().find(|f| f.0 == key) {
                let value: f64 = value
                    .parse()
                    .map_err(|_| format!("invalid {key} {value:?}"))?;
                out.family(name, help, *kind).sample(&[], value);
            }
        }
        Ok(())
    }
}

pub struct Vmstat {
    fields: Regex,
    buf: String,
    name: String,
    help: String,
}

impl Vmstat {
    pub fn new(args: &config::Vmstat) -> Result<Vmstat, String> {
        Ok(Vmstat {
            fields: pattern("vmstat fields", &args.fields)?,
            buf: String::new(),
            name: String::new(),
            help: String::new(),
        })
    }
}

impl Collector for Vmstat {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(&paths.proc("vmstat"), &mut self.buf)?;
        for line in self.buf.lines() {
            let Some((field, value)) = line.split_once(' ') else {
                continue;
            };
            if !self.fields.is_match(field) {
                continue;
            }
            let value: f64 = value
                .trim()
                .parse()
                .map_err(|_| format!("invalid vmstat {field} {value:?}"))?;
            compose(&mut self.name, &["node_vmstat_", field]);
            compose(
                &mut self.help,
                &["/proc/vmstat information field ", field, "."],
            );
            out.family(&self.name, &self.help, MetricType::Unknown)
                .sample(&[], value);
        }
        Ok(())
    }
}
