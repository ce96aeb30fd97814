//! Network protocol collectors: `netstat` (the counters of `/proc/net/netstat`,
//! `snmp` and `snmp6` matching `netstat.fields`), `sockstat` (socket counts of
//! `/proc/net/sockstat` and `sockstat6`) and `softnet` (per-CPU packet
//! processing of `/proc/net/softnet_stat`).

use super::config;
use super::{Collector, Paths, compose, pattern, read_into};
use crate::prometheus::exporter::exposition::Exposition;
use model::metrics::MetricType;
use regex::Regex;

/// Reusable space for composing a family's name and help.
#[derive(Default)]
struct Names {
    field: String,
    name: String,
    help: String,
}

pub struct Netstat {
    fields: Regex,
    buf: String,
    names: Names,
}

impl Netstat {
    pub fn new(args: &config::Netstat) -> Result<Netstat, String> {
        Ok(Netstat {
            fields: pattern("netstat fields", &args.fields)?,
            buf: String::new(),
            names: Names::default(),
        })
    }

    fn counter(&mut self, out: &mut Exposition, protocol: &str, field: &str, value: &str) {
        let names = &mut self.names;
        compose(&mut names.field, &[protocol, "_", field]);
        if !self.fields.is_match(&names.field) {
            return;
        }
        let Ok(value) = value.parse::<f64>() else {
            return;
        };
        compose(&mut names.name, &["node_netstat_", &names.field]);
        compose(&mut names.help, &["Statistic ", protocol, field, "."]);
        out.family(&names.name, &names.help, MetricType::Unknown)
            .sample(&[], value);
    }

    /// `Proto: name name…` / `Proto: value value…` line pairs.
    fn collect_pairs(&mut self, out: &mut Exposition) {
        let text = std::mem::take(&mut self.buf);
        let mut lines = text.lines();
        while let (Some(names), Some(values)) = (lines.next(), lines.next()) {
            let (Some((protocol, names)), Some((_, values))) =
                (names.split_once(':'), values.split_once(':'))
            else {
                continue;
            };
            for (field, value) in names
                .split_ascii_whitespace()
                .zip(values.split_ascii_whitespace())
            {
                self.counter(out, protocol, field, value);
            }
        }
        self.buf = text;
    }
}

impl Collector for Netstat {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(&paths.proc("net/netstat"), &mut self.buf)?;
        self.collect_pairs(out);
        read_into(&paths.proc("net/snmp"), &mut self.buf)?;
        self.collect_pairs(out);
        // IPv6 may be disabled: then there is no snmp6.
        if read_into(&paths.proc("net/snmp6"), &mut self.buf).is_ok() {
            let text = std::mem::take(&mut self.buf);
            for line in text.lines() {
                let mut parts = line.split_ascii_whitespace();
                let (Some(key), Some(value)) = (parts.next(), parts.next()) else {
                    continue;
                };
                // `Ip6InReceives` → protocol `Ip6`, field `InReceives`.
                if let Some(six) = key.find('6') {
                    let (protocol, field) = key.split_at(six + 1);
                    self.counter(out, protocol, field, value);
                }
            }
            self.buf = text;
        }
        Ok(())
    }
}

#[derive(Default)]
pub struct Sockstat {
    buf: String,
    names: Names,
}

impl Sockstat {
    fn gauge(&mut self, out: &mut Exposition, protocol: &str, state: &str, value: f64) {
        let names = &mut self.names;
        compose(&mut names.name, &["node_sockstat_", protocol, "_", state]);
        compose(
            &mut names.help,
            &["Number of ", protocol, " sockets in state ", state, "."],
        );
        out.family(&names.name, &names.help, MetricType::Gauge)
            .sample(&[], value);
    }

    fn collect_file(&mut self, out: &mut Exposition, page_size: f64) -> Result<(), String> {
        let text = std::mem::take(&mut self.buf);
        for line in text.lines() {
            let Some((protocol, rest)) = line.split_once(':') else {
                continue;
            };
            let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
            for pair in fields.chunks_exact(2) {
                let value: f64 = pair[1].parse().map_err(|_| {
                    format!("invalid sockstat {protocol} {} {:?}", pair[0], pair[1])
                })?;
                if protocol == "sockets" {
                    out.family(
                        "node_sockstat_sockets_used",
                        "Number of IPv4 sockets in use.",
                        MetricType::Gauge,
                    )
                    .sample(&[], value);
                    continue;
                }
                self.gauge(out, protocol, pair[0], value);
                // TCP and UDP memory is counted in pages.
                if pair[0] == "mem" {
                    self.gauge(out, protocol, "mem_bytes", value * page_size);
                }
            }
        }
        self.buf = text;
        Ok(())
    }
}

impl Collector for Sockstat {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        let page_size = rustix::param::page_size() as f64;
        read_into(&paths.proc("net/sockstat"), &mut self.buf)?;
        self.collect_file(out, page_size)?;
        if read_into(&paths.proc("net/sockstat6"), &mut self.buf).is_ok() {
            self.collect_file(out, page_size)?;
        }
        Ok(())
    }
}

#[derive(Default)]
pub struct Softnet {
    buf: String,
    cpu: String,
}

/// softnet_stat columns node_exporter 1.5 reports.
const SOFTNET_FAMILIES: [(usize, &str, &str); 3] = [
    (
        0,
        "node_softnet_processed_total",
        "Number of processed packets",
    ),
    (1, "node_softnet_dropped_total", "Number of dropped packets"),
    (
        2,
        "node_softnet_times_squeezed_total",
        "Number of times processing packets ran out of quota",
    ),
];

impl Collector for Softnet {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        use std::fmt::Write as _;
        read_into(&paths.proc("net/softnet_stat"), &mut self.buf)?;
        for (column, name, help) in SOFTNET_FAMILIES {
            let mut family = out.family(name, help, MetricType::Counter);
            for (cpu, line) in self.buf.lines().enumerate() {
                let text = line
                    .split_ascii_whitespace()
                    .nth(column)
                    .ok_or_else(|| format!("short softnet_stat line {line:?}"))?;
                let value = u64::from_str_radix(text, 16)
                    .map_err(|_| format!("invalid softnet_stat value {text:?}"))?;
                self.cpu.clear();
                let _ = write!(self.cpu, "{cpu}");
                family.sample(&[("cpu", &self.cpu)], value as f64);
            }
        }
        Ok(())
    }
}
