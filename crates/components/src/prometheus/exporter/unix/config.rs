//! The arguments of `prometheus.exporter.unix` (SPEC §2.18): paths, which
//! collectors run, and one block of options per collector. Every block is
//! decoded, including those of collectors ferroalloy does not implement, so
//! Alloy configurations load unchanged.

use syntax::decode::{Block, GoDuration};

/// node_exporter 1.5's default `--collector.diskstats.device-exclude`.
pub const DEFAULT_DISK_EXCLUDE: &str = r"^(ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$";
/// node_exporter 1.5's default `--collector.filesystem.mount-points-exclude` on Linux.
pub const DEFAULT_MOUNT_POINTS_EXCLUDE: &str =
    "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+)($|/)";
/// node_exporter 1.5's default `--collector.filesystem.fs-types-exclude` on Linux.
pub const DEFAULT_FS_TYPES_EXCLUDE: &str = "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$";
/// node_exporter 1.5's default `--collector.netstat.fields`.
pub const DEFAULT_NETSTAT_FIELDS: &str = "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|Tcp_(ActiveOpens|InSegs|OutSegs|OutRsts|PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|RcvbufErrors|SndbufErrors))$";
/// node_exporter 1.5's default `--collector.vmstat.fields`.
pub const DEFAULT_VMSTAT_FIELDS: &str = "^(oom_kill|pgpg|pswp|pg.*fault).*";

#[derive(Clone, PartialEq, Debug, Block)]
pub struct Arguments {
    #[alloy(attr, optional)]
    pub include_exporter_metrics: bool,
    #[alloy(attr, optional)]
    pub procfs_path: String,
    #[alloy(attr, optional)]
    pub sysfs_path: String,
    #[alloy(attr, optional)]
    pub rootfs_path: String,
    #[alloy(attr, optional)]
    pub udev_data_path: String,
    #[alloy(attr, optional)]
    pub enable_collectors: Vec<String>,
    #[alloy(attr, optional)]
    pub disable_collectors: Vec<String>,
    #[alloy(attr, optional)]
    pub set_collectors: Vec<String>,
    #[alloy(block, optional)]
    pub arp: Arp,
    #[alloy(block, optional)]
    pub bcache: Bcache,
    #[alloy(block, optional)]
    pub cpu: Cpu,
    #[alloy(block, optional)]
    pub disk: Disk,
    #[alloy(block, optional)]
    pub ethtool: Ethtool,
    #[alloy(block, optional)]
    pub filesystem: Filesystem,
    #[alloy(block, optional)]
    pub hwmon: Hwmon,
    #[alloy(block, optional)]
    pub ipvs: Ipvs,
    #[alloy(block, optional)]
    pub ntp: Ntp,
    #[alloy(block, optional)]
    pub netclass: Netclass,
    #[alloy(block, optional)]
    pub netdev: Netdev,
    #[alloy(block, optional)]
    pub netstat: Netstat,
    #[alloy(block, optional)]
    pub perf: Perf,
    #[alloy(block, optional)]
    pub powersupply: Powersupply,
    #[alloy(block, optional)]
    pub runit: Runit,
    #[alloy(block, optional)]
    pub supervisord: Supervisord,
    #[alloy(block, optional)]
    pub sysctl: Sysctl,
    #[alloy(block, optional)]
    pub systemd: Systemd,
    #[alloy(block, optional)]
    pub tapestats: Tapestats,
    #[alloy(block, optional)]
    pub textfile: Textfile,
    #[alloy(block, optional)]
    pub vmstat: Vmstat,
}

impl Default for Arguments {
    fn default() -> Arguments {
        Arguments {
            include_exporter_metrics: false,
            procfs_path: "/proc".into(),
            sysfs_path: "/sys".into(),
            rootfs_path: "/".into(),
            udev_data_path: "/run/udev/data".into(),
            enable_collectors: Vec::new(),
            disable_collectors: Vec::new(),
            set_collectors: Vec::new(),
            arp: Arp::default(),
            bcache: Bcache::default(),
            cpu: Cpu::default(),
            disk: Disk::default(),
            ethtool: Ethtool::default(),
            filesystem: Filesystem::default(),
            hwmon: Hwmon::default(),
            ipvs: Ipvs::default(),
            ntp: Ntp::default(),
            netclass: Netclass::default(),
            netdev: Netdev::default(),
            netstat: Netstat::default(),
            perf: Perf::default(),
            powersupply: Powersupply::default(),
            runit: Runit::default(),
            supervisord: Supervisord::default(),
            sysctl: Sysctl::default(),
            systemd: Systemd::default(),
            tapestats: Tapestats::default(),
            textfile: Textfile::default(),
            vmstat: Vmstat::default(),
        }
    }
}

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Arp {
    #[alloy(attr, optional)]
    pub device_include: String,
    #[alloy(attr, optional)]
    pub device_exclude: String,
    #[alloy(attr, optional)]
    pub netlink: bool,
}

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Bcache {
    #[alloy(attr, optional)]
    pub priority_stats: bool,
}

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Cpu {
    #[alloy(attr, optional)]
    pub guest: bool,
    #[alloy(attr, optional)]
    pub info: bool,
    #[alloy(attr, optional)]
    pub flags_include: String,
    #[alloy(attr, optional)]
    pub bugs_include: String,
}

#[derive(Clone, PartialEq, Debug, Block)]
pub struct Disk {
    #[alloy(attr, optional)]
    pub device_include: String,
    #[alloy(attr, optional)]
    pub device_exclude: String,
}

impl Default for Disk {
    fn default() -> Disk {
        Disk {
            device_include: String::new(),
            device_exclude: DEFAULT_DISK_EXCLUDE.into(),
        }
    }
}

#[derive(Clone, PartialEq, Debug, Block)]
pub struct Ethtool {
    #[alloy(attr, optional)]
    pub device_include: String,
    #[alloy(attr, optional)]
    pub device_exclude: String,
    #[alloy(attr, optional)]
    pub metrics_include: String,
}

impl Default for Ethtool {
    fn default() -> Ethtool {
        Ethtool {
            device_include: String::new(),
            device_exclude: String::new(),
            metrics_include: ".*".into(),
        }
    }
}

#[derive(Clone, PartialEq, Debug, Block)]
pub struct Filesystem {
    #[alloy(attr, optional)]
    pub fs_types_exclude: String,
    #[alloy(attr, optional)]
    pub mount_points_exclude: String,
    #[alloy(attr, optional)]
    pub mount_timeout: GoDuration,
}

impl Default for Filesystem {
    fn default() -> Filesystem {
        Filesystem {
            fs_types_exclude: DEFAULT_FS_TYPES_EXCLUDE.into(),
            mount_points_exclude: DEFAULT_MOUNT_POINTS_EXCLUDE.into(),
            mount_timeout: GoDuration::from_secs(5),
        }
    }
}

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Hwmon {
    #[alloy(attr, optional)]
    pub chip_include: String,
    #[alloy(attr, optional)]
    pub chip_exclude: String,
}

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Ipvs {
    #[alloy(attr, optional)]
    pub backend_labels: Vec<String>,
}

#[derive(Clone, PartialEq, Debug, Block)]
pub struct Ntp {
    #[alloy(attr, optional)]
    pub server: String,
    #[alloy(attr, optional)]
    pub protocol_version: i64,
    #[alloy(attr, optional)]
    pub server_is_local: bool,
    #[alloy(attr, optional)]
    pub ip_ttl: i64,
    #[alloy(attr, optional)]
    pub local_offset_tolerance: GoDuration,
    #[alloy(attr, optional)]
    pub max_distance: GoDuration,
}

impl Default for Ntp {
    fn default() -> Ntp {
        Ntp {
            server: "127.0.0.1".into(),
            protocol_version: 4,
            server_is_local: false,
            ip_ttl: 1,
            local_offset_tolerance: GoDuration::from_nanos(1_000_000),
            max_distance: GoDuration::from_nanos(3_466_080_000),
        }
    }
}

#[derive(Clone, PartialEq, Debug, Block)]
pub struct Netclass {
    #[alloy(attr, optional)]
    pub ignored_devices: String,
    #[alloy(attr, optional)]
    pub ignore_invalid_speed_device: bool,
}

impl Default for Netclass {
    fn default() -> Netclass {
        Netclass {
            ignored_devices: "^$".into(),
            ignore_invalid_speed_device: false,
        }
    }
}

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Netdev {
    #[alloy(attr, optional)]
    pub device_include: String,
    #[alloy(attr, optional)]
    pub device_exclude: String,
    #[alloy(attr, optional)]
    pub address_info: bool,
}

#[derive(Clone, PartialEq, Debug, Block)]
pub struct Netstat {
    #[alloy(attr, optional)]
    pub fields: String,
}

impl Default for Netstat {
    fn default() -> Netstat {
        Netstat {
            fields: DEFAULT_NETSTAT_FIELDS.into(),
        }
    }
}

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Perf {
    #[alloy(attr, optional)]
    pub cpus: String,
    #[alloy(attr, optional)]
    pub tracepoint: Vec<String>,
    #[alloy(attr, optional)]
    pub disable_hardware_profilers: bool,
    #[alloy(attr, optional)]
    pub disable_software_profilers: bool,
    #[alloy(attr, optional)]
    pub disable_cache_profilers: bool,
    #[alloy(attr, optional)]
    pub hardware_profilers: Vec<String>,
    #[alloy(attr, optional)]
    pub software_profilers: Vec<String>,
    #[alloy(attr, optional)]
    pub cache_profilers: Vec<String>,
}

#[derive(Clone, PartialEq, Debug, Block)]
pub struct Powersupply {
    #[alloy(attr, optional)]
    pub ignored_supplies: String,
}

impl Default for Powersupply {
    fn default() -> Powersupply {
        Powersupply {
            ignored_supplies: "^$".into(),
        }
    }
}

#[derive(Clone, PartialEq, Debug, Block)]
pub struct Runit {
    #[alloy(attr, optional)]
    pub service_dir: String,
}

impl Default for Runit {
    fn default() -> Runit {
        Runit {
            service_dir: "/etc/service".into(),
        }
    }
}

#[derive(Clone, PartialEq, Debug, Block)]
pub struct Supervisord {
    #[alloy(attr, optional)]
    pub url: String,
}

impl Default for Supervisord {
    fn default() -> Supervisord {
        Supervisord {
            url: "http://localhost:9001/RPC2".into(),
        }
    }
}

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Sysctl {
    #[alloy(attr, optional)]
    pub include: Vec<String>,
    #[alloy(attr, optional)]
    pub include_info: Vec<String>,
}

#[derive(Clone, PartialEq, Debug, Block)]
pub struct Systemd {
    #[alloy(attr, optional)]
    pub unit_include: String,
    #[alloy(attr, optional)]
    pub unit_exclude: String,
    #[alloy(attr, optional)]
    pub enable_restarts: bool,
    #[alloy(attr, optional)]
    pub start_time: bool,
    #[alloy(attr, optional)]
    pub task_metrics: bool,
}

impl Default for Systemd {
    fn default() -> Systemd {
        Systemd {
            unit_include: ".+".into(),
            unit_exclude: r".+\.(automount|device|mount|scope|slice)".into(),
            enable_restarts: false,
            start_time: false,
            task_metrics: false,
        }
    }
}

#[derive(Clone, PartialEq, Debug, Block)]
pub struct Tapestats {
    #[alloy(attr, optional)]
    pub ignored_devices: String,
}

impl Default for Tapestats {
    fn default() -> Tapestats {
        Tapestats {
            ignored_devices: "^$".into(),
        }
    }
}

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Textfile {
    #[alloy(attr, optional)]
    pub directory: String,
}

#[derive(Clone, PartialEq, Debug, Block)]
pub struct Vmstat {
    #[alloy(attr, optional)]
    pub fields: String,
}

impl Default for Vmstat {
    fn default() -> Vmstat {
        Vmstat {
            fields: DEFAULT_VMSTAT_FIELDS.into(),
        }
    }
}
