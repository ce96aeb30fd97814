//! The data that flows between components: label sets, targets, the
//! relabelling engine that rewrites them, Prometheus sample batches and OTLP
//! payloads, and the capsules that carry receivers between components.

pub mod capsule;
pub mod labels;
pub mod metrics;
pub mod otlp;
pub mod otlp_json;
mod otlp_wire;
pub mod relabel;
pub mod remote_write;
pub mod target;
pub mod time;
