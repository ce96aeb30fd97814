//! Schemas: what a block accepts, for `alloy validate` (checking without
//! evaluating) and for the UI (showing arguments). Derived from the same
//! declarations that drive decoding, so the two never disagree.

use super::error::ValueError;
use crate::value::{Type, Value};
use std::fmt;

/// The attributes and blocks a block body accepts.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Schema {
    /// Whether the block takes a label (`name "label" { }`).
    pub label: bool,
    pub fields: Vec<FieldSchema>,
    /// For blocks decoded into maps: any attribute name is accepted with values
    /// of this type, and nested blocks are not.
    pub any_attributes: Option<ValueType>,
}

/// One attribute, block or enum block of a schema.
#[derive(Clone, PartialEq, Debug)]
pub struct FieldSchema {
    /// The full name; for blocks possibly dotted (`child.block`), for enum
    /// blocks the prefix shared by its members (`stage`).
    pub name: String,
    pub optional: bool,
    pub kind: FieldKind,
}

#[derive(Clone, PartialEq, Debug)]
pub enum FieldKind {
    Attr {
        ty: ValueType,
        check: Check,
    },
    Block {
        occurs: Occurs,
        body: Schema,
    },
    /// An ordered list of blocks named `<name>.<member>`.
    Enum {
        members: Vec<EnumMember>,
    },
}

/// Decodes a value into an attribute's Rust type and throws the result away:
/// how validation finds the errors decoding would report, without decoding.
#[derive(Clone, Copy)]
pub struct Check(pub fn(&Value) -> Result<(), ValueError>);

impl Check {
    pub fn run(&self, value: &Value) -> Result<(), ValueError> {
        (self.0)(value)
    }
}

/// Checks are behaviour, not data: schemas compare equal whatever they hold.
impl PartialEq for Check {
    fn eq(&self, _: &Check) -> bool {
        true
    }
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Check")
    }
}

/// One block kind of an enum block: `stage.json` is member `json` of `stage`.
#[derive(Clone, PartialEq, Debug)]
pub struct EnumMember {
    pub name: String,
    pub body: Schema,
}

/// How many times a block may appear.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Occurs {
    /// At most once.
    Once,
    /// Any number of times, in order.
    Repeated,
    /// Exactly this many times.
    Exactly(usize),
}

/// The type an attribute's value must have.
#[derive(Clone, PartialEq, Debug)]
pub enum ValueType {
    /// Anything.
    Any,
    Number,
    String,
    Bool,
    /// A string parsed into a richer type, named as the docs do (`duration`).
    Text(&'static str),
    /// A secret: strings convert into it implicitly.
    Secret,
    /// A string whose secrecy is decided at run time.
    OptionalSecret,
    /// A host value of one type, e.g. a receiver.
    Capsule(&'static str),
    List(Box<ValueType>),
    /// An object with values of one type.
    Map(Box<ValueType>),
    /// An object with the fields of a struct.
    Object(Box<Schema>),
}

impl ValueType {
    /// The language type a value needs before any conversion.
    pub fn language_type(&self) -> Option<Type> {
        Some(match self {
            ValueType::Any => return None,
            ValueType::Number => Type::Number,
            ValueType::String | ValueType::Text(_) => Type::String,
            ValueType::Bool => Type::Bool,
            ValueType::Secret | ValueType::OptionalSecret | ValueType::Capsule(_) => Type::Capsule,
            ValueType::List(_) => Type::Array,
            ValueType::Map(_) | ValueType::Object(_) => Type::Object,
        })
    }
}

impl fmt::Display for ValueType {
    /// The type as the component reference docs write it: `list(map(string))`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueType::Any => f.write_str("any"),
            ValueType::Number => f.write_str("number"),
            ValueType::String => f.write_str("string"),
            ValueType::Bool => f.write_str("bool"),
            ValueType::Text(name) => f.write_str(name),
            ValueType::Secret => f.write_str("secret"),
            ValueType::OptionalSecret => f.write_str("optional_secret"),
            ValueType::Capsule(name) => write!(f, "capsule({name})"),
            ValueType::List(t) => write!(f, "list({t})"),
            ValueType::Map(t) => write!(f, "map({t})"),
            ValueType::Object(_) => f.write_str("object"),
        }
    }
}

impl Schema {
    /// The field called `name` (an attribute, block or enum prefix).
    pub fn field(&self, name: &str) -> Option<&FieldSchema> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The enum block and member a full block name such as `stage.json` belongs to.
    pub fn enum_member(&self, full_name: &str) -> Option<(&FieldSchema, &EnumMember)> {
        self.fields.iter().find_map(|f| {
            let FieldKind::Enum { members } = &f.kind else {
                return None;
            };
            let member = full_name.strip_prefix(f.name.as_str())?.strip_prefix('.')?;
            members.iter().find(|m| m.name == member).map(|m| (f, m))
        })
    }

    /// Names of the attributes and blocks that must be present.
    pub fn required(&self) -> impl Iterator<Item = &FieldSchema> {
        self.fields
            .iter()
            .filter(|f| !f.optional && !matches!(f.kind, FieldKind::Enum { .. }))
    }
}
