//! The `meminfo` collector: every `/proc/meminfo` field as
//! `node_memory_<field>[_bytes]`, `(x)` in names becoming `_x` and kB values
//! converted to bytes, as node_exporter names them.

use super::{Collector, Paths, compose, read_into};
use crate::prometheus::exporter::exposition::Exposition;
use model::metrics::MetricType;

#[derive(Default)]
pub struct Meminfo {
    buf: String,
    name: String,
    help: String,
}

impl Collector for Meminfo {
    fn collect(&mut self, paths: &Paths, out: &mut Exposition) -> Result<(), String> {
        read_into(&paths.proc("meminfo"), &mut self.buf)?;
        for line in self.buf.lines() {
            let Some((key, rest)) = line.split_once(':') else {
                continue;
            };
            let mut parts = rest.split_ascii_whitespace();
            let Some(value) = parts.next() else { continue };
            let mut value: f64 = value
                .parse()
                .map_err(|_| format!("invalid meminfo {key} {value:?}"))?;
            let field_start = "node_memory_".len();
            self.name.clear();
            self.name.push_str("node_memory_");
            // `Active(anon)` → `Active_anon`.
            for c in key.chars() {
                match c {
                    '(' => self.name.push('_'),
                    ')' => {}
                    c => self.name.push(c),
                }
            }
            if parts.next() == Some("kB") {
                value *= 1024.0;
                self.name.push_str("_bytes");
            }
            compose(
                &mut self.help,
                &["Memory information field ", &self.name[field_start..], "."],
            );
            out.family(&self.name, &self.help, MetricType::Gauge)
                .sample(&[], value);
        }
        Ok(())
    }
}
