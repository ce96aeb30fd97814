//! The runtime: components ([`component`]) and the [`registry`] of their types,
//! their [`health`], the dependency [`graph`] between blocks, and the structural
//! checks of `alloy validate` ([`validate`]).

pub mod component;
pub mod graph;
pub mod health;
pub mod registry;
pub mod validate;
