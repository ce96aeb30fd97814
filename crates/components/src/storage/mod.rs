//! `storage.*`: ferroalloy's own embedded stores (not in Alloy).

pub mod metrics;
