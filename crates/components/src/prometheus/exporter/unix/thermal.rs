//! The `thermal_zone` collector: zone temperatures and cooling device states of
//! `/sys/class/thermal`.

use super::{Collector, Paths, read_into};
use crate::prometheus::exporter::exposition::Exposition;
use model::metrics::MetricType;
use std::path::{Path, PathBuf};

#[derive(Default)]
pub struct ThermalZone {
    kind: String,
    value: String,
}

/// The entries of `dir` named `<prefix><number>`, with the number, in order.
fn numbered(dir: &Path, prefix: &str) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let number = name.strip_prefix(prefix)?;
            (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()))
                .then(|| (number.to_string(), entry.path()))
        })
        .collect();
    found.sort_by_key(|(number, _)| number.parse::<u64>().unwrap_or(u64::MAX));
    found
}

impl ThermalZone {
    /// Reads `dir/file` as a number.
    fn number(&mut self, dir: &Path, file: &str) -> Result<f64, String> {
        read_into(&dir.join(file), &mut self.value)?;
        self.value.trim().parse().map_err(|_| {
            format!(
                "invalid {}: {:?}",
                dir.join(file).display(),
                self.value.trim()
            )
        })
    }
}

impl Collector for ThermalZone {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        let class = paths.sys("class/thermal");
        for (zone, dir) in numbered(&class, "thermal_zone") {
            let millidegrees = self.number(&dir, "temp")?;
            read_into(&dir.join("type"), &mut self.kind)?;
            out.family(
                "node_thermal_zone_temp",
                "Zone temperature in Celsius",
                MetricType::Gauge,
            )
            .sample(
                &[("type", self.kind.trim()), ("zone", &zone)],
                millidegrees / 1000.0,
            );
        }
        for (name, dir) in numbered(&class, "cooling_device") {
            let current = self.number(&dir, "cur_state")?;
            let maximum = self.number(&dir, "max_state")?;
            read_into(&dir.join("type"), &mut self.kind)?;
            let labels = [("name", name.as_str()), ("type", self.kind.trim())];
            out.family(
                "node_cooling_device_cur_state",
                "Current throttle state of the cooling device",
                MetricType::Gauge,
            )
            .sample(&labels, current);
            out.family(
                "node_cooling_device_max_state",
                "Maximum throttle state of the cooling device",
                MetricType::Gauge,
            )
            .sample(&labels, maximum);
        }
        Ok(())
    }
}
