//! Client blocks of otelcol exporters: `client`, client `tls`,
//! `retry_on_failure`, `sending_queue` (SPEC §2.0.3).
