//! The embedded metrics storage engine behind `storage.metrics`, modelled on
//! Prometheus's `tsdb` package: a write-ahead log ([`wal`]), an in-memory
//! head of series with XOR-compressed chunks ([`head`], [`chunk`]), immutable
//! memory-mapped blocks ([`block`]), compaction and retention, and the read
//! interface the query engine uses ([`Db::select`], [`Db::label_names`],
//! [`Db::label_values`]). It knows nothing of configuration or HTTP.

pub mod block;
pub mod chunk;
mod compact;
mod db;
mod encoding;
pub mod head;
pub mod matcher;
pub mod postings;
pub mod query;
mod retention;
pub mod wal;

pub use db::{Db, Error, Options, Stats};
pub use matcher::{MatchType, Matcher};
pub use query::{SampleIter, Series};
