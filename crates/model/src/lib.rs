//! The data that flows between components: label sets and targets.

pub mod labels;
