//! The machinery behind `#[derive(Block)]`: the generated code describes a
//! struct's fields ([`Fields`]) and this module runs the decoding rules of
//! Alloy's struct decoder over them, so the macro stays small.
//!
//! Not a public API: only generated code should name anything here.

use super::block::{Block, BlockEnum};
use super::codec::{Codec, object_of};
use super::encode::{EncodedBlock, EncodedBody};
use super::error::ValueError;
use super::schema::{EnumMember, FieldSchema, Schema};
use crate::diag::SpanError;
use crate::evaluated::{Entry, EvaluatedBlock, EvaluatedBody};
use crate::pos::Span;
use crate::value::{Object, Type, Value};
use std::collections::{HashMap, HashSet};

/// How one field takes part in decoding.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
    Attr,
    Block,
    /// An enum block with these member names.
    Enum(&'static [&'static str]),
}

/// One decodable field, as the driver sees it.
#[derive(Clone, Copy, Debug)]
pub struct FieldInfo {
    pub name: &'static str,
    pub role: Role,
    pub optional: bool,
}

/// What `#[derive(Block)]` generates for a struct. Each `Option`-returning
/// method answers `None` when the name belongs to none of its fields (squashed
/// structs are asked in turn).
pub trait Fields: Default {
    fn has_label() -> bool;
    fn layout(out: &mut Vec<FieldInfo>);
    fn schema_fields(out: &mut Vec<FieldSchema>);
    fn set_label(&mut self, label: &str);
    fn get_label(&self) -> Option<&str>;
    fn validate(&self) -> Result<(), String>;
    fn decode_attr(&mut self, name: &str, value: &Value) -> Option<Result<(), ValueError>>;
    fn decode_block(
        &mut self,
        name: &str,
        block: &EvaluatedBlock,
        index: usize,
        count: usize,
    ) -> Option<Result<(), Vec<SpanError>>>;
    fn decode_enum(
        &mut self,
        prefix: &str,
        block: &EvaluatedBlock,
        index: usize,
    ) -> Option<Result<(), Vec<SpanError>>>;
    /// Object-value decoding: `key` may name any attribute, block or enum field.
    fn decode_key(&mut self, key: &str, value: &Value) -> Option<Result<(), ValueError>>;
    fn encode_entries(&self, out: &mut EncodedBody);
    fn encode_fields(&self, out: &mut Object);
}

pub fn schema<T: Fields>() -> Schema {
    let mut fields = Vec::new();
    T::schema_fields(&mut fields);
    Schema {
        label: T::has_label(),
        fields,
        any_attributes: None,
    }
}

/// Where label errors point: the block's name.
fn name_span(block: &EvaluatedBlock) -> Span {
    Span::new(
        block.span.start,
        block.span.start.shift(block.name.len() as isize - 1),
    )
}

pub fn decode_block<T: Fields>(block: &EvaluatedBlock) -> Result<T, Vec<SpanError>> {
    let message = match (block.label.is_empty(), T::has_label()) {
        (true, true) => "requires non-empty label",
        (false, false) => "does not support specifying labels",
        _ => "",
    };
    if !message.is_empty() {
        return Err(vec![SpanError::new(
            name_span(block),
            format!("block {:?} {message}", block.name),
        )]);
    }
    let mut target = T::default();
    target.set_label(&block.label);
    decode_into(&mut target, &block.body, block.span)?;
    Ok(target)
}

pub fn decode_body<T: Fields>(body: &EvaluatedBody, span: Span) -> Result<T, Vec<SpanError>> {
    let mut target = T::default();
    decode_into(&mut target, body, span)?;
    Ok(target)
}

/// The enum block a full block name belongs to: its prefix.
fn enum_prefix<'a>(layout: &'a [FieldInfo], name: &str) -> Option<&'a str> {
    layout.iter().find_map(|f| match f.role {
        Role::Enum(members) => {
            let member = name.strip_prefix(f.name)?.strip_prefix('.')?;
            members.contains(&member).then_some(f.name)
        }
        _ => None,
    })
}

/// Decodes `body` into `target`, which already holds its defaults. Keeps going
/// after an error so that every error of the body is reported.
fn decode_into<T: Fields>(
    target: &mut T,
    body: &EvaluatedBody,
    span: Span,
) -> Result<(), Vec<SpanError>> {
    let mut layout = Vec::new();
    T::layout(&mut layout);

    let mut block_count: HashMap<&str, usize> = HashMap::new();
    for entry in &body.entries {
        if let Entry::Block(b) = entry {
            *block_count.entry(b.name.as_str()).or_default() += 1;
        }
    }

    let mut errors = Vec::new();
    let mut seen_attrs: HashSet<&str> = HashSet::new();
    let mut block_index: HashMap<&str, usize> = HashMap::new();
    for entry in &body.entries {
        match entry {
            Entry::Attribute(a) => {
                if !seen_attrs.insert(a.name.as_str()) {
                    errors.push(SpanError::new(
                        a.span,
                        format!("attribute {:?} may only be provided once", a.name),
                    ));
                    continue;
                }
                let message = match layout.iter().find(|f| f.name == a.name) {
                    None => format!("unrecognized attribute name {:?}", a.name),
                    Some(f) if f.role != Role::Attr => {
                        format!("{:?} must be a block, but is used as an attribute", a.name)
                    }
                    Some(_) => match target.decode_attr(&a.name, &a.value) {
                        Some(Ok(())) => continue,
                        Some(Err(e)) => {
                            errors.push(e.locate(&a.expr));
                            continue;
                        }
                        None => format!("unrecognized attribute name {:?}", a.name),
                    },
                };
                errors.push(SpanError::new(a.span, message));
            }
            Entry::Block(b) => {
                let name = b.name.as_str();
                // Enum members count per enum, in source order.
                let (result, key) = if let Some(prefix) = enum_prefix(&layout, name) {
                    let index = block_index.get(prefix).copied().unwrap_or(0);
                    (target.decode_enum(prefix, b, index), prefix)
                } else {
                    let message = match layout.iter().find(|f| f.name == name) {
                        None => Some(format!("unrecognized block name {name:?}")),
                        Some(f) if f.role == Role::Attr => Some(format!(
                            "{name:?} must be an attribute, but is used as a block"
                        )),
                        Some(_) => None,
                    };
                    if let Some(message) = message {
                        errors.push(SpanError::new(b.span, message));
                        continue;
                    }
                    let index = block_index.get(name).copied().unwrap_or(0);
                    let count = block_count.get(name).copied().unwrap_or(0);
                    (target.decode_block(name, b, index, count), name)
                };
                *block_index.entry(key).or_default() += 1;
                match result {
                    Some(Ok(())) => {}
                    Some(Err(e)) => errors.extend(e),
                    None => errors.push(SpanError::new(
                        b.span,
                        format!("unrecognized block name {name:?}"),
                    )),
                }
            }
        }
    }

    for f in layout.iter().filter(|f| !f.optional) {
        let message = match f.role {
            Role::Attr if !seen_attrs.contains(f.name) => {
                format!("missing required attribute {:?}", f.name)
            }
            Role::Block if !block_count.contains_key(f.name) => {
                format!("missing required block {:?}", f.name)
            }
            _ => continue,
        };
        errors.push(SpanError::new(span, message));
    }

    if errors.is_empty()
        && let Err(message) = target.validate()
    {
        errors.push(SpanError::new(span, message));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Generated code for an attribute field.
pub fn decode_attr<F: Codec>(field: &mut F, value: &Value) -> Result<(), ValueError> {
    *field = F::decode(value)?;
    Ok(())
}

/// A struct field holding an enum block's members: `Vec<E>` for a [`BlockEnum`] `E`.
pub trait EnumField {
    fn member_names() -> &'static [&'static str];
    fn member_schemas() -> Vec<EnumMember>;
    fn decode_member(
        &mut self,
        prefix: &str,
        block: &EvaluatedBlock,
        index: usize,
    ) -> Result<(), Vec<SpanError>>;
    fn encode_members(&self, prefix: &str, out: &mut EncodedBody);
}

impl<E: BlockEnum> EnumField for Vec<E> {
    fn member_names() -> &'static [&'static str] {
        E::members()
    }
    fn member_schemas() -> Vec<EnumMember> {
        E::member_schemas()
    }
    /// The first member replaces the default list.
    fn decode_member(
        &mut self,
        prefix: &str,
        block: &EvaluatedBlock,
        index: usize,
    ) -> Result<(), Vec<SpanError>> {
        if index == 0 {
            self.clear();
        }
        let member = block.name.get(prefix.len() + 1..).unwrap_or_default();
        match E::decode_member(member, block) {
            Some(Ok(v)) => {
                self.push(v);
                Ok(())
            }
            Some(Err(e)) => Err(e),
            None => Err(vec![SpanError::new(
                block.span,
                format!("unrecognized block name {:?}", block.name),
            )]),
        }
    }
    fn encode_members(&self, prefix: &str, out: &mut EncodedBody) {
        for item in self {
            let mut block = item.encode_member();
            block.name = format!("{prefix}.{}", block.name);
            out.block(block);
        }
    }
}

/// Generated code for an attribute when encoding: optional attributes that are
/// unset (null) are left out, as they were in the config.
pub fn encode_attr<F: Codec>(field: &F, name: &str, optional: bool, out: &mut EncodedBody) {
    let value = field.encode();
    if !(optional && value.is_null()) {
        out.attribute(name, value);
    }
}

/// A struct from an object value (SPEC §1.7 rule 8): defaults first, then the
/// object's keys; an unknown key is an error on that key's value.
pub fn decode_value<T: Fields>(value: &Value) -> Result<T, ValueError> {
    let mut target = T::default();
    let Some(object) = object_of(value)? else {
        return Ok(target);
    };
    for (key, v) in object {
        match target.decode_key(key, v) {
            Some(Ok(())) => {}
            Some(Err(e)) => return Err(e.in_field(key.clone())),
            None => return Err(ValueError::missing_key(key.clone()).in_field(key.clone())),
        }
    }
    target.validate().map_err(ValueError::message)?;
    Ok(target)
}

pub fn encode_value<T: Fields>(target: &T) -> Value {
    let mut object = Object::new();
    target.encode_fields(&mut object);
    Value::Object(object)
}

/// An enum member from an object value with a single key: `{json = {...}}`.
pub fn decode_enum_value<E>(
    value: &Value,
    decode_member: impl FnOnce(&str, &Value) -> Option<Result<E, ValueError>>,
) -> Result<E, ValueError> {
    let object = match value {
        Value::Object(o) => o,
        v => return Err(ValueError::type_mismatch(Type::Object, v)),
    };
    let mut entries = object.iter();
    match (entries.next(), entries.next()) {
        (Some((key, v)), None) => match decode_member(key, v) {
            Some(r) => r.map_err(|e| e.in_field(key.clone())),
            None => Err(ValueError::missing_key(key.clone()).in_field(key.clone())),
        },
        _ => Err(ValueError::message(format!(
            "object must have exactly 1 keys, got {}",
            object.len()
        ))),
    }
}

pub fn encode_member<B: Block>(name: &str, body: &B) -> EncodedBlock {
    EncodedBlock {
        name: name.to_string(),
        label: body.label().to_string(),
        body: body.encode_body(),
    }
}
