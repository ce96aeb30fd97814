//! The `discovery.*` components: targets found and rewritten.

pub mod relabel;
