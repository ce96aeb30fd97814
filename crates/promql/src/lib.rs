//! The PromQL engine: parses with `promql-parser`, evaluates with Prometheus
//! 3.x semantics over any storage implementing [`storage::Querier`].

mod aggregate;
mod binary;
mod engine;
mod functions;
mod matcher;
mod stats;
pub mod storage;
#[cfg(test)]
mod tests;
mod value;

pub use engine::{Engine, EngineOptions, QueryError, QueryResult};
pub use matcher::{LabelMatcher, MatchKind};
pub use value::{Point, Sample, Series, Value};
