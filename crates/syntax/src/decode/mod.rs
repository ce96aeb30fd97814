//! Typed decoding: an evaluated block body becomes a Rust argument struct, and
//! arguments encode back into values (SPEC §1.7–§1.9).
//!
//! Structs describe their schema with `#[derive(Block)]`, mirroring Alloy's Go
//! struct tags:
//!
//! ```text
//! #[derive(Default, Block)]
//! #[alloy(validate)]                                  // calls Validate::validate after decoding
//! struct Arguments {
//!     #[alloy(attr)] filename: String,                // alloy:"filename,attr"
//!     #[alloy(attr, optional)] poll: GoDuration,      // alloy:"poll,attr,optional"
//!     #[alloy(attr, optional, name = "is_secret")] secret: bool,
//!     #[alloy(block, optional)] tls: Option<Tls>,     // single block
//!     #[alloy(block, name = "rule")] rules: Vec<Rule>,// repeated block
//!     #[alloy(enum, name = "stage")] stages: Vec<Stage>, // stage.json, stage.regex … in order
//!     #[alloy(label)] name: String,                   // alloy:",label"
//!     #[alloy(squash)] common: Common,                // alloy:",squash"
//! }
//! #[derive(BlockEnum)]
//! enum Stage { #[alloy(name = "json")] Json(JsonStage), Regex(RegexStage) }
//! ```
//!
//! Defaults come from [`Default`]; a block's own defaults apply when it
//! appears. Errors carry Alloy's wording and every error of a body is reported:
//! [`Block::decode_body`] words value errors as Alloy's evaluator does
//! (`"wrong" should be array, got string`), [`typecheck`] checks an unevaluated
//! body against a [`Schema`] as `alloy validate` does (`expected array, got
//! string`). Arguments encode back into values ([`Codec::encode`]) and into
//! attributes and blocks ([`Block::encode_body`]); secrets stay capsules.
//!
//! Generated code names this crate `::syntax`, so crates using the derives must
//! depend on it under that name (the workspace's `syntax` dependency does).

mod block;
mod bytesize;
mod capsule;
mod codec;
mod duration;
mod encode;
mod error;
mod map_block;
mod prom_duration;
mod schema;
mod secret;
mod typecheck;

#[doc(hidden)]
pub mod derived;

pub use block::{Block, BlockEnum, BlockField, Validate};
pub use bytesize::{ByteSize, parse_byte_size};
pub use capsule::{CapsuleOf, CapsuleType};
pub use codec::Codec;
pub use duration::{GoDuration, parse_go_duration};
pub use encode::{EncodedBlock, EncodedBody, EncodedEntry};
pub use error::{PathSeg, ValueError, ValueErrorKind};
pub use prom_duration::{PromDuration, parse_prom_duration};
pub use schema::{Check, EnumMember, FieldKind, FieldSchema, Occurs, Schema, ValueType};
pub use syntax_derive::{Block, BlockEnum};
pub use typecheck::typecheck;

use crate::diag::{Diagnostics, SpanError};
use crate::pos::SourceFile;

/// Decoding errors as diagnostics of `file`, in the order they were found.
pub fn diagnostics(errors: &[SpanError], file: &SourceFile) -> Diagnostics {
    Diagnostics(errors.iter().map(|e| e.to_diagnostic(file)).collect())
}
