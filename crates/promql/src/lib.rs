//! The PromQL engine: parses with `promql-parser`, evaluates with Prometheus
//! 3.x semantics over any storage implementing [`storage::Querier`].
//!
//! `Engine::new(EngineOptions::default())`, then `instant(&querier, query,
//! time_ms)` or `range(&querier, query, start_ms, end_ms, step_ms)`: a
//! [`QueryResult`] (the [`Value`] plus Prometheus's annotation texts) or a
//! [`QueryError`] (parse, execution, too many samples, timeout — the texts are
//! Prometheus's). Range results are sorted by label set; instant vectors keep
//! the engine's order (`sort`, `topk`, … order them).

mod aggregate;
mod binary;
mod engine;
mod functions;
mod labelcache;
mod matcher;
mod stats;
pub mod storage;
#[cfg(test)]
mod tests;
mod value;

pub use engine::{Engine, EngineOptions, QueryError, QueryResult};
pub use matcher::{LabelMatcher, MatchKind};
pub use value::{Point, Sample, Series, Value};
