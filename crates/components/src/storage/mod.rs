//! `storage.*`: ferroalloy's own embedded stores (not in Alloy), and the
//! Prometheus query API over the metrics store.

pub mod api;
pub mod metrics;
pub mod querier;
