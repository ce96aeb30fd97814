//! Arguments encoded back as attributes and blocks, for showing them (the UI's
//! component page mirrors the config's own shape). Secrets stay secret capsules.

use crate::value::Value;

/// A block body rebuilt from decoded arguments.
#[derive(Clone, Debug, Default)]
pub struct EncodedBody {
    pub entries: Vec<EncodedEntry>,
}

#[derive(Clone, Debug)]
pub enum EncodedEntry {
    Attribute { name: String, value: Value },
    Block(EncodedBlock),
}

#[derive(Clone, Debug)]
pub struct EncodedBlock {
    /// The full dotted name, e.g. `stage.json`.
    pub name: String,
    /// Empty when the block has no label.
    pub label: String,
    pub body: EncodedBody,
}

impl EncodedBody {
    pub fn attribute(&mut self, name: impl Into<String>, value: Value) {
        self.entries.push(EncodedEntry::Attribute {
            name: name.into(),
            value,
        });
    }

    pub fn block(&mut self, block: EncodedBlock) {
        self.entries.push(EncodedEntry::Block(block));
    }

    /// The value of attribute `name`, if encoded.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries.iter().find_map(|e| match e {
            EncodedEntry::Attribute { name: n, value } if n == name => Some(value),
            _ => None,
        })
    }

    /// The blocks called `name`, in order.
    pub fn blocks<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a EncodedBlock> + 'a {
        self.entries.iter().filter_map(move |e| match e {
            EncodedEntry::Block(b) if b.name == name => Some(b),
            _ => None,
        })
    }
}
