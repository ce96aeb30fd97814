//! `prometheus.exporter.unix` (SPEC §2.18): the host's metrics as node_exporter
//! 1.5 reports them on Linux — the same family names, help, types, labels and
//! units — read from `procfs_path`, `sysfs_path` and `rootfs_path`.
//!
//! Each collector lives in its own file and writes into an [`Exposition`] kept
//! between scrapes; a scrape runs the selected collectors, times them
//! (`node_scrape_collector_duration_seconds` / `_success`) and renders the text.
//! Collectors of node_exporter's default set that ferroalloy does not implement
//! are listed in the component's debug info.
//!
//! Files are read raw into buffers each collector keeps, rather than through
//! the `procfs` crate's typed structs: node_exporter reports every field a
//! file has (all of `/proc/meminfo`, every netstat counter) under names derived
//! from the file, which fixed structs cannot reproduce, and raw reads keep a
//! warm scrape nearly allocation-free. `include_exporter_metrics` is accepted;
//! the process's own metrics are `prometheus.exporter.self`'s.

pub mod config;
mod cpu;
mod diskstats;
mod filesystem;
mod hwmon;
mod kernel;
mod meminfo;
mod net_tables;
mod netclass;
mod netdev;
mod netstat;
mod os;
mod stat;
mod statfs;
mod thermal;

pub use config::Arguments;

use super::exposition::Exposition;
use super::{Exports, default_instance, error_response, target, text_response};
use axum::response::Response;
use axum::routing::get;
use model::metrics::MetricType;
use parking_lot::Mutex;
use regex::Regex;
use runtime::component::{Component, Options};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use syntax::value::Value;
use tokio_util::sync::CancellationToken;

/// node_exporter 1.5's collectors enabled by default on Linux.
pub const DEFAULT_COLLECTORS: [&str; 45] = [
    "arp",
    "bcache",
    "bonding",
    "btrfs",
    "conntrack",
    "cpu",
    "cpufreq",
    "diskstats",
    "dmi",
    "edac",
    "entropy",
    "fibrechannel",
    "filefd",
    "filesystem",
    "hwmon",
    "infiniband",
    "ipvs",
    "loadavg",
    "mdadm",
    "meminfo",
    "netclass",
    "netdev",
    "netstat",
    "nfs",
    "nfsd",
    "nvme",
    "os",
    "powersupplyclass",
    "pressure",
    "rapl",
    "schedstat",
    "sockstat",
    "softnet",
    "stat",
    "tapestats",
    "textfile",
    "thermal_zone",
    "time",
    "timex",
    "udp_queues",
    "uname",
    "vmstat",
    "xfs",
    "zfs",
    "selinux",
];

/// Where a collector reads from.
pub struct Paths {
    pub proc: PathBuf,
    pub sys: PathBuf,
    pub root: PathBuf,
    /// udev's database of device properties.
    pub udev: PathBuf,
}

impl Paths {
    pub fn proc(&self, relative: &str) -> PathBuf {
        self.proc.join(relative)
    }

    pub fn sys(&self, relative: &str) -> PathBuf {
        self.sys.join(relative)
    }
}

/// Reads `path` into `buf` (replacing its content, keeping its capacity).
pub fn read_into(path: &Path, buf: &mut String) -> Result<(), String> {
    use std::io::Read;
    buf.clear();
    std::fs::File::open(path)
        .and_then(|mut file| file.read_to_string(buf))
        .map(|_| ())
        .map_err(|e| format!("open {}: {e}", path.display()))
}

/// Replaces `buf` with the concatenation of `parts`: family names and help
/// composed per scrape without allocating once the buffer has grown.
pub fn compose(buf: &mut String, parts: &[&str]) {
    buf.clear();
    for part in parts {
        buf.push_str(part);
    }
}

/// One node_exporter collector.
pub trait Collector: Send {
    /// Writes this scrape's samples; an error marks the collector failed.
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String>;
}

/// node_exporter's device filter: with an include pattern only matching
/// devices are kept, otherwise those matching the exclude pattern are dropped.
pub struct DeviceFilter {
    include: Option<Regex>,
    exclude: Option<Regex>,
}

impl DeviceFilter {
    pub fn new(what: &str, include: &str, exclude: &str) -> Result<DeviceFilter, String> {
        let compile = |pattern: &str| {
            (!pattern.is_empty())
                .then(|| {
                    Regex::new(pattern)
                        .map_err(|e| format!("invalid {what} pattern {pattern:?}: {e}"))
                })
                .transpose()
        };
        let include = compile(include)?;
        let exclude = if include.is_some() {
            None
        } else {
            compile(exclude)?
        };
        Ok(DeviceFilter { include, exclude })
    }

    pub fn ignored(&self, name: &str) -> bool {
        match (&self.include, &self.exclude) {
            (Some(include), _) => !include.is_match(name),
            (None, Some(exclude)) => exclude.is_match(name),
            (None, None) => false,
        }
    }
}

/// A compiled pattern from the arguments, with the argument named in errors.
pub fn pattern(what: &str, pattern: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| format!("invalid {what} pattern {pattern:?}: {e}"))
}

/// The collector called `name`, or `None` when ferroalloy does not implement it.
fn build_collector(name: &str, args: &Arguments) -> Result<Option<Box<dyn Collector>>, String> {
    Ok(Some(match name {
        "cpu" => Box::new(cpu::Cpu::new(&args.cpu)?),
        "stat" => Box::new(stat::Stat::default()),
        "meminfo" => Box::new(meminfo::Meminfo::default()),
        "loadavg" => Box::new(kernel::Loadavg::default()),
        "filefd" => Box::new(kernel::Filefd::default()),
        "entropy" => Box::new(kernel::Entropy::default()),
        "pressure" => Box::new(kernel::Pressure::default()),
        "uname" => Box::new(os::Uname),
        "os" => Box::new(os::OsRelease::default()),
        "time" => Box::new(os::Time::default()),
        "vmstat" => Box::new(stat::Vmstat::new(&args.vmstat)?),
        "conntrack" => Box::new(kernel::Conntrack::default()),
        "schedstat" => Box::new(kernel::Schedstat::default()),
        "thermal_zone" => Box::new(thermal::ThermalZone::default()),
        "hwmon" => Box::new(hwmon::Hwmon::new(&args.hwmon)?),
        "softnet" => Box::new(netstat::Softnet::default()),
        "sockstat" => Box::new(netstat::Sockstat::default()),
        "netstat" => Box::new(netstat::Netstat::new(&args.netstat)?),
        "netdev" => Box::new(netdev::Netdev::new(&args.netdev)?),
        "netclass" => Box::new(netclass::Netclass::new(&args.netclass)?),
        "arp" => Box::new(net_tables::Arp::new(&args.arp)?),
        "udp_queues" => Box::new(net_tables::UdpQueues::default()),
        "selinux" => Box::new(os::Selinux::default()),
        "diskstats" => Box::new(diskstats::Diskstats::new(&args.disk)?),
        "filesystem" => Box::new(filesystem::Filesystem::new(&args.filesystem)?),
        _ => return Ok(None),
    }))
}

/// The collectors a configuration selects, in name order: the default set or
/// `set_collectors`, plus `enable_collectors`, minus `disable_collectors`.
fn selected_collectors(args: &Arguments) -> Vec<String> {
    let mut names: Vec<String> = if args.set_collectors.is_empty() {
        DEFAULT_COLLECTORS.iter().map(|s| s.to_string()).collect()
    } else {
        args.set_collectors.clone()
    };
    names.extend(args.enable_collectors.iter().cloned());
    names.retain(|name| !args.disable_collectors.contains(name));
    names.sort();
    names.dedup();
    names
}

/// The collectors of one configuration and the buffers they write into.
pub struct Scraper {
    paths: Paths,
    collectors: Vec<(String, Box<dyn Collector>)>,
    not_implemented: Vec<String>,
    exposition: Exposition,
    /// (collector, seconds, success) of the last scrape.
    outcomes: Vec<(usize, f64, bool)>,
    output: String,
}

impl Scraper {
    pub fn new(args: &Arguments) -> Result<Scraper, String> {
        let mut collectors = Vec::new();
        let mut not_implemented = Vec::new();
        for name in selected_collectors(args) {
            match build_collector(&name, args)? {
                Some(collector) => collectors.push((name, collector)),
                None => not_implemented.push(name),
            }
        }
        Ok(Scraper {
            paths: Paths {
                proc: args.procfs_path.clone().into(),
                sys: args.sysfs_path.clone().into(),
                root: args.rootfs_path.clone().into(),
                udev: args.udev_data_path.clone().into(),
            },
            collectors,
            not_implemented,
            exposition: Exposition::new(),
            outcomes: Vec::new(),
            output: String::new(),
        })
    }

    /// Runs every collector and renders the exposition text.
    pub fn scrape(&mut self) -> &str {
        self.exposition.clear();
        self.outcomes.clear();
        for (index, (name, collector)) in self.collectors.iter_mut().enumerate() {
            let start = Instant::now();
            let result = collector.collect(&self.paths, &mut self.exposition);
            if let Err(e) = &result {
                tracing::debug!(collector = %name, error = %e, "collector failed");
            }
            self.outcomes
                .push((index, start.elapsed().as_secs_f64(), result.is_ok()));
        }
        let mut duration = self.exposition.family(
            "node_scrape_collector_duration_seconds",
            "node_exporter: Duration of a collector scrape.",
            MetricType::Gauge,
        );
        for &(index, seconds, _) in &self.outcomes {
            duration.sample(&[("collector", &self.collectors[index].0)], seconds);
        }
        let mut success = self.exposition.family(
            "node_scrape_collector_success",
            "node_exporter: Whether a collector succeeded.",
            MetricType::Gauge,
        );
        for &(index, _, ok) in &self.outcomes {
            success.sample(
                &[("collector", &self.collectors[index].0)],
                if ok { 1.0 } else { 0.0 },
            );
        }
        self.output.clear();
        self.exposition.render(&mut self.output);
        &self.output
    }

    fn debug_info(&self) -> Value {
        let names = |list: &mut dyn Iterator<Item = &String>| {
            Value::Array(list.map(|n| Value::string(n.as_str())).collect())
        };
        Value::Object(
            [
                (
                    "collectors".to_string(),
                    names(&mut self.collectors.iter().map(|(n, _)| n)),
                ),
                (
                    "not_implemented_collectors".to_string(),
                    names(&mut self.not_implemented.iter()),
                ),
            ]
            .into_iter()
            .collect(),
        )
    }
}

pub struct UnixExporter {
    scraper: Arc<Mutex<Scraper>>,
}

impl Component for UnixExporter {
    type Arguments = Arguments;

    fn build(opts: Options, args: Arguments) -> Result<UnixExporter, String> {
        let scraper = Scraper::new(&args)?;
        opts.export(&Exports {
            targets: vec![target(&opts.id, "unix", &default_instance())],
        });
        Ok(UnixExporter {
            scraper: Arc::new(Mutex::new(scraper)),
        })
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        Ok(())
    }

    fn update(&self, args: Arguments) -> Result<(), String> {
        *self.scraper.lock() = Scraper::new(&args)?;
        Ok(())
    }

    fn debug_info(&self) -> Option<Value> {
        Some(self.scraper.lock().debug_info())
    }

    fn handler(&self) -> Option<axum::Router> {
        let scraper = self.scraper.clone();
        Some(axum::Router::new().route("/metrics", get(move || scrape(scraper.clone()))))
    }
}

/// One scrape, off the async workers: collectors read files and call
/// `statvfs`, which may block.
async fn scrape(scraper: Arc<Mutex<Scraper>>) -> Response {
    let scraped = tokio::task::spawn_blocking(move || scraper.lock().scrape().to_string()).await;
    match scraped {
        Ok(body) => text_response(body),
        Err(e) => error_response(format!("scrape failed: {e}")),
    }
}

#[cfg(test)]
mod tests;
