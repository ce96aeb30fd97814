//! The runtime: components ([`component`]) and the [`registry`] of their types,
//! their [`health`], the [`controller`] that loads and runs a configuration, what
//! the HTTP server sees of it ([`host`]), the dependency [`graph`] between blocks,
//! the structural checks of `alloy validate` ([`validate`]), and Go-worded I/O
//! errors ([`go_io`]).

pub mod component;
pub mod controller;
pub mod go_io;
pub mod graph;
pub mod health;
pub mod host;
pub mod inmemory;
pub mod registry;
pub mod services;
pub mod validate;
