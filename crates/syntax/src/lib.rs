//! The Alloy configuration language, as Grafana Alloy reads it.
//!
//! Text goes through the [`scanner`] into the [`parser`], which yields an [`ast::File`]
//! and [`diag::Diagnostics`]. The [`printer`] formats a file as `alloy fmt` does. The
//! [`eval`]uator turns expressions into [`value::Value`]s with the [`stdlib`] in scope,
//! and [`decode`] turns an evaluated block body into typed Rust arguments.
//!
//! This crate knows nothing of components, networks or async code.

pub mod ast;
pub mod decode;
pub mod diag;
pub mod eval;
pub mod evaluated;
pub mod parser;
pub mod pos;
pub mod printer;
pub mod scanner;
pub mod stability;
pub mod stdlib;
pub mod token;
pub mod value;

pub use diag::{Diagnostic, Diagnostics, Severity};
pub use pos::{Pos, Position, SourceFile, Span};
pub use value::Value;
