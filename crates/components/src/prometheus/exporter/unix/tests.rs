//! The collectors on fixture trees (exact values) and on this machine's /proc
//! and /sys.

use super::*;
use std::fs;
use syntax::decode::Codec;

/// A scrape of `args`'s collectors.
fn scrape(args: &Arguments) -> String {
    Scraper::new(args).unwrap().scrape().to_string()
}

/// A tree of files under a temporary directory.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    dir
}

/// Arguments running only `collectors`, reading the fixture `dir` as /proc.
fn fixture_args(dir: &tempfile::TempDir, collectors: &[&str]) -> Arguments {
    Arguments {
        procfs_path: dir.path().display().to_string(),
        sysfs_path: dir.path().join("sys").display().to_string(),
        rootfs_path: dir.path().display().to_string(),
        set_collectors: collectors.iter().map(|s| s.to_string()).collect(),
        ..Arguments::default()
    }
}

/// Fails unless every line of `expected` is a sample line of `text`.
fn assert_samples(text: &str, expected: &[&str]) {
    let lines = samples(text);
    for line in expected {
        assert!(lines.contains(line), "missing {line} in\n{text}");
    }
}

/// The sample lines of `text` (no comments, no scrape self-metrics).
fn samples(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("node_scrape_collector"))
        .collect()
}

const STAT: &str = "cpu  300 20 100 4000 50 0 10 5 0 0
cpu0 100 10 50 2000 25 0 5 2 7 1
cpu1 200 10 50 2000 25 0 5 3 0 0
intr 12345 1 2 3
ctxt 987654
btime 1700000000
processes 4321
procs_running 3
procs_blocked 1
softirq 1 2 3
";

#[test]
fn cpu_and_stat_from_proc_stat() {
    let dir = tree(&[("stat", STAT)]);
    let mut args = fixture_args(&dir, &["cpu", "stat"]);
    args.cpu.guest = true;
    let text = scrape(&args);
    assert!(text.contains("# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n# TYPE node_cpu_seconds_total counter\n"));
    let lines = samples(&text);
    assert_samples(
        &text,
        &[
            "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 1",
            "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 20",
            "node_cpu_seconds_total{cpu=\"1\",mode=\"steal\"} 0.03",
            "node_cpu_guest_seconds_total{cpu=\"0\",mode=\"user\"} 0.07",
            "node_cpu_guest_seconds_total{cpu=\"0\",mode=\"nice\"} 0.01",
            "node_boot_time_seconds 1.7e+09",
            "node_context_switches_total 987654",
            "node_forks_total 4321",
            "node_intr_total 12345",
            "node_procs_running 3",
            "node_procs_blocked 1",
        ],
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("node_cpu_seconds_total"))
            .count(),
        16
    );
    assert!(text.contains("node_scrape_collector_success{collector=\"cpu\"} 1\n"));
}

#[test]
fn meminfo_names_and_units() {
    let dir = tree(&[(
        "meminfo",
        "MemTotal:       16000 kB\nActive(anon):     100 kB\nHugePages_Total:       2\n",
    )]);
    let text = scrape(&fixture_args(&dir, &["meminfo"]));
    assert!(text.contains("# HELP node_memory_Active_anon_bytes Memory information field Active_anon_bytes.\n# TYPE node_memory_Active_anon_bytes gauge\nnode_memory_Active_anon_bytes 102400\n"));
    assert!(text.contains("node_memory_MemTotal_bytes 1.6384e+07\n"));
    assert!(text.contains("node_memory_HugePages_Total 2\n"));
}

#[test]
fn kernel_collectors() {
    let dir = tree(&[
        ("loadavg", "0.25 0.50 1.75 1/96 26452\n"),
        ("sys/fs/file-nr", "637\t0\t2466177\n"),
        ("sys/kernel/random/entropy_avail", "256\n"),
        ("sys/kernel/random/poolsize", "4096\n"),
        (
            "pressure/cpu",
            "some avg10=1.00 avg60=0.00 avg300=0.00 total=2500000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=9\n",
        ),
        (
            "pressure/io",
            "some avg10=0.00 avg60=0.00 avg300=0.00 total=1000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=500\n",
        ),
        (
            "pressure/memory",
            "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
        ),
        ("sys/net/netfilter/nf_conntrack_count", "12\n"),
        ("sys/net/netfilter/nf_conntrack_max", "262144\n"),
        (
            "net/stat/nf_conntrack",
            "entries  found invalid ignore insert insert_failed drop early_drop search_restart\n0000000c 00000001 0000000a 00000000 00000000 00000000 00000002 00000000 00000000\n0000000c 00000001 00000006 00000000 00000000 00000000 00000000 00000000 00000001\n",
        ),
    ]);
    let text = scrape(&fixture_args(
        &dir,
        &["loadavg", "filefd", "entropy", "pressure", "conntrack"],
    ));
    assert_samples(
        &text,
        &[
            "node_load1 0.25",
            "node_load5 0.5",
            "node_load15 1.75",
            "node_filefd_allocated 637",
            "node_filefd_maximum 2.466177e+06",
            "node_entropy_available_bits 256",
            "node_entropy_pool_size_bits 4096",
            "node_pressure_cpu_waiting_seconds_total 2.5",
            "node_pressure_io_waiting_seconds_total 0.001",
            "node_pressure_io_stalled_seconds_total 0.0005",
            "node_pressure_memory_stalled_seconds_total 0",
            "node_nf_conntrack_entries 12",
            "node_nf_conntrack_entries_limit 262144",
            "node_nf_conntrack_stat_found 2",
            "node_nf_conntrack_stat_invalid 16",
            "node_nf_conntrack_stat_drop 2",
            "node_nf_conntrack_stat_search_restart 1",
        ],
    );
    assert!(
        !text.contains("node_pressure_cpu_stalled"),
        "node_exporter 1.5 ignores cpu full"
    );
}

#[test]
fn vmstat_fields_follow_the_pattern() {
    let dir = tree(&[(
        "vmstat",
        "nr_free_pages 100\npgfault 5\npgmajfault 2\noom_kill 1\npgpgin 7\n",
    )]);
    let text = scrape(&fixture_args(&dir, &["vmstat"]));
    assert!(text.contains("# HELP node_vmstat_pgfault /proc/vmstat information field pgfault.\n# TYPE node_vmstat_pgfault untyped\nnode_vmstat_pgfault 5\n"));
    assert!(!text.contains("nr_free_pages"));
    let mut args = fixture_args(&dir, &["vmstat"]);
    args.vmstat.fields = "^nr_".into();
    let text = scrape(&args);
    assert_eq!(samples(&text), ["node_vmstat_nr_free_pages 100"]);
}

const NET_DEV: &str = "Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 100 2 0 0 0 0 0 0 100 2 0 0 0 0 0 0
  eth0: 5000 40 1 2 3 4 5 6 7000 50 7 8 9 10 11 12
";

#[test]
fn netdev_counters_and_device_filters() {
    let dir = tree(&[("net/dev", NET_DEV)]);
    let text = scrape(&fixture_args(&dir, &["netdev"]));
    let lines = samples(&text);
    assert_samples(
        &text,
        &[
            "node_network_receive_bytes_total{device=\"eth0\"} 5000",
            "node_network_receive_multicast_total{device=\"eth0\"} 6",
            "node_network_transmit_colls_total{device=\"eth0\"} 10",
            "node_network_transmit_compressed_total{device=\"eth0\"} 12",
            "node_network_receive_bytes_total{device=\"lo\"} 100",
        ],
    );
    assert_eq!(lines.len(), 32);
    let mut args = fixture_args(&dir, &["netdev"]);
    args.netdev.device_exclude = "^lo$".into();
    assert_eq!(samples(&scrape(&args)).len(), 16);
    args.netdev.device_include = "^lo$".into();
    let text = scrape(&args);
    assert!(samples(&text).iter().all(|l| l.contains("device=\"lo\"")));
}

#[test]
fn diskstats_units_info_and_exclusions() {
    let dir = tree(&[
        (
            "diskstats",
            " 254 0 vda 10 2 100 40 20 3 200 80 1 50 120 4 5 60 70 8 90\n 254 1 vda1 1 1 1 1 1 1 1 1 1 1 1\n   7 0 loop0 0 0 0 0 0 0 0 0 0 0 0\n",
        ),
        (
            "udev/b254:0",
            "S:disk/by-path/x\nE:ID_PATH=pci-0000:00:05.0\nE:ID_SERIAL_SHORT=abc\n",
        ),
    ]);
    let mut args = fixture_args(&dir, &["diskstats"]);
    args.udev_data_path = dir.path().join("udev").display().to_string();
    let text = scrape(&args);
    assert_samples(
        &text,
        &[
            "node_disk_info{device=\"vda\",major=\"254\",minor=\"0\",model=\"\",path=\"pci-0000:00:05.0\",revision=\"\",serial=\"abc\",wwn=\"\"} 1",
            "node_disk_reads_completed_total{device=\"vda\"} 10",
            "node_disk_read_bytes_total{device=\"vda\"} 51200",
            "node_disk_read_time_seconds_total{device=\"vda\"} 0.04",
            "node_disk_written_bytes_total{device=\"vda\"} 102400",
            "node_disk_io_now{device=\"vda\"} 1",
            "node_disk_io_time_weighted_seconds_total{device=\"vda\"} 0.12",
            "node_disk_discarded_sectors_total{device=\"vda\"} 60",
            "node_disk_flush_requests_total{device=\"vda\"} 8",
            "node_disk_flush_requests_time_seconds_total{device=\"vda\"} 0.09",
        ],
    );
    assert!(
        !text.contains("vda1") && !text.contains("loop0"),
        "partitions and loops are excluded by default"
    );
}

#[test]
fn network_protocol_collectors() {
    let dir = tree(&[
        (
            "net/netstat",
            "TcpExt: SyncookiesSent ListenDrops TW\nTcpExt: 1 2 3\nIpExt: InOctets OutOctets\nIpExt: 100 200\n",
        ),
        (
            "net/snmp",
            "Tcp: ActiveOpens InSegs MaxConn\nTcp: 5 6 -1\nUdp: InDatagrams InErrors\nUdp: 7 0\n",
        ),
        (
            "net/snmp6",
            "Ip6InOctets                     	256\nUdp6InDatagrams 3\nIcmp6InMsgs 2\n",
        ),
        (
            "net/sockstat",
            "sockets: used 23\nTCP: inuse 1 orphan 0 tw 0 alloc 1 mem 2\nUDP: inuse 0 mem 0\nFRAG: inuse 0 memory 0\n",
        ),
        ("net/sockstat6", "TCP6: inuse 4\n"),
        (
            "net/softnet_stat",
            "00004475 00000000 00000000 00000000\n0000a47a 00000001 00000002 00000000\n",
        ),
    ]);
    let text = scrape(&fixture_args(&dir, &["netstat", "sockstat", "softnet"]));
    let page = rustix::param::page_size() * 2;
    let tcp_mem = format!("node_sockstat_TCP_mem_bytes {page}");
    assert_samples(
        &text,
        &[
            "node_netstat_TcpExt_SyncookiesSent 1",
            "node_netstat_TcpExt_ListenDrops 2",
            "node_netstat_IpExt_InOctets 100",
            "node_netstat_Tcp_ActiveOpens 5",
            "node_netstat_Udp_InErrors 0",
            "node_netstat_Ip6_InOctets 256",
            "node_netstat_Udp6_InDatagrams 3",
            "node_netstat_Icmp6_InMsgs 2",
            "node_sockstat_sockets_used 23",
            "node_sockstat_TCP_inuse 1",
            "node_sockstat_TCP_mem 2",
            &tcp_mem,
            "node_sockstat_FRAG_memory 0",
            "node_sockstat_TCP6_inuse 4",
            "node_softnet_processed_total{cpu=\"0\"} 17525",
            "node_softnet_dropped_total{cpu=\"1\"} 1",
            "node_softnet_times_squeezed_total{cpu=\"1\"} 2",
        ],
    );
    assert!(
        !text.contains("TcpExt_TW") && !text.contains("MaxConn"),
        "fields outside the default pattern"
    );
    assert!(text.contains("# HELP node_netstat_Tcp_InSegs Statistic TcpInSegs.\n# TYPE node_netstat_Tcp_InSegs untyped\n"));
    assert!(
        text.contains("# HELP node_sockstat_TCP_inuse Number of TCP sockets in state inuse.\n")
    );
}

#[test]
fn os_release_and_uname() {
    let dir = tree(&[(
        "etc/os-release",
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n",
    )]);
    let text = scrape(&fixture_args(&dir, &["os", "uname"]));
    assert!(text.contains("node_os_info{build_id=\"\",id=\"debian\",id_like=\"\",image_id=\"\",image_version=\"\",name=\"Debian GNU/Linux\",pretty_name=\"Debian GNU/Linux 12 (bookworm)\",variant=\"\",variant_id=\"\",version=\"12 (bookworm)\",version_codename=\"bookworm\",version_id=\"12\"} 1\n"));
    assert!(
        text.contains("node_os_version{id=\"debian\",id_like=\"\",name=\"Debian GNU/Linux\"} 12\n")
    );
    let uname = rustix::system::uname();
    let release = format!("release=\"{}\"", uname.release().to_string_lossy());
    assert!(text.contains(&release), "{text}");
    assert_eq!(major_minor_for_test("22.04.3"), Some(22.04));
}

fn major_minor_for_test(version: &str) -> Option<f64> {
    os::major_minor(version)
}

#[test]
fn filesystem_from_mounts() {
    let dir = tree(&[(
        "1/mounts",
        "rootfs / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\ntmpfs /run\\040x tmpfs ro,nosuid 0 0\nnone /missing ext4 rw 0 0\n",
    )]);
    fs::create_dir_all(dir.path().join("run x")).unwrap();
    let text = scrape(&fixture_args(&dir, &["filesystem"]));
    let lines = samples(&text);
    assert!(
        lines.contains(
            &"node_filesystem_readonly{device=\"tmpfs\",fstype=\"tmpfs\",mountpoint=\"/run x\"} 1"
        ),
        "{text}"
    );
    assert!(lines.contains(
        &"node_filesystem_device_error{device=\"rootfs\",fstype=\"ext4\",mountpoint=\"/\"} 0"
    ));
    assert!(lines.contains(
        &"node_filesystem_device_error{device=\"none\",fstype=\"ext4\",mountpoint=\"/missing\"} 1"
    ));
    assert!(!text.contains("/proc"), "excluded by type and mount point");
    let size = lines
        .iter()
        .find(|l| l.starts_with("node_filesystem_size_bytes{device=\"rootfs\""))
        .unwrap();
    let stat = rustix::fs::statvfs(dir.path()).unwrap();
    let expected = (stat.f_blocks * stat.f_frsize) as f64;
    let got: f64 = size.rsplit(' ').next().unwrap().parse().unwrap();
    assert_eq!(got, expected);
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("missing") && l.starts_with("node_filesystem_size"))
    );
}

#[test]
fn a_failing_collector_is_reported_not_fatal() {
    let dir = tree(&[("loadavg", "garbage")]);
    let text = scrape(&fixture_args(&dir, &["loadavg", "meminfo"]));
    assert!(text.contains("node_scrape_collector_success{collector=\"loadavg\"} 0\n"));
    assert!(text.contains("node_scrape_collector_success{collector=\"meminfo\"} 0\n"));
    assert!(text.contains("node_scrape_collector_duration_seconds{collector=\"loadavg\"} "));
}

#[test]
fn collector_selection() {
    let args = Arguments {
        set_collectors: vec!["cpu".into(), "meminfo".into()],
        enable_collectors: vec!["zfs".into()],
        disable_collectors: vec!["meminfo".into()],
        ..Arguments::default()
    };
    assert_eq!(selected_collectors(&args), ["cpu", "zfs"]);
    let scraper = Scraper::new(&args).unwrap();
    let info = scraper.debug_info();
    let list = |name| Vec::<String>::decode(crate::testing::field(&info, name)).unwrap();
    assert_eq!(list("collectors"), ["cpu"]);
    assert_eq!(list("not_implemented_collectors"), ["zfs"]);
    let defaults = selected_collectors(&Arguments::default());
    assert_eq!(defaults.len(), DEFAULT_COLLECTORS.len());
}

#[test]
fn bad_patterns_fail_the_build() {
    let mut args = Arguments::default();
    args.vmstat.fields = "(".into();
    let err = Scraper::new(&args).err().unwrap();
    assert!(
        err.starts_with("invalid vmstat fields pattern \"(\""),
        "{err}"
    );
}

#[test]
fn this_machine() {
    let text = scrape(&Arguments::default());
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let idle = text
        .lines()
        .filter(|l| l.starts_with("node_cpu_seconds_total{") && l.contains("mode=\"idle\""))
        .count();
    assert!(idle >= cpus, "{idle} idle series for {cpus} CPUs");
    for family in [
        "node_memory_MemTotal_bytes",
        "node_load1",
        "node_boot_time_seconds",
        "node_uname_info",
        "node_filesystem_size_bytes",
        "node_network_receive_bytes_total",
    ] {
        assert!(text.contains(&format!("# TYPE {family} ")), "no {family}");
    }
    for collector in [
        "cpu",
        "meminfo",
        "loadavg",
        "stat",
        "uname",
        "filefd",
        "vmstat",
        "netdev",
        "netstat",
        "sockstat",
        "diskstats",
        "filesystem",
        "time",
    ] {
        assert!(
            text.contains(&format!(
                "node_scrape_collector_success{{collector=\"{collector}\"}} 1\n"
            )),
            "{collector} failed"
        );
    }
}

/// The collectors compared with the live node_exporter.
const COMPARED: [&str; 25] = [
    "arp",
    "conntrack",
    "cpu",
    "diskstats",
    "entropy",
    "filefd",
    "filesystem",
    "hwmon",
    "loadavg",
    "meminfo",
    "netclass",
    "netdev",
    "netstat",
    "os",
    "pressure",
    "schedstat",
    "selinux",
    "sockstat",
    "softnet",
    "stat",
    "thermal_zone",
    "time",
    "udp_queues",
    "uname",
    "vmstat",
];

/// A family of a scrape: its type and its series (label pairs → value).
#[derive(Debug, Default)]
struct ParsedFamily {
    kind: String,
    series: Vec<(Vec<(String, String)>, f64)>,
}

/// Parses the text format as node_exporter writes it (no escapes in the
/// label values compared here).
fn parse(text: &str) -> std::collections::BTreeMap<String, ParsedFamily> {
    let mut families = std::collections::BTreeMap::<String, ParsedFamily>::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            families.entry(name.into()).or_default().kind = kind.into();
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap();
        let (name, labels) = match series.split_once('{') {
            Some((name, labels)) => (name, labels.trim_end_matches('}')),
            None => (series, ""),
        };
        let labels = labels
            .split("\",")
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (n, v) = pair.split_once("=\"").unwrap();
                (n.to_string(), v.trim_end_matches('"').to_string())
            })
            .collect();
        let value = value.parse().unwrap_or(f64::NAN);
        families
            .entry(name.into())
            .or_default()
            .series
            .push((labels, value));
    }
    families
}

/// GET `path` from `port` on the loopback, over HTTP/1.0.
fn http_get(port: u16, path: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default())
}

/// The live Debian node_exporter 1.5 with our configuration's equivalents,
/// killed on drop.
struct NodeExporter(std::process::Child, u16);

impl NodeExporter {
    fn start() -> NodeExporter {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = std::process::Command::new("prometheus-node-exporter");
        command
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--collector.disable-defaults")
            .arg("--no-collector.netdev.netlink")
            .arg("--collector.netdev.device-exclude=^lo$")
            .arg("--collector.cpu.info")
            .arg("--collector.cpu.info.flags-include=^(fpu|sse.*)$")
            .arg("--collector.cpu.info.bugs-include=.*")
            .arg(format!(
                "--collector.filesystem.mount-points-exclude={}",
                config::DEFAULT_MOUNT_POINTS_EXCLUDE
            ))
            .arg(format!(
                "--collector.filesystem.fs-types-exclude={}",
                config::DEFAULT_FS_TYPES_EXCLUDE
            ))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        for collector in COMPARED {
            command.arg(format!("--collector.{collector}"));
        }
        let child = command.spawn().expect(
            "prometheus-node-exporter must be installed (Debian package prometheus-node-exporter)",
        );
        NodeExporter(child, port)
    }

    fn scrape(&self) -> String {
        let deadline = Instant::now() + std::time::Duration::from_secs(20);
        loop {
            match http_get(self.1, "/metrics") {
                Ok(body) if body.contains("node_scrape_collector_success") => return body,
                _ => {
                    assert!(Instant::now() < deadline, "node_exporter did not answer");
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
            }
        }
    }
}

impl Drop for NodeExporter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Labels whose values change between two scrapes (or name things that come
/// and go), so only their names are compared.
fn volatile(family: &str) -> bool {
    family == "node_time_seconds" || family.starts_with("node_scrape_collector_duration")
}

fn label_names(family: &ParsedFamily) -> std::collections::BTreeSet<Vec<String>> {
    family
        .series
        .iter()
        .map(|(labels, _)| labels.iter().map(|(n, _)| n.clone()).collect())
        .collect()
}

fn label_sets(family: &ParsedFamily) -> std::collections::BTreeSet<Vec<(String, String)>> {
    family
        .series
        .iter()
        .map(|(labels, _)| labels.clone())
        .collect()
}

fn single_value(families: &std::collections::BTreeMap<String, ParsedFamily>, name: &str) -> f64 {
    families[name].series[0].1
}

#[test]
fn agrees_with_node_exporter() {
    let node_exporter = NodeExporter::start();
    let theirs = parse(&node_exporter.scrape());
    let mut args = Arguments {
        set_collectors: COMPARED.iter().map(|c| c.to_string()).collect(),
        ..Arguments::default()
    };
    args.cpu.guest = true;
    args.cpu.info = true;
    args.cpu.flags_include = "^(fpu|sse.*)$".into();
    args.cpu.bugs_include = ".*".into();
    args.netdev.device_exclude = "^lo$".into();
    let ours = parse(&scrape(&args));

    // The same collectors succeed (schedstat, when the kernel lacks it, fails
    // in both).
    let successes = |families: &std::collections::BTreeMap<String, ParsedFamily>| {
        label_sets(&families["node_scrape_collector_success"])
            .into_iter()
            .zip(
                families["node_scrape_collector_success"]
                    .series
                    .iter()
                    .map(|s| s.1),
            )
            .map(|(labels, value)| (labels[0].1.clone(), value))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    assert_eq!(successes(&ours), successes(&theirs));

    let ours_names: Vec<_> = ours.keys().collect();
    let theirs_names: Vec<_> = theirs
        .keys()
        .filter(|n| n.starts_with("node_"))
        .filter(|n| !n.starts_with("node_exporter_build_info"))
        .collect();
    assert_eq!(ours_names, theirs_names, "the same families");

    for (name, family) in &ours {
        let other = &theirs[name];
        assert_eq!(family.kind, other.kind, "type of {name}");
        assert_eq!(
            label_names(family),
            label_names(other),
            "label names of {name}"
        );
        // Label values agree except where they are readings (sockstat and
        // such have none) or change between scrapes.
        if !volatile(name) {
            assert_eq!(label_sets(family), label_sets(other), "series of {name}");
        }
    }

    // Values that do not move between two scrapes.
    for stable in [
        "node_memory_MemTotal_bytes",
        "node_memory_SwapTotal_bytes",
        "node_entropy_pool_size_bits",
        "node_filefd_maximum",
        "node_nf_conntrack_entries_limit",
        "node_os_version",
    ] {
        assert_eq!(
            single_value(&ours, stable),
            single_value(&theirs, stable),
            "{stable}"
        );
    }
    let boot = single_value(&ours, "node_boot_time_seconds")
        - single_value(&theirs, "node_boot_time_seconds");
    assert!(boot.abs() <= 1.0, "boot time differs by {boot}");
    assert_eq!(
        ours["node_uname_info"].series,
        theirs["node_uname_info"].series
    );
    assert_eq!(ours["node_os_info"].series, theirs["node_os_info"].series);
    assert_eq!(ours["node_cpu_info"].series, theirs["node_cpu_info"].series);
    assert_eq!(
        ours["node_filesystem_size_bytes"].series,
        theirs["node_filesystem_size_bytes"].series
    );
}

#[test]
fn schedstat_per_cpu() {
    let dir = tree(&[(
        "schedstat",
        "version 15\ntimestamp 4295\ncpu0 0 0 0 0 0 0 2500000000 1000000000 77\ndomain0 3 0 0\ncpu1 0 0 0 0 0 0 1 2 3\n",
    )]);
    let text = scrape(&fixture_args(&dir, &["schedstat"]));
    let lines = samples(&text);
    assert_samples(
        &text,
        &[
            "node_schedstat_running_seconds_total{cpu=\"0\"} 2.5",
            "node_schedstat_waiting_seconds_total{cpu=\"0\"} 1",
            "node_schedstat_timeslices_total{cpu=\"0\"} 77",
            "node_schedstat_timeslices_total{cpu=\"1\"} 3",
        ],
    );
    assert_eq!(lines.len(), 6);
}

#[test]
fn thermal_zones_and_cooling_devices() {
    let dir = tree(&[
        ("sys/class/thermal/thermal_zone0/temp", "45500\n"),
        ("sys/class/thermal/thermal_zone0/type", "x86_pkg_temp\n"),
        ("sys/class/thermal/thermal_zone10/temp", "-1000\n"),
        ("sys/class/thermal/thermal_zone10/type", "acpitz\n"),
        ("sys/class/thermal/cooling_device0/cur_state", "1\n"),
        ("sys/class/thermal/cooling_device0/max_state", "3\n"),
        ("sys/class/thermal/cooling_device0/type", "Processor\n"),
        ("sys/class/thermal/memory/temp", "1\n"),
    ]);
    let text = scrape(&fixture_args(&dir, &["thermal_zone"]));
    assert_samples(
        &text,
        &[
            "node_thermal_zone_temp{type=\"x86_pkg_temp\",zone=\"0\"} 45.5",
            "node_thermal_zone_temp{type=\"acpitz\",zone=\"10\"} -1",
            "node_cooling_device_cur_state{name=\"0\",type=\"Processor\"} 1",
            "node_cooling_device_max_state{name=\"0\",type=\"Processor\"} 3",
        ],
    );
    assert_eq!(samples(&text).len(), 4);
    assert!(text.contains("# HELP node_thermal_zone_temp Zone temperature in Celsius\n"));
}

#[test]
fn netclass_properties() {
    let dir = tree(&[
        ("sys/class/net/eth0/address", "02:fc:00:00:00:01\n"),
        ("sys/class/net/eth0/broadcast", "ff:ff:ff:ff:ff:ff\n"),
        ("sys/class/net/eth0/duplex", "full\n"),
        ("sys/class/net/eth0/operstate", "up\n"),
        ("sys/class/net/eth0/flags", "0x1003\n"),
        ("sys/class/net/eth0/mtu", "1500\n"),
        ("sys/class/net/eth0/speed", "1000\n"),
        ("sys/class/net/eth0/carrier_changes", "2\n"),
        ("sys/class/net/eth0/type", "1\n"),
        ("sys/class/net/lo/operstate", "unknown\n"),
        ("sys/class/net/lo/mtu", "65536\n"),
        ("sys/class/net/bonding_masters", "\n"),
    ]);
    let text = scrape(&fixture_args(&dir, &["netclass"]));
    assert_samples(
        &text,
        &[
            "node_network_info{address=\"02:fc:00:00:00:01\",broadcast=\"ff:ff:ff:ff:ff:ff\",device=\"eth0\",duplex=\"full\",ifalias=\"\",operstate=\"up\"} 1",
            "node_network_info{address=\"\",broadcast=\"\",device=\"lo\",duplex=\"\",ifalias=\"\",operstate=\"unknown\"} 1",
            "node_network_up{device=\"eth0\"} 1",
            "node_network_up{device=\"lo\"} 0",
            "node_network_flags{device=\"eth0\"} 4099",
            "node_network_mtu_bytes{device=\"lo\"} 65536",
            "node_network_speed_bytes{device=\"eth0\"} 1.25e+08",
            "node_network_carrier_changes_total{device=\"eth0\"} 2",
            "node_network_protocol_type{device=\"eth0\"} 1",
        ],
    );
    assert!(text.contains("# HELP node_network_mtu_bytes Network device property: mtu_bytes\n# TYPE node_network_mtu_bytes gauge\n"));
    assert!(text.contains("# TYPE node_network_carrier_changes_total counter\n"));
    assert!(!text.contains("bonding_masters"));
    assert!(
        !text.contains("speed_bytes{device=\"lo\"}"),
        "unreadable attributes are left out"
    );
}

#[test]
fn arp_udp_queues_and_selinux() {
    let dir = tree(&[
        (
            "net/arp",
            "IP address       HW type     Flags       HW address            Mask     Device\n192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0\n192.0.2.2        0x1         0x2         02:fc:00:00:00:06     *        eth0\n10.0.0.1         0x1         0x2         02:fc:00:00:00:07     *        wlan0\n",
        ),
        (
            "net/udp",
            "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n  1: 00000000:0044 00000000:0000 07 00000010:00000100 00:00000000 00000000     0        0 1\n  2: 00000000:0045 00000000:0000 07 00000001:00000000 00:00000000 00000000     0        0 2\n",
        ),
        ("sys/fs/selinux/enforce", "1\n"),
        (
            "etc/selinux/config",
            "SELINUX=permissive\nSELINUXTYPE=targeted\n",
        ),
    ]);
    let mut args = fixture_args(&dir, &["arp", "udp_queues", "selinux"]);
    args.arp.device_exclude = "^wlan".into();
    let text = scrape(&args);
    assert_samples(
        &text,
        &[
            "node_arp_entries{device=\"eth0\"} 2",
            "node_udp_queues{ip=\"v4\",queue=\"rx\"} 256",
            "node_udp_queues{ip=\"v4\",queue=\"tx\"} 17",
            "node_selinux_enabled 1",
            "node_selinux_current_mode 1",
            "node_selinux_config_mode 0",
        ],
    );
    assert!(!text.contains("wlan0") && !text.contains("v6"), "{text}");
}

#[test]
fn cpu_info_flags_and_bugs() {
    let block = |n: u32| {
        format!(
            "processor\t: {n}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nmodel name\t: Xeon\nstepping\t: 7\nmicrocode\t: 0x5003\ncache size\t: 36608 KB\nphysical id\t: 0\ncore id\t\t: {n}\nflags\t\t: fpu vme sse sse2\nbugs\t\t: spectre_v1 mds\n\n"
        )
    };
    let cpuinfo = block(0) + &block(1);
    let dir = tree(&[("stat", STAT), ("cpuinfo", &cpuinfo)]);
    let mut args = fixture_args(&dir, &["cpu"]);
    args.cpu.info = true;
    args.cpu.flags_include = "^sse".into();
    args.cpu.bugs_include = "spectre".into();
    let text = scrape(&args);
    assert_samples(
        &text,
        &[
            "node_cpu_info{cachesize=\"36608 KB\",core=\"1\",cpu=\"1\",family=\"6\",microcode=\"0x5003\",model=\"85\",model_name=\"Xeon\",package=\"0\",stepping=\"7\",vendor=\"GenuineIntel\"} 1",
            "node_cpu_flag_info{flag=\"sse\"} 1",
            "node_cpu_flag_info{flag=\"sse2\"} 1",
            "node_cpu_bug_info{bug=\"spectre_v1\"} 1",
        ],
    );
    assert!(!text.contains("fpu") && !text.contains("mds"), "{text}");
    assert_eq!(text.matches("node_cpu_info{").count(), 2);
}

#[test]
fn hwmon_sensors() {
    let dir = tree(&[
        (
            "devices/platform/coretemp.0/hwmon/hwmon1/name",
            "coretemp\n",
        ),
        (
            "devices/platform/coretemp.0/hwmon/hwmon1/temp1_input",
            "45000\n",
        ),
        (
            "devices/platform/coretemp.0/hwmon/hwmon1/temp1_crit",
            "100000\n",
        ),
        (
            "devices/platform/coretemp.0/hwmon/hwmon1/temp1_crit_alarm",
            "0\n",
        ),
        (
            "devices/platform/coretemp.0/hwmon/hwmon1/temp1_label",
            "Package id 0\n",
        ),
        (
            "devices/platform/coretemp.0/hwmon/hwmon1/fan2_input",
            "1200\n",
        ),
        (
            "devices/platform/coretemp.0/hwmon/hwmon1/in0_input",
            "1500\n",
        ),
        (
            "devices/platform/coretemp.0/hwmon/hwmon1/power1_average",
            "2500000\n",
        ),
        ("devices/platform/coretemp.0/hwmon/hwmon1/uevent", "\n"),
        (
            "devices/platform/coretemp.0/hwmon/hwmon1/update_interval",
            "2000\n",
        ),
        (
            "devices/platform/coretemp.0/hwmon/hwmon1/beep_enable",
            "1\n",
        ),
        ("devices/virtual/hwmon/hwmon2/name", "acpitz\n"),
        ("devices/virtual/hwmon/hwmon2/temp1_input", "27800\n"),
    ]);
    let class = dir.path().join("sys/class/hwmon");
    fs::create_dir_all(&class).unwrap();
    let hwmon1 = dir.path().join("devices/platform/coretemp.0/hwmon/hwmon1");
    std::os::unix::fs::symlink(&hwmon1, class.join("hwmon1")).unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("devices/platform/coretemp.0"),
        hwmon1.join("device"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        dir.path().join("devices/virtual/hwmon/hwmon2"),
        class.join("hwmon2"),
    )
    .unwrap();
    let mut args = fixture_args(&dir, &["hwmon"]);
    args.sysfs_path = dir.path().join("sys").display().to_string();
    let text = scrape(&args);
    assert_samples(
        &text,
        &[
            "node_hwmon_chip_names{chip=\"platform_coretemp_0\",chip_name=\"coretemp\"} 1",
            "node_hwmon_chip_names{chip=\"acpitz\",chip_name=\"acpitz\"} 1",
            "node_hwmon_sensor_label{chip=\"platform_coretemp_0\",label=\"package_id_0\",sensor=\"temp1\"} 1",
            "node_hwmon_temp_celsius{chip=\"platform_coretemp_0\",sensor=\"temp1\"} 45",
            "node_hwmon_temp_crit_celsius{chip=\"platform_coretemp_0\",sensor=\"temp1\"} 100",
            "node_hwmon_temp_crit_alarm_celsius{chip=\"platform_coretemp_0\",sensor=\"temp1\"} 0",
            "node_hwmon_fan_rpm{chip=\"platform_coretemp_0\",sensor=\"fan2\"} 1200",
            "node_hwmon_in_volts{chip=\"platform_coretemp_0\",sensor=\"in0\"} 1.5",
            "node_hwmon_power_average_watt{chip=\"platform_coretemp_0\",sensor=\"power1\"} 2.5",
            "node_hwmon_temp_celsius{chip=\"acpitz\",sensor=\"temp1\"} 27.8",
            "node_hwmon_update_interval_seconds{chip=\"platform_coretemp_0\",sensor=\"update_interval0\"} 2",
            "node_hwmon_beep_enabled{chip=\"platform_coretemp_0\",sensor=\"beep_enable0\"} 1",
        ],
    );
    assert!(
        text.contains("# HELP node_hwmon_temp_celsius Hardware monitor for temperature (input)\n")
    );
    args.hwmon.chip_exclude = "^acpi".into();
    assert!(!scrape(&args).contains("acpitz"));
}
