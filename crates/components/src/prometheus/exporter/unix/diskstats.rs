//! The `diskstats` collector: per-device I/O counters of `/proc/diskstats` and
//! `node_disk_info` (with the device's udev properties), filtered by the `disk`
//! block's device patterns.

use super::config;
use super::{Collector, DeviceFilter, Paths, read_into};
use crate::prometheus::exporter::exposition::Exposition;
use model::metrics::MetricType;

/// Sectors in `/proc/diskstats` are always 512 bytes.
const SECTOR_BYTES: f64 = 512.0;
const MILLIS: f64 = 0.001;

/// `/proc/diskstats` columns after major, minor and name: family, help, type
/// and the factor to node_exporter's unit.
const STATS: [(&str, &str, MetricType, f64); 17] = [
    (
        "node_disk_reads_completed_total",
        "The total number of reads completed successfully.",
        MetricType::Counter,
        1.0,
    ),
    (
        "node_disk_reads_merged_total",
        "The total number of reads merged.",
        MetricType::Counter,
        1.0,
    ),
    (
        "node_disk_read_bytes_total",
        "The total number of bytes read successfully.",
        MetricType::Counter,
        SECTOR_BYTES,
    ),
    (
        "node_disk_read_time_seconds_total",
        "The total number of seconds spent by all reads.",
        MetricType::Counter,
        MILLIS,
    ),
    (
        "node_disk_writes_completed_total",
        "The total number of writes completed successfully.",
        MetricType::Counter,
        1.0,
    ),
    (
        "node_disk_writes_merged_total",
        "The number of writes merged.",
        MetricType::Counter,
        1.0,
    ),
    (
        "node_disk_written_bytes_total",
        "The total number of bytes written successfully.",
        MetricType::Counter,
        SECTOR_BYTES,
    ),
    (
        "node_disk_write_time_seconds_total",
        "This is the total number of seconds spent by all writes.",
        MetricType::Counter,
        MILLIS,
    ),
    (
        "node_disk_io_now",
        "The number of I/Os currently in progress.",
        MetricType::Gauge,
        1.0,
    ),
    (
        "node_disk_io_time_seconds_total",
        "Total seconds spent doing I/Os.",
        MetricType::Counter,
        MILLIS,
    ),
    (
        "node_disk_io_time_weighted_seconds_total",
        "The weighted # of seconds spent doing I/Os.",
        MetricType::Counter,
        MILLIS,
    ),
    (
        "node_disk_discards_completed_total",
        "The total number of discards completed successfully.",
        MetricType::Counter,
        1.0,
    ),
    (
        "node_disk_discards_merged_total",
        "The total number of discards merged.",
        MetricType::Counter,
        1.0,
    ),
    (
        "node_disk_discarded_sectors_total",
        "The total number of sectors discarded successfully.",
        MetricType::Counter,
        1.0,
    ),
    (
        "node_disk_discard_time_seconds_total",
        "This is the total number of seconds spent by all discards.",
        MetricType::Counter,
        MILLIS,
    ),
    (
        "node_disk_flush_requests_total",
        "The total number of flush requests completed successfully",
        MetricType::Counter,
        1.0,
    ),
    (
        "node_disk_flush_requests_time_seconds_total",
        "This is the total number of seconds spent by all flush requests.",
        MetricType::Counter,
        MILLIS,
    ),
];

/// udev properties reported on `node_disk_info`, by label, in label order.
const UDEV_LABELS: [(&str, &str); 5] = [
    ("model", "ID_MODEL"),
    ("path", "ID_PATH"),
    ("revision", "ID_REVISION"),
    ("serial", "ID_SERIAL_SHORT"),
    ("wwn", "ID_WWN"),
];

pub struct Diskstats {
    devices: DeviceFilter,
    buf: String,
    udev: String,
}

impl Diskstats {
    pub fn new(args: &config::Disk) -> Result<Diskstats, String> {
        Ok(Diskstats {
            devices: DeviceFilter::new("disk device", &args.device_include, &args.device_exclude)?,
            buf: String::new(),
            udev: String::new(),
        })
    }
}

/// The value of udev property `key` (`E:KEY=value` lines), or "".
fn udev_property<'a>(data: &'a str, key: &str) -> &'a str {
    data.lines()
        .filter_map(|line| line.strip_prefix("E:")?.split_once('='))
        .find(|(k, _)| *k == key)
        .map_or("", |(_, v)| v)
}

impl Collector for Diskstats {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(&paths.proc("diskstats"), &mut self.buf)?;
        let disks = || {
            self.buf.lines().filter_map(|line| {
                let mut fields = line.split_ascii_whitespace();
                let (major, minor, device) = (fields.next()?, fields.next()?, fields.next()?);
                (!self.devices.ignored(device)).then_some((major, minor, device, fields))
            })
        };
        let mut info = out.family(
            "node_disk_info",
            "Info of /sys/block/<block_device>.",
            MetricType::Gauge,
        );
        for (major, minor, device, _) in disks() {
            let udev_file = paths.udev.join(format!("b{major}:{minor}"));
            if read_into(&udev_file, &mut self.udev).is_err() {
                self.udev.clear();
            }
            let [model, path, revision, serial, wwn] =
                UDEV_LABELS.map(|(_, key)| udev_property(&self.udev, key));
            info.sample(
                &[
                    ("device", device),
                    ("major", major),
                    ("minor", minor),
                    ("model", model),
                    ("path", path),
                    ("revision", revision),
                    ("serial", serial),
                    ("wwn", wwn),
                ],
                1.0,
            );
        }
        for (column, (name, help, kind, factor)) in STATS.iter().enumerate() {
            let mut family = out.family(name, help, *kind);
            for (_, _, device, mut fields) in disks() {
                // Older kernels lack the discard and flush columns.
                let Some(value) = fields.nth(column) else {
                    continue;
                };
                let value: f64 = value
                    .parse()
                    .map_err(|_| format!("invalid {device} statistic {value:?}"))?;
                family.sample(&[("device", device)], value * factor);
            }
        }
        Ok(())
    }
}
