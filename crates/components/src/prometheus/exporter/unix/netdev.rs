//! The `netdev` collector: per-interface counters of `/proc/net/dev`
//! (`node_network_{receive,transmit}_<stat>_total`), filtered by the `netdev`
//! block's device patterns.

use super::config;
use super::{Collector, DeviceFilter, Paths, read_into};
use crate::prometheus::exporter::exposition::Exposition;
use model::metrics::MetricType;

/// `/proc/net/dev` columns in order, with their families and help.
const STATS: [(&str, &str); 16] = [
    (
        "node_network_receive_bytes_total",
        "Network device statistic receive_bytes.",
    ),
    (
        "node_network_receive_packets_total",
        "Network device statistic receive_packets.",
    ),
    (
        "node_network_receive_errs_total",
        "Network device statistic receive_errs.",
    ),
    (
        "node_network_receive_drop_total",
        "Network device statistic receive_drop.",
    ),
    (
        "node_network_receive_fifo_total",
        "Network device statistic receive_fifo.",
    ),
    (
        "node_network_receive_frame_total",
        "Network device statistic receive_frame.",
    ),
    (
        "node_network_receive_compressed_total",
        "Network device statistic receive_compressed.",
    ),
    (
        "node_network_receive_multicast_total",
        "Network device statistic receive_multicast.",
    ),
    (
        "node_network_transmit_bytes_total",
        "Network device statistic transmit_bytes.",
    ),
    (
        "node_network_transmit_packets_total",
        "Network device statistic transmit_packets.",
    ),
    (
        "node_network_transmit_errs_total",
        "Network device statistic transmit_errs.",
    ),
    (
        "node_network_transmit_drop_total",
        "Network device statistic transmit_drop.",
    ),
    (
        "node_network_transmit_fifo_total",
        "Network device statistic transmit_fifo.",
    ),
    (
        "node_network_transmit_colls_total",
        "Network device statistic transmit_colls.",
    ),
    (
        "node_network_transmit_carrier_total",
        "Network device statistic transmit_carrier.",
    ),
    (
        "node_network_transmit_compressed_total",
        "Network device statistic transmit_compressed.",
    ),
];

pub struct Netdev {
    devices: DeviceFilter,
    buf: String,
}

impl Netdev {
    pub fn new(args: &config::Netdev) -> Result<Netdev, String> {
        Ok(Netdev {
            devices: DeviceFilter::new(
                "netdev device",
                &args.device_include,
                &args.device_exclude,
            )?,
            buf: String::new(),
        })
    }
}

impl Collector for Netdev {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(&paths.proc("net/dev"), &mut self.buf)?;
        // Two header lines, then `  eth0: 123 456 …`.
        let interfaces = || {
            self.buf.lines().skip(2).filter_map(|line| {
                let (device, stats) = line.split_once(':')?;
                let device = device.trim();
                (!self.devices.ignored(device)).then_some((device, stats))
            })
        };
        for (column, (name, help)) in STATS.iter().enumerate() {
            let mut family = out.family(name, help, MetricType::Counter);
            for (device, stats) in interfaces() {
                let Some(value) = stats.split_ascii_whitespace().nth(column) else {
                    return Err(format!("short /proc/net/dev line for {device}"));
                };
                let value: f64 = value
                    .parse()
                    .map_err(|_| format!("invalid {device} statistic {value:?}"))?;
                family.sample(&[("device", device)], value);
            }
        }
        Ok(())
    }
}
