//! `storage.*`: the embedded metrics storage and the Prometheus API over it.

pub mod api;
pub mod querier;
