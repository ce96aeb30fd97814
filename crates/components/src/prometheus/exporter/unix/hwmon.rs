//! The `hwmon` collector: hardware sensors of `/sys/class/hwmon` (as
//! lm-sensors shows them) — temperatures, voltages, fans, power — named as
//! node_exporter names them, for the chips the `hwmon` block's chip patterns
//! keep.

use super::config;
use super::{Collector, DeviceFilter, Paths};
use crate::prometheus::exporter::exposition::Exposition;
use model::metrics::MetricType;
use regex::Regex;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

/// `<type><number>_<property>`, e.g. `temp1_input`, `in0_label`, `beep_enable`.
static SENSOR_FILE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([^0-9]+)([0-9]*)(?:_(.+))?$").expect("a valid pattern"));

const SENSOR_TYPES: [&str; 13] = [
    "vrm",
    "beep_enable",
    "update_interval",
    "in",
    "cpu",
    "fan",
    "pwm",
    "temp",
    "curr",
    "power",
    "energy",
    "humidity",
    "intrusion",
];

/// A sensor's properties (`input`, `max`, `label`…; "" for a bare value).
type Sensors = BTreeMap<String, BTreeMap<String, String>>;

pub struct Hwmon {
    chips: DeviceFilter,
}

impl Hwmon {
    pub fn new(args: &config::Hwmon) -> Result<Hwmon, String> {
        Ok(Hwmon {
            chips: DeviceFilter::new("hwmon chip", &args.chip_include, &args.chip_exclude)?,
        })
    }
}

/// Lower case, anything but `[a-z0-9:_]` as `_`, without leading or trailing `_`.
fn clean_name(name: &str) -> String {
    let cleaned: String = name
        .trim_end_matches('\n')
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == ':' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    cleaned.trim_matches('_').to_string()
}

/// The stable name of the chip at `dir`: its device's bus and name
/// (`platform_coretemp_0`), else its `name` file, else `hwmonN`.
fn chip_name(dir: &Path) -> Option<String> {
    if let Ok(device) = std::fs::canonicalize(dir.join("device")) {
        let name = device.file_name().map(|n| clean_name(&n.to_string_lossy()));
        let bus = device
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| clean_name(&n.to_string_lossy()));
        match (bus, name) {
            (Some(bus), Some(name)) if !bus.is_empty() && !name.is_empty() => {
                return Some(format!("{bus}_{name}"));
            }
            (_, Some(name)) if !name.is_empty() => return Some(name),
            _ => {}
        }
    }
    if let Some(name) = human_name(dir) {
        return Some(name);
    }
    let real = std::fs::canonicalize(dir).ok()?;
    let name = clean_name(&real.file_name()?.to_string_lossy());
    (!name.is_empty()).then_some(name)
}

/// The chip's `name` file, cleaned.
fn human_name(dir: &Path) -> Option<String> {
    let name = clean_name(&std::fs::read_to_string(dir.join("name")).ok()?);
    (!name.is_empty()).then_some(name)
}

/// Adds the sensor files of `dir` to `sensors`.
fn read_sensors(dir: &Path, sensors: &mut Sensors) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("open {}: {e}", dir.display()))?;
    for entry in entries.filter_map(|e| e.ok()) {
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some(caps) = SENSOR_FILE.captures(&file) else {
            continue;
        };
        let kind = &caps[1];
        if !SENSOR_TYPES.contains(&kind) {
            continue;
        }
        let number: u64 = caps[2].parse().unwrap_or(0);
        let property = caps.get(3).map_or("", |m| m.as_str());
        // Unreadable files (write-only controls, drivers answering EAGAIN) are skipped.
        let Ok(value) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        sensors
            .entry(format!("{kind}{number}"))
            .or_default()
            .insert(
                property.to_string(),
                value.trim_end_matches('\n').to_string(),
            );
    }
    Ok(())
}

/// The family, help, type and factor of `element` of a `kind` sensor whose
/// family prefix is `name`, as node_exporter words them.
fn family(kind: &str, element: &str, name: &str) -> (String, String, MetricType, f64) {
    let gauge = MetricType::Gauge;
    if element == "fault" || element == "alarm" {
        return (
            name.into(),
            format!("Hardware sensor {element} status ({kind})"),
            gauge,
            1.0,
        );
    }
    if element == "beep" {
        return (
            format!("{name}_enabled"),
            "Hardware monitor sensor has beeping enabled".into(),
            gauge,
            1.0,
        );
    }
    match kind {
        "in" | "cpu" => (
            format!("{name}_volts"),
            format!("Hardware monitor for voltage ({element})"),
            gauge,
            0.001,
        ),
        "temp" if element != "type" => {
            let element = if element.is_empty() { "input" } else { element };
            (
                format!("{name}_celsius"),
                format!("Hardware monitor for temperature ({element})"),
                gauge,
                0.001,
            )
        }
        "curr" => (
            format!("{name}_amps"),
            format!("Hardware monitor for current ({element})"),
            gauge,
            0.001,
        ),
        "energy" => (
            format!("{name}_joule_total"),
            format!("Hardware monitor for joules used so far ({element})"),
            MetricType::Counter,
            1e-6,
        ),
        "power" if element == "accuracy" => (
            name.into(),
            "Hardware monitor power meter accuracy, as a ratio".into(),
            gauge,
            1e-6,
        ),
        "power"
            if matches!(
                element,
                "average_interval" | "average_interval_min" | "average_interval_max"
            ) =>
        {
            (
                format!("{name}_seconds"),
                format!("Hardware monitor power usage update interval ({element})"),
                gauge,
                0.001,
            )
        }
        "power" => (
            format!("{name}_watt"),
            format!("Hardware monitor for power usage in watts ({element})"),
            gauge,
            1e-6,
        ),
        "humidity" => (
            name.into(),
            format!(
                "Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the humidity as a percentage) ({element})"
            ),
            gauge,
            1e-6,
        ),
        "fan" if matches!(element, "input" | "min" | "max" | "target") => (
            format!("{name}_rpm"),
            format!("Hardware monitor for fan revolutions per minute ({element})"),
            gauge,
            1.0,
        ),
        _ => (
            name.into(),
            format!("Hardware monitor {kind} element {element}"),
            gauge,
            1.0,
        ),
    }
}

fn write_chip(chip: &str, sensors: &Sensors, out: &mut Exposition) {
    for (sensor, properties) in sensors {
        let kind = sensor.trim_end_matches(|c: char| c.is_ascii_digit());
        let labels = [("chip", chip), ("sensor", sensor.as_str())];
        if let Some(label) = properties
            .get("label")
            .map(|l| clean_name(l))
            .filter(|l| !l.is_empty())
        {
            out.family(
                "node_hwmon_sensor_label",
                "Label for given chip and sensor",
                MetricType::Gauge,
            )
            .sample(
                &[("chip", chip), ("label", &label), ("sensor", sensor)],
                1.0,
            );
        }
        let bare = properties.get("").map(String::as_str);
        let number = || bare.and_then(|v| v.trim().parse::<f64>().ok());
        // Three sensor kinds are single values with families of their own.
        let single = match kind {
            "beep_enable" => Some((
                "node_hwmon_beep_enabled",
                "Hardware beep enabled",
                Some(if bare == Some("1") { 1.0 } else { 0.0 }),
            )),
            "vrm" => Some((
                "node_hwmon_voltage_regulator_version",
                "Hardware voltage regulator",
                number(),
            )),
            "update_interval" => Some((
                "node_hwmon_update_interval_seconds",
                "Hardware monitor update interval",
                number().map(|ms| ms * 0.001),
            )),
            _ => None,
        };
        if let Some((name, help, value)) = single {
            if let Some(value) = value {
                out.family(name, help, MetricType::Gauge)
                    .sample(&labels, value);
            }
            continue;
        }
        let prefix = format!("node_hwmon_{kind}");
        for (element, value) in properties {
            if element == "label" {
                continue;
            }
            let Ok(value) = value.trim().parse::<f64>() else {
                continue;
            };
            let name = match element.as_str() {
                "input" if bare.is_some() => format!("{prefix}_input"),
                "input" | "" => prefix.clone(),
                other => format!("{prefix}_{}", clean_name(other)),
            };
            let (name, help, metric_type, factor) = family(kind, element, &name);
            out.family(&name, &help, metric_type)
                .sample(&labels, value * factor);
        }
    }
}

impl Collector for Hwmon {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        let class = paths.sys("class/hwmon");
        let entries =
            std::fs::read_dir(&class).map_err(|e| format!("open {}: {e}", class.display()))?;
        let mut dirs: Vec<_> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        let mut last_error = None;
        for dir in dirs {
            let Some(chip) = chip_name(&dir) else {
                last_error = Some(format!(
                    "could not derive a monitoring name for {}",
                    dir.display()
                ));
                continue;
            };
            if self.chips.ignored(&chip) {
                continue;
            }
            let mut sensors = Sensors::new();
            if let Err(e) = read_sensors(&dir, &mut sensors) {
                last_error = Some(e);
                continue;
            }
            if dir.join("device").is_dir()
                && let Err(e) = read_sensors(&dir.join("device"), &mut sensors)
            {
                last_error = Some(e);
                continue;
            }
            if let Some(name) = human_name(&dir) {
                out.family(
                    "node_hwmon_chip_names",
                    "Annotation metric for human-readable chip names",
                    MetricType::Gauge,
                )
                .sample(&[("chip", &chip), ("chip_name", &name)], 1.0);
            }
            write_chip(&chip, &sensors, out);
        }
        last_error.map_or(Ok(()), Err)
    }
}
