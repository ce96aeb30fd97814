//! The data that flows between components: label sets, targets, and the
//! relabelling engine that rewrites them.

pub mod labels;
pub mod relabel;
pub mod target;
