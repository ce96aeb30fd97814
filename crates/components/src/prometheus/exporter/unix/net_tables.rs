//! Collectors that sum the rows of `/proc/net` tables: `arp` (neighbour
//! entries per device) and `udp_queues` (bytes queued on UDP sockets).

use super::config;
use super::{Collector, DeviceFilter, Paths, read_into};
use crate::prometheus::exporter::exposition::Exposition;
use model::metrics::MetricType;

pub struct Arp {
    devices: DeviceFilter,
    buf: String,
}

impl Arp {
    pub fn new(args: &config::Arp) -> Result<Arp, String> {
        Ok(Arp {
            devices: DeviceFilter::new("arp device", &args.device_include, &args.device_exclude)?,
            buf: String::new(),
        })
    }
}

impl Collector for Arp {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(&paths.proc("net/arp"), &mut self.buf)?;
        // `IP address  HW type  Flags  HW address  Mask  Device`, after a header.
        let mut counts: Vec<(&str, u64)> = Vec::new();
        for line in self.buf.lines().skip(1) {
            let Some(device) = line.split_ascii_whitespace().nth(5) else {
                continue;
            };
            if self.devices.ignored(device) {
                continue;
            }
            match counts.iter_mut().find(|(d, _)| *d == device) {
                Some((_, count)) => *count += 1,
                None => counts.push((device, 1)),
            }
        }
        counts.sort_unstable();
        let mut family = out.family(
            "node_arp_entries",
            "ARP entries by device",
            MetricType::Gauge,
        );
        for (device, count) in counts {
            family.sample(&[("device", device)], count as f64);
        }
        Ok(())
    }
}

#[derive(Default)]
pub struct UdpQueues {
    buf: String,
}

impl UdpQueues {
    /// The summed (tx, rx) queues of a `/proc/net/udp*` table in `self.buf`.
    fn sums(&self) -> Result<(u64, u64), String> {
        let (mut tx, mut rx) = (0u64, 0u64);
        for line in self.buf.lines().skip(1) {
            // `sl local_address rem_address st tx_queue:rx_queue …`, in hexadecimal.
            let Some(queues) = line.split_ascii_whitespace().nth(4) else {
                continue;
            };
            let (t, r) = queues
                .split_once(':')
                .ok_or_else(|| format!("invalid UDP queues {queues:?}"))?;
            let hex = |text: &str| {
                u64::from_str_radix(text, 16).map_err(|_| format!("invalid UDP queue {text:?}"))
            };
            tx += hex(t)?;
            rx += hex(r)?;
        }
        Ok((tx, rx))
    }
}

impl Collector for UdpQueues {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(&paths.proc("net/udp"), &mut self.buf)?;
        let v4 = self.sums()?;
        // Without IPv6 there is no udp6 table, and no v6 series.
        let v6 = match read_into(&paths.proc("net/udp6"), &mut self.buf) {
            Ok(()) => Some(self.sums()?),
            Err(_) => None,
        };
        let mut family = out.family(
            "node_udp_queues",
            "Number of allocated memory in the kernel for UDP datagrams in bytes.",
            MetricType::Gauge,
        );
        for (ip, sums) in [("v4", Some(v4)), ("v6", v6)] {
            if let Some((tx, rx)) = sums {
                family.sample(&[("ip", ip), ("queue", "rx")], rx as f64);
                family.sample(&[("ip", ip), ("queue", "tx")], tx as f64);
            }
        }
        Ok(())
    }
}
