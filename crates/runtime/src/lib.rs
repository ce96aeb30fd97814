//! The runtime side of Alloy configurations: the dependency [`graph`] between
//! blocks and the structural checks of `alloy validate` ([`validate`]).
//!
//! Component schemas are not known here yet; [`validate::Schemas`] is where a
//! component registry plugs in.

pub mod graph;
pub mod validate;
