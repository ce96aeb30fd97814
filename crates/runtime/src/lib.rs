//! The runtime: components ([`component`]) and the [`registry`] of their types,
//! their [`health`], what the HTTP server sees of them ([`host`]), the dependency [`graph`] between blocks, and the structural
//! checks of `alloy validate` ([`validate`]).

pub mod component;
pub mod controller;
pub mod graph;
pub mod health;
pub mod host;
pub mod registry;
pub mod services;
pub mod validate;
