//! Blocks decoded into string-keyed maps: any attribute name is accepted, and
//! the block takes neither a label nor nested blocks.

use super::block::Block;
use super::codec::Codec;
use super::encode::EncodedBody;
use super::schema::Schema;
use crate::diag::SpanError;
use crate::evaluated::{Entry, EvaluatedBlock, EvaluatedBody};
use crate::pos::Span;
use std::collections::HashMap;
use std::hash::BuildHasher;

fn decode_map_body<V: Codec>(body: &EvaluatedBody) -> Result<Vec<(String, V)>, Vec<SpanError>> {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for entry in &body.entries {
        match entry {
            Entry::Attribute(a) => match V::decode(&a.value) {
                Ok(v) => entries.push((a.name.clone(), v)),
                Err(e) => errors.push(e.locate(&a.expr)),
            },
            Entry::Block(b) => {
                errors.push(SpanError::new(b.span, "nested blocks not supported here"))
            }
        }
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

fn decode_map_block<V: Codec>(block: &EvaluatedBlock) -> Result<Vec<(String, V)>, Vec<SpanError>> {
    if !block.label.is_empty() {
        let end = block.span.start.shift(block.name.len() as isize - 1);
        return Err(vec![SpanError::new(
            Span::new(block.span.start, end),
            format!("block {:?} requires empty label", block.name),
        )]);
    }
    decode_map_body(&block.body)
}

fn map_schema<V: Codec>() -> Schema {
    Schema {
        any_attributes: Some(V::value_type()),
        ..Schema::default()
    }
}

fn encode_map_body<'a, V: Codec + 'a>(
    entries: impl Iterator<Item = (&'a String, &'a V)>,
) -> EncodedBody {
    let mut body = EncodedBody::default();
    for (k, v) in entries {
        body.attribute(k.clone(), v.encode());
    }
    body
}

impl<V: Codec, S: BuildHasher + Default> Block for indexmap::IndexMap<String, V, S> {
    fn schema() -> Schema {
        map_schema::<V>()
    }
    fn decode_block(block: &EvaluatedBlock) -> Result<Self, Vec<SpanError>> {
        decode_map_block(block).map(|e| e.into_iter().collect())
    }
    fn decode_body(body: &EvaluatedBody, _: Span) -> Result<Self, Vec<SpanError>> {
        decode_map_body(body).map(|e| e.into_iter().collect())
    }
    fn encode_body(&self) -> EncodedBody {
        encode_map_body(self.iter())
    }
}

/// Hash maps encode with sorted keys, as Alloy's encoders sort Go map keys.
impl<V: Codec, S: BuildHasher + Default> Block for HashMap<String, V, S> {
    fn schema() -> Schema {
        map_schema::<V>()
    }
    fn decode_block(block: &EvaluatedBlock) -> Result<Self, Vec<SpanError>> {
        decode_map_block(block).map(|e| e.into_iter().collect())
    }
    fn decode_body(body: &EvaluatedBody, _: Span) -> Result<Self, Vec<SpanError>> {
        decode_map_body(body).map(|e| e.into_iter().collect())
    }
    fn encode_body(&self) -> EncodedBody {
        let mut entries: Vec<_> = self.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        encode_map_body(entries.into_iter())
    }
}
