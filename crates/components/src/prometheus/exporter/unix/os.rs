//! Collectors describing the system: `uname` (the uname system call), `os`
//! (`/etc/os-release` under `rootfs_path`) and `time` (the clock, its time
//! zone and clock sources) and `selinux` (whether SELinux is on, and its modes).

use super::{Collector, Paths, read_into};
use crate::prometheus::exporter::exposition::Exposition;
use model::metrics::MetricType;
use std::time::{SystemTime, UNIX_EPOCH};

pub struct Uname;

impl Collector for Uname {
    fn collect(&mut self, _paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        let uname = rustix::system::uname();
        let text = |c: &std::ffi::CStr| c.to_string_lossy().into_owned();
        let domainname = text(uname.domainname());
        let machine = text(uname.machine());
        let nodename = text(uname.nodename());
        let release = text(uname.release());
        let sysname = text(uname.sysname());
        let version = text(uname.version());
        out.family(
            "node_uname_info",
            "Labeled system information as provided by the uname system call.",
            MetricType::Gauge,
        )
        .sample(
            &[
                ("domainname", &domainname),
                ("machine", &machine),
                ("nodename", &nodename),
                ("release", &release),
                ("sysname", &sysname),
                ("version", &version),
            ],
            1.0,
        );
        Ok(())
    }
}

#[derive(Default)]
pub struct OsRelease {
    buf: String,
}

/// `os-release` keys reported as `node_os_info` labels, by label name.
const OS_INFO_LABELS: [(&str, &str); 12] = [
    ("build_id", "BUILD_ID"),
    ("id", "ID"),
    ("id_like", "ID_LIKE"),
    ("image_id", "IMAGE_ID"),
    ("image_version", "IMAGE_VERSION"),
    ("name", "NAME"),
    ("pretty_name", "PRETTY_NAME"),
    ("variant", "VARIANT"),
    ("variant_id", "VARIANT_ID"),
    ("version", "VERSION"),
    ("version_codename", "VERSION_CODENAME"),
    ("version_id", "VERSION_ID"),
];

/// The value of `key` in an os-release text, unquoted.
fn os_release_value<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().trim_matches(|c| c == '"' || c == '\''))
        .unwrap_or("")
}

/// The leading `major.minor` of a version (`12`, `22.04.3` → 22.04).
pub(super) fn major_minor(version: &str) -> Option<f64> {
    let mut parts = version.splitn(3, '.');
    let major = parts.next()?;
    let text = match parts.next() {
        Some(minor) => format!("{major}.{minor}"),
        None => major.to_string(),
    };
    text.parse().ok()
}

impl Collector for OsRelease {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(&paths.root.join("etc/os-release"), &mut self.buf)
            .or_else(|_| read_into(&paths.root.join("usr/lib/os-release"), &mut self.buf))?;
        let labels = OS_INFO_LABELS.map(|(label, key)| (label, os_release_value(&self.buf, key)));
        out.family(
            "node_os_info",
            "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, image_version, name, pretty_name, variant, variant_id, version, version_codename, version_id.",
            MetricType::Gauge,
        )
        .sample(&labels, 1.0);
        if let Some(version) = major_minor(os_release_value(&self.buf, "VERSION_ID")) {
            out.family(
                "node_os_version",
                "Metric containing the major.minor part of the OS version.",
                MetricType::Gauge,
            )
            .sample(
                &[
                    ("id", os_release_value(&self.buf, "ID")),
                    ("id_like", os_release_value(&self.buf, "ID_LIKE")),
                    ("name", os_release_value(&self.buf, "NAME")),
                ],
                version,
            );
        }
        Ok(())
    }
}

#[derive(Default)]
pub struct Time {
    buf: String,
}

/// Whether the local time zone is UTC: no `TZ` (or a UTC one) and an
/// `/etc/localtime` that is absent or names UTC. Other zones would need the
/// tz database, which ferroalloy does not read, so their offset is omitted.
fn local_zone_is_utc() -> bool {
    let utc = |name: &str| {
        let zone = name.trim_start_matches(':');
        zone.is_empty() || zone.ends_with("UTC") || zone.ends_with("UCT") || zone.ends_with("Zulu")
    };
    if let Ok(tz) = std::env::var("TZ") {
        return utc(&tz);
    }
    match std::fs::read_link("/etc/localtime") {
        Ok(target) => utc(&target.to_string_lossy()),
        Err(_) => !std::path::Path::new("/etc/localtime").exists(),
    }
}

impl Collector for Time {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| e.to_string())?;
        out.family(
            "node_time_seconds",
            "System time in seconds since epoch (1970).",
            MetricType::Gauge,
        )
        .sample(&[], now.as_secs_f64());
        if local_zone_is_utc() {
            out.family(
                "node_time_zone_offset_seconds",
                "System time zone offset in seconds.",
                MetricType::Gauge,
            )
            .sample(&[("time_zone", "UTC")], 0.0);
        }
        let sources = paths.sys("devices/system/clocksource");
        let Ok(entries) = std::fs::read_dir(&sources) else {
            return Ok(());
        };
        let mut devices: Vec<_> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_prefix("clocksource")
                    .map(|d| (d.to_string(), e.path()))
            })
            .collect();
        devices.sort();
        for (device, dir) in devices {
            read_into(&dir.join("available_clocksource"), &mut self.buf)?;
            let mut available = out.family(
                "node_time_clocksource_available_info",
                "Available clocksources read from '/sys/devices/system/clocksource'.",
                MetricType::Gauge,
            );
            for source in self.buf.split_ascii_whitespace() {
                available.sample(&[("clocksource", source), ("device", &device)], 1.0);
            }
            read_into(&dir.join("current_clocksource"), &mut self.buf)?;
            out.family(
                "node_time_clocksource_current_info",
                "Current clocksource read from '/sys/devices/system/clocksource'.",
                MetricType::Gauge,
            )
            .sample(
                &[("clocksource", self.buf.trim()), ("device", &device)],
                1.0,
            );
        }
        Ok(())
    }
}

#[derive(Default)]
pub struct Selinux {
    buf: String,
}

/// An SELinux mode as node_exporter numbers it.
fn selinux_mode(name: &str) -> f64 {
    match name {
        "enforcing" | "1" => 1.0,
        "permissive" | "0" => 0.0,
        _ => -1.0,
    }
}

impl Collector for Selinux {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        // SELinux is enabled when selinuxfs is mounted and answers.
        let enabled = read_into(&paths.sys("fs/selinux/enforce"), &mut self.buf).is_ok();
        out.family(
            "node_selinux_enabled",
            "SELinux is enabled, 1 is true, 0 is false",
            MetricType::Gauge,
        )
        .sample(&[], if enabled { 1.0 } else { 0.0 });
        if !enabled {
            return Ok(());
        }
        out.family(
            "node_selinux_current_mode",
            "Current SELinux enforcement mode",
            MetricType::Gauge,
        )
        .sample(&[], selinux_mode(self.buf.trim()));
        let configured = match read_into(&paths.root.join("etc/selinux/config"), &mut self.buf) {
            Ok(()) => selinux_mode(os_release_value(&self.buf, "SELINUX")),
            Err(_) => -1.0,
        };
        out.family(
            "node_selinux_config_mode",
            "Configured SELinux enforcement mode",
            MetricType::Gauge,
        )
        .sample(&[], configured);
        Ok(())
    }
}
