//! The `filesystem` collector: space and inode figures of every mounted
//! filesystem (`/proc/1/mounts`, `statvfs` under `rootfs_path`), without the
//! mount points and filesystem types the `filesystem` block excludes.

use super::config;
use super::statfs::{Statfs, Usage};
use super::{Collector, Paths, pattern, read_into};
use crate::prometheus::exporter::exposition::Exposition;
use model::metrics::MetricType;
use regex::Regex;
use std::collections::HashSet;
use std::path::Path;

pub struct Filesystem {
    mount_points_exclude: Regex,
    fs_types_exclude: Regex,
    statfs: Statfs,
    buf: String,
}

impl Filesystem {
    pub fn new(args: &config::Filesystem) -> Result<Filesystem, String> {
        Ok(Filesystem {
            mount_points_exclude: pattern(
                "filesystem mount_points_exclude",
                &args.mount_points_exclude,
            )?,
            fs_types_exclude: pattern("filesystem fs_types_exclude", &args.fs_types_exclude)?,
            statfs: Statfs::new(args.mount_timeout.to_std().unwrap_or_default()),
            buf: String::new(),
        })
    }
}

/// A mounted filesystem that is reported.
struct Mount<'a> {
    device: &'a str,
    mount_point: String,
    fs_type: &'a str,
    readonly: bool,
    /// `None` when `statvfs` failed or did not return in time.
    usage: Option<Usage>,
}

/// A family of [`Mount`] figures: name, help and the figure, if known.
type MountFamily = (&'static str, &'static str, fn(&Mount) -> Option<f64>);

const FAMILIES: [MountFamily; 7] = [
    (
        "node_filesystem_size_bytes",
        "Filesystem size in bytes.",
        |m| m.usage.as_ref().map(|u| u.size),
    ),
    (
        "node_filesystem_free_bytes",
        "Filesystem free space in bytes.",
        |m| m.usage.as_ref().map(|u| u.free),
    ),
    (
        "node_filesystem_avail_bytes",
        "Filesystem space available to non-root users in bytes.",
        |m| m.usage.as_ref().map(|u| u.avail),
    ),
    (
        "node_filesystem_files",
        "Filesystem total file nodes.",
        |m| m.usage.as_ref().map(|u| u.files),
    ),
    (
        "node_filesystem_files_free",
        "Filesystem total free file nodes.",
        |m| m.usage.as_ref().map(|u| u.files_free),
    ),
    (
        "node_filesystem_device_error",
        "Whether an error occurred while getting statistics for the given device.",
        |m| Some(if m.usage.is_some() { 0.0 } else { 1.0 }),
    ),
    (
        "node_filesystem_readonly",
        "Filesystem read-only status.",
        |m| Some(if m.readonly { 1.0 } else { 0.0 }),
    ),
];

/// Undoes the octal escapes of `/proc/*/mounts` (`\040` is a space).
fn unescape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\\') {
        return text.into();
    }
    text.replace("\\040", " ").replace("\\011", "\t").into()
}

/// The mount point as seen from inside `rootfs_path` (node_exporter strips the
/// prefix so that a containerised exporter reports the host's paths).
fn strip_root<'a>(root: &Path, mount_point: &'a str) -> &'a str {
    let root = root.to_str().unwrap_or("/");
    if root == "/" {
        return mount_point;
    }
    match mount_point.strip_prefix(root.trim_end_matches('/')) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => mount_point,
    }
}

impl Collector for Filesystem {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(&paths.proc("1/mounts"), &mut self.buf)
            .or_else(|_| read_into(&paths.proc("mounts"), &mut self.buf))?;
        let mut seen = HashSet::new();
        let mut mounts = Vec::new();
        let mut on_root = Vec::new();
        for line in self.buf.lines() {
            let mut fields = line.split_ascii_whitespace();
            let (Some(device), Some(mount_point), Some(fs_type), Some(options)) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            let mount_point = unescape(mount_point);
            let visible = strip_root(&paths.root, &mount_point).to_string();
            if self.mount_points_exclude.is_match(&visible)
                || self.fs_types_exclude.is_match(fs_type)
            {
                continue;
            }
            // The same filesystem mounted twice at one place is one series.
            if !seen.insert((device, visible.clone(), fs_type)) {
                continue;
            }
            on_root.push(paths.root.join(visible.trim_start_matches('/')));
            mounts.push(Mount {
                device,
                fs_type,
                readonly: options.split(',').any(|o| o == "ro"),
                usage: None,
                mount_point: visible,
            });
        }
        for (mount, usage) in mounts.iter_mut().zip(self.statfs.usages(&on_root)) {
            mount.usage = usage.ok();
        }
        for (name, help, figure) in FAMILIES {
            let mut family = out.family(name, help, MetricType::Gauge);
            for mount in &mounts {
                if let Some(value) = figure(mount) {
                    family.sample(
                        &[
                            ("device", mount.device),
                            ("fstype", mount.fs_type),
                            ("mountpoint", &mount.mount_point),
                        ],
                        value,
                    );
                }
            }
        }
        Ok(())
    }
}
