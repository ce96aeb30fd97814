//! The `netclass` collector: the properties of every network interface in
//! `/sys/class/net/<iface>` (`node_network_info`, `_up`, `_mtu_bytes`…),
//! without the devices matching `netclass.ignored_devices`. An attribute the
//! kernel refuses to give (a link that is down has no speed) is left out.

use super::config;
use super::{Collector, Paths, compose, pattern, read_into};
use crate::prometheus::exporter::exposition::Exposition;
use model::metrics::MetricType;
use regex::Regex;
use std::path::Path;

/// Numeric attributes: the family's suffix, the sysfs file, the type.
const PROPERTIES: [(&str, &str, MetricType); 15] = [
    ("address_assign_type", "addr_assign_type", MetricType::Gauge),
    ("carrier", "carrier", MetricType::Gauge),
    (
        "carrier_changes_total",
        "carrier_changes",
        MetricType::Counter,
    ),
    (
        "carrier_up_changes_total",
        "carrier_up_count",
        MetricType::Counter,
    ),
    (
        "carrier_down_changes_total",
        "carrier_down_count",
        MetricType::Counter,
    ),
    ("device_id", "dev_id", MetricType::Gauge),
    ("dormant", "dormant", MetricType::Gauge),
    ("flags", "flags", MetricType::Gauge),
    ("iface_id", "ifindex", MetricType::Gauge),
    ("iface_link", "iflink", MetricType::Gauge),
    ("iface_link_mode", "link_mode", MetricType::Gauge),
    ("mtu_bytes", "mtu", MetricType::Gauge),
    ("name_assign_type", "name_assign_type", MetricType::Gauge),
    ("net_dev_group", "netdev_group", MetricType::Gauge),
    ("transmit_queue_length", "tx_queue_len", MetricType::Gauge),
];

/// `node_network_info` labels after `device`, from the files of the same name.
const INFO_FILES: [&str; 5] = ["address", "broadcast", "duplex", "ifalias", "operstate"];

pub struct Netclass {
    ignored: Regex,
    ignore_invalid_speed: bool,
    value: String,
    info: [String; INFO_FILES.len()],
    name: String,
    help: String,
}

impl Netclass {
    pub fn new(args: &config::Netclass) -> Result<Netclass, String> {
        Ok(Netclass {
            ignored: pattern("netclass ignored_devices", &args.ignored_devices)?,
            ignore_invalid_speed: args.ignore_invalid_speed_device,
            value: String::new(),
            info: Default::default(),
            name: String::new(),
            help: String::new(),
        })
    }

    /// The attribute `file` of the interface at `dir` as a number (decimal or
    /// `0x` hexadecimal), or `None` when unreadable.
    fn number(&mut self, dir: &Path, file: &str) -> Option<f64> {
        read_into(&dir.join(file), &mut self.value).ok()?;
        let text = self.value.trim();
        let parsed = match text.strip_prefix("0x") {
            Some(hex) => i64::from_str_radix(hex, 16).ok(),
            None => text.parse::<i64>().ok(),
        };
        parsed.map(|n| n as f64)
    }

    fn property(
        &mut self,
        out: &mut Exposition,
        suffix: &str,
        kind: MetricType,
        device: &str,
        value: f64,
    ) {
        compose(&mut self.name, &["node_network_", suffix]);
        compose(&mut self.help, &["Network device property: ", suffix]);
        out.family(&self.name, &self.help, kind)
            .sample(&[("device", device)], value);
    }
}

impl Collector for Netclass {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        let class = paths.sys("class/net");
        let entries =
            std::fs::read_dir(&class).map_err(|e| format!("open {}: {e}", class.display()))?;
        let mut devices: Vec<String> = entries
            .filter_map(|entry| entry.ok())
            // `bonding_masters` and other plain files are not interfaces.
            .filter(|entry| entry.path().is_dir())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| !self.ignored.is_match(name))
            .collect();
        devices.sort();
        for device in &devices {
            let dir = class.join(device);
            for (label, file) in self.info.iter_mut().zip(INFO_FILES) {
                if read_into(&dir.join(file), label).is_err() {
                    label.clear();
                }
                let trimmed = label.trim_end().len();
                label.truncate(trimmed);
            }
            let [address, broadcast, duplex, ifalias, operstate] = &self.info;
            out.family(
                "node_network_info",
                "Non-numeric data from /sys/class/net/<iface>, value is always 1.",
                MetricType::Gauge,
            )
            .sample(
                &[
                    ("address", address),
                    ("broadcast", broadcast),
                    ("device", device),
                    ("duplex", duplex),
                    ("ifalias", ifalias),
                    ("operstate", operstate),
                ],
                1.0,
            );
            let up = if operstate == "up" { 1.0 } else { 0.0 };
            out.family(
                "node_network_up",
                "Value is 1 if operstate is 'up', 0 otherwise.",
                MetricType::Gauge,
            )
            .sample(&[("device", device)], up);
            for (suffix, file, kind) in PROPERTIES {
                if let Some(value) = self.number(&dir, file) {
                    self.property(out, suffix, kind, device, value);
                }
            }
            // Mbit/s to bytes/s; some devices say -1 for an unknown speed.
            if let Some(speed) = self.number(&dir, "speed")
                && (speed >= 0.0 || !self.ignore_invalid_speed)
            {
                self.property(
                    out,
                    "speed_bytes",
                    MetricType::Gauge,
                    device,
                    speed * 125_000.0,
                );
            }
            if let Some(kind) = self.number(&dir, "type") {
                self.property(out, "protocol_type", MetricType::Gauge, device, kind);
            }
        }
        Ok(())
    }
}
