//! Small kernel-state collectors, each a few files of `/proc`: `loadavg`,
//! `filefd`, `entropy`, `pressure` (PSI), `conntrack` and `schedstat`.

use super::{Collector, Paths, read_into};
use crate::prometheus::exporter::exposition::Exposition;
use model::metrics::MetricType;

/// Parses a number from a `/proc` file, naming the file in errors.
fn number(text: &str, what: &str) -> Result<f64, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("invalid {what} {:?}", text.trim()))
}

#[derive(Default)]
pub struct Loadavg {
    buf: String,
}

impl Collector for Loadavg {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(&paths.proc("loadavg"), &mut self.buf)?;
        let families = [
            ("node_load1", "1m load average."),
            ("node_load5", "5m load average."),
            ("node_load15", "15m load average."),
        ];
        let mut loads = self.buf.split_ascii_whitespace();
        for (name, help) in families {
            let load = loads.next().ok_or("short /proc/loadavg")?;
            out.family(name, help, MetricType::Gauge)
                .sample(&[], number(load, "load average")?);
        }
        Ok(())
    }
}

#[derive(Default)]
pub struct Filefd {
    buf: String,
}

impl Collector for Filefd {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(&paths.proc("sys/fs/file-nr"), &mut self.buf)?;
        // `allocated  unused  maximum`
        let fields: Vec<&str> = self.buf.split_ascii_whitespace().collect();
        let [allocated, _, maximum] = fields[..] else {
            return Err(format!("unexpected file-nr {:?}", self.buf.trim()));
        };
        out.family(
            "node_filefd_allocated",
            "File descriptor statistics: allocated.",
            MetricType::Gauge,
        )
        .sample(&[], number(allocated, "allocated file descriptors")?);
        out.family(
            "node_filefd_maximum",
            "File descriptor statistics: maximum.",
            MetricType::Gauge,
        )
        .sample(&[], number(maximum, "maximum file descriptors")?);
        Ok(())
    }
}

#[derive(Default)]
pub struct Entropy {
    buf: String,
}

impl Collector for Entropy {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(
            &paths.proc("sys/kernel/random/entropy_avail"),
            &mut self.buf,
        )?;
        out.family(
            "node_entropy_available_bits",
            "Bits of available entropy.",
            MetricType::Gauge,
        )
        .sample(&[], number(&self.buf, "entropy_avail")?);
        read_into(&paths.proc("sys/kernel/random/poolsize"), &mut self.buf)?;
        out.family(
            "node_entropy_pool_size_bits",
            "Bits of entropy pool.",
            MetricType::Gauge,
        )
        .sample(&[], number(&self.buf, "poolsize")?);
        Ok(())
    }
}

#[derive(Default)]
pub struct Pressure {
    buf: String,
}

/// (resource, PSI line, family, help) as node_exporter 1.5 reports them; it
/// ignores the `full` line of `cpu`.
const PRESSURE_FAMILIES: [(&str, &str, &str, &str); 5] = [
    (
        "cpu",
        "some",
        "node_pressure_cpu_waiting_seconds_total",
        "Total time in seconds that processes have waited for CPU time",
    ),
    (
        "io",
        "some",
        "node_pressure_io_waiting_seconds_total",
        "Total time in seconds that processes have waited due to IO congestion",
    ),
    (
        "io",
        "full",
        "node_pressure_io_stalled_seconds_total",
        "Total time in seconds no process could make progress due to IO congestion",
    ),
    (
        "memory",
        "some",
        "node_pressure_memory_waiting_seconds_total",
        "Total time in seconds that processes have waited for memory",
    ),
    (
        "memory",
        "full",
        "node_pressure_memory_stalled_seconds_total",
        "Total time in seconds no process could make progress due to memory congestion",
    ),
];

impl Collector for Pressure {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        let mut current = "";
        for (resource, kind, name, help) in PRESSURE_FAMILIES {
            if resource != current {
                read_into(&paths.proc(&format!("pressure/{resource}")), &mut self.buf)?;
                current = resource;
            }
            // `some avg10=0.00 avg60=0.00 avg300=0.00 total=12345` (µs).
            let total = self
                .buf
                .lines()
                .find(|line| line.starts_with(kind))
                .and_then(|line| line.rsplit_once("total="))
                .ok_or_else(|| format!("no {kind} total in pressure/{resource}"))?
                .1;
            let micros = number(total, "pressure total")?;
            out.family(name, help, MetricType::Counter)
                .sample(&[], micros / 1e6);
        }
        Ok(())
    }
}

#[derive(Default)]
pub struct Conntrack {
    buf: String,
}

/// `/proc/net/stat/nf_conntrack` columns node_exporter reports, with help.
const CONNTRACK_STATS: [(&str, &str, &str); 8] = [
    (
        "found",
        "node_nf_conntrack_stat_found",
        "Number of searched entries which were successful.",
    ),
    (
        "invalid",
        "node_nf_conntrack_stat_invalid",
        "Number of packets seen which can not be tracked.",
    ),
    (
        "ignore",
        "node_nf_conntrack_stat_ignore",
        "Number of packets seen which are already connected to a conntrack entry.",
    ),
    (
        "insert",
        "node_nf_conntrack_stat_insert",
        "Number of entries inserted into the list.",
    ),
    (
        "insert_failed",
        "node_nf_conntrack_stat_insert_failed",
        "Number of entries for which list insertion was attempted but failed.",
    ),
    (
        "drop",
        "node_nf_conntrack_stat_drop",
        "Number of packets dropped due to conntrack failure.",
    ),
    (
        "early_drop",
        "node_nf_conntrack_stat_early_drop",
        "Number of dropped conntrack entries to make room for new ones, if maximum table size was reached.",
    ),
    (
        "search_restart",
        "node_nf_conntrack_stat_search_restart",
        "Number of conntrack table lookups which had to be restarted due to hashtable resizes.",
    ),
];

impl Collector for Conntrack {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(
            &paths.proc("sys/net/netfilter/nf_conntrack_count"),
            &mut self.buf,
        )?;
        out.family(
            "node_nf_conntrack_entries",
            "Number of currently allocated flow entries for connection tracking.",
            MetricType::Gauge,
        )
        .sample(&[], number(&self.buf, "nf_conntrack_count")?);
        read_into(
            &paths.proc("sys/net/netfilter/nf_conntrack_max"),
            &mut self.buf,
        )?;
        out.family(
            "node_nf_conntrack_entries_limit",
            "Maximum size of connection tracking table.",
            MetricType::Gauge,
        )
        .sample(&[], number(&self.buf, "nf_conntrack_max")?);
        read_into(&paths.proc("net/stat/nf_conntrack"), &mut self.buf)?;
        let mut lines = self.buf.lines();
        let header: Vec<&str> = lines
            .next()
            .unwrap_or("")
            .split_ascii_whitespace()
            .collect();
        let mut totals = [0u64; CONNTRACK_STATS.len()];
        // One line per CPU, in hexadecimal; the totals are their sums.
        for line in lines {
            let values: Vec<&str> = line.split_ascii_whitespace().collect();
            for (total, (column, _, _)) in totals.iter_mut().zip(CONNTRACK_STATS) {
                if let Some(i) = header.iter().position(|h| *h == column) {
                    let text = values.get(i).copied().unwrap_or("0");
                    *total += u64::from_str_radix(text, 16)
                        .map_err(|_| format!("invalid nf_conntrack {column} {text:?}"))?;
                }
            }
        }
        for (total, (_, name, help)) in totals.iter().zip(CONNTRACK_STATS) {
            out.family(name, help, MetricType::Gauge)
                .sample(&[], *total as f64);
        }
        Ok(())
    }
}

#[derive(Default)]
pub struct Schedstat {
    buf: String,
}

/// Per-CPU columns of `/proc/schedstat` (after the name and six unused ones),
/// with their families, help and the factor to seconds.
const SCHEDSTAT_FAMILIES: [(usize, &str, &str, f64); 3] = [
    (
        6,
        "node_schedstat_running_seconds_total",
        "Number of seconds CPU spent running a process.",
        1e-9,
    ),
    (
        7,
        "node_schedstat_waiting_seconds_total",
        "Number of seconds spent by processing waiting for this CPU.",
        1e-9,
    ),
    (
        8,
        "node_schedstat_timeslices_total",
        "Number of timeslices executed by CPU.",
        1.0,
    ),
];

impl Collector for Schedstat {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(&paths.proc("schedstat"), &mut self.buf)?;
        for (column, name, help, factor) in SCHEDSTAT_FAMILIES {
            let mut family = out.family(name, help, MetricType::Counter);
            for line in self.buf.lines() {
                let mut fields = line.split_ascii_whitespace();
                let Some(cpu) = fields.next().and_then(|f| f.strip_prefix("cpu")) else {
                    continue;
                };
                let text = fields
                    .nth(column)
                    .ok_or_else(|| format!("short schedstat line {line:?}"))?;
                family.sample(&[("cpu", cpu)], number(text, "schedstat value")? * factor);
            }
        }
        Ok(())
    }
}
