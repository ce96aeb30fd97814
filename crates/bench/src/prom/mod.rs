//! Load tools for the Prometheus pipeline benchmark (`bench/prometheus.py`):
//! scrape targets that serve realistic exposition text ([`targets`]) and a
//! remote-write receiver that counts what arrives ([`sink`]).

pub mod sink;
pub mod targets;
mod wire;
