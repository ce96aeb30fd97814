//! `prometheus.remote_write` (SPEC §2.17).

pub mod wal;
