//! Blocks as typed structures (SPEC §1.8): the traits a block body decodes
//! through, and how often a block may appear.

use super::encode::{EncodedBlock, EncodedBody};
use super::schema::{EnumMember, Occurs, Schema};
use crate::diag::SpanError;
use crate::evaluated::{EvaluatedBlock, EvaluatedBody};
use crate::pos::Span;

/// A Rust value a block decodes into: a struct deriving [`Block`](derive@super::Block),
/// or a string-keyed map (any attribute, no nested blocks).
pub trait Block: Default {
    /// What the block accepts.
    fn schema() -> Schema;

    /// Decodes a block: its label, then defaults ([`Default`]), then its body,
    /// then the validation hook. All errors of the body are reported at once.
    fn decode_block(block: &EvaluatedBlock) -> Result<Self, Vec<SpanError>>;

    /// Decodes a body that is not a block's (a component's arguments, a file).
    /// `span` is where errors about the body as a whole (a missing required
    /// attribute, a failed validation) point.
    fn decode_body(body: &EvaluatedBody, span: Span) -> Result<Self, Vec<SpanError>>;

    /// The arguments as attributes and blocks again.
    fn encode_body(&self) -> EncodedBody;

    /// The block's label; empty for blocks without one.
    fn label(&self) -> &str {
        ""
    }
}

/// A validation hook run after a block decoded without errors (Alloy's
/// `Validate`); the message is reported on the block. Enabled on a derived
/// struct with `#[alloy(validate)]`.
pub trait Validate {
    fn validate(&self) -> Result<(), String>;
}

/// A Rust enum whose variants are the members of an enum block: with
/// `#[alloy(enum, name = "stage")]`, the blocks `stage.json { }` and
/// `stage.regex { }` decode into variants `json` and `regex`, in source order.
pub trait BlockEnum: Sized {
    /// Member names, without the prefix.
    fn members() -> &'static [&'static str];
    fn member_schemas() -> Vec<EnumMember>;
    /// `None` when `member` names no variant.
    fn decode_member(member: &str, block: &EvaluatedBlock) -> Option<Result<Self, Vec<SpanError>>>;
    /// The member name and the encoded block (named by member only).
    fn encode_member(&self) -> EncodedBlock;
}

/// A struct field holding blocks: one block (`T` or `Option<T>`), a repeated
/// block (`Vec<T>`) or a block that must appear exactly `N` times (`[T; N]`).
pub trait BlockField {
    fn occurs() -> Occurs;
    fn body_schema() -> Schema;
    /// Decodes occurrence `index` of `count` blocks with this name.
    fn decode_occurrence(
        &mut self,
        block: &EvaluatedBlock,
        index: usize,
        count: usize,
    ) -> Result<(), Vec<SpanError>>;
    fn encode_blocks(&self, name: &str, out: &mut EncodedBody);
}

fn only_once(block: &EvaluatedBlock, count: usize) -> Result<(), Vec<SpanError>> {
    if count > 1 {
        return Err(vec![SpanError::new(
            block.span,
            format!("block {:?} may only be specified once", block.name),
        )]);
    }
    Ok(())
}

fn encode_one<T: Block>(item: &T, name: &str, out: &mut EncodedBody) {
    out.block(EncodedBlock {
        name: name.to_string(),
        label: item.label().to_string(),
        body: item.encode_body(),
    });
}

impl<T: Block> BlockField for T {
    fn occurs() -> Occurs {
        Occurs::Once
    }
    fn body_schema() -> Schema {
        T::schema()
    }
    fn decode_occurrence(
        &mut self,
        block: &EvaluatedBlock,
        _: usize,
        count: usize,
    ) -> Result<(), Vec<SpanError>> {
        only_once(block, count)?;
        *self = T::decode_block(block)?;
        Ok(())
    }
    fn encode_blocks(&self, name: &str, out: &mut EncodedBody) {
        encode_one(self, name, out);
    }
}

impl<T: Block> BlockField for Option<T> {
    fn occurs() -> Occurs {
        Occurs::Once
    }
    fn body_schema() -> Schema {
        T::schema()
    }
    fn decode_occurrence(
        &mut self,
        block: &EvaluatedBlock,
        _: usize,
        count: usize,
    ) -> Result<(), Vec<SpanError>> {
        only_once(block, count)?;
        *self = Some(T::decode_block(block)?);
        Ok(())
    }
    fn encode_blocks(&self, name: &str, out: &mut EncodedBody) {
        if let Some(item) = self {
            encode_one(item, name, out);
        }
    }
}

impl<T: Block> BlockField for Vec<T> {
    fn occurs() -> Occurs {
        Occurs::Repeated
    }
    fn body_schema() -> Schema {
        T::schema()
    }
    fn decode_occurrence(
        &mut self,
        block: &EvaluatedBlock,
        index: usize,
        _: usize,
    ) -> Result<(), Vec<SpanError>> {
        // Blocks in the config replace the default list rather than extend it.
        if index == 0 {
            self.clear();
        }
        self.push(T::decode_block(block)?);
        Ok(())
    }
    fn encode_blocks(&self, name: &str, out: &mut EncodedBody) {
        for item in self {
            encode_one(item, name, out);
        }
    }
}

impl<T: Block, const N: usize> BlockField for [T; N] {
    fn occurs() -> Occurs {
        Occurs::Exactly(N)
    }
    fn body_schema() -> Schema {
        T::schema()
    }
    fn decode_occurrence(
        &mut self,
        block: &EvaluatedBlock,
        index: usize,
        count: usize,
    ) -> Result<(), Vec<SpanError>> {
        if count != N {
            return Err(vec![SpanError::new(
                block.span,
                format!(
                    "block {:?} must be specified exactly {N} times, but was specified {count} times",
                    block.name
                ),
            )]);
        }
        if let Some(slot) = self.get_mut(index) {
            *slot = T::decode_block(block)?;
        }
        Ok(())
    }
    fn encode_blocks(&self, name: &str, out: &mut EncodedBody) {
        for item in self {
            encode_one(item, name, out);
        }
    }
}
