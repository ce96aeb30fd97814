//! Relabelling with Prometheus's semantics (`reference/relabel.md`): the `rule`
//! block shared by every relabelling component, its validation with Alloy's
//! messages, and the engine that applies rules to a label set.

mod cache;
mod regex;

pub use self::cache::Cache;
pub use self::regex::Regex;

use crate::labels::Labels;
use md5::{Digest, Md5};
use std::any::Any;
use std::sync::Arc;
use syntax::decode::{Block, CapsuleOf, CapsuleType, Codec, Validate, ValueError, ValueType};
use syntax::value::{CapsuleValue, Value};

/// What a rule does.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Action {
    #[default]
    Replace,
    Keep,
    Drop,
    KeepEqual,
    DropEqual,
    HashMod,
    LabelMap,
    LabelDrop,
    LabelKeep,
    Lowercase,
    Uppercase,
}

impl Action {
    const ALL: [Action; 11] = [
        Action::Replace,
        Action::Keep,
        Action::Drop,
        Action::KeepEqual,
        Action::DropEqual,
        Action::HashMod,
        Action::LabelMap,
        Action::LabelDrop,
        Action::LabelKeep,
        Action::Lowercase,
        Action::Uppercase,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Replace => "replace",
            Action::Keep => "keep",
            Action::Drop => "drop",
            Action::KeepEqual => "keepequal",
            Action::DropEqual => "dropequal",
            Action::HashMod => "hashmod",
            Action::LabelMap => "labelmap",
            Action::LabelDrop => "labeldrop",
            Action::LabelKeep => "labelkeep",
            Action::Lowercase => "lowercase",
            Action::Uppercase => "uppercase",
        }
    }

    /// The action named `name`, with Alloy's error otherwise.
    pub fn parse(name: &str) -> Result<Action, String> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == name)
            .ok_or_else(|| {
                format!(
                    "unrecognized action type {}",
                    syntax::scanner::go_quote(name.as_bytes())
                )
            })
    }
}

impl Codec for Action {
    fn value_type() -> ValueType {
        ValueType::Text("relabel.Action")
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        Action::parse(&String::decode(value)?).map_err(ValueError::message)
    }
    fn encode(&self) -> Value {
        Value::string(self.as_str())
    }
}

impl Codec for Regex {
    fn value_type() -> ValueType {
        ValueType::Text("relabel.Regexp")
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        Regex::new(&String::decode(value)?).map_err(ValueError::message)
    }
    fn encode(&self) -> Value {
        Value::string(self.as_str())
    }
}

/// One relabelling step: the `rule` block.
#[derive(Clone, PartialEq, Debug, Block)]
#[alloy(validate)]
pub struct Rule {
    #[alloy(attr, optional)]
    pub source_labels: Vec<String>,
    #[alloy(attr, optional)]
    pub separator: String,
    #[alloy(attr, optional)]
    pub regex: Regex,
    #[alloy(attr, optional)]
    pub modulus: u64,
    #[alloy(attr, optional)]
    pub target_label: String,
    #[alloy(attr, optional)]
    pub replacement: String,
    #[alloy(attr, optional)]
    pub action: Action,
}

const DEFAULT_SEPARATOR: &str = ";";
const DEFAULT_REPLACEMENT: &str = "$1";

impl Default for Rule {
    fn default() -> Rule {
        Rule {
            source_labels: Vec::new(),
            separator: DEFAULT_SEPARATOR.into(),
            regex: Regex::default(),
            modulus: 0,
            target_label: String::new(),
            replacement: DEFAULT_REPLACEMENT.into(),
            action: Action::Replace,
        }
    }
}

/// A classic (legacy) Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`. Alloy
/// validates relabel targets with the classic scheme.
pub fn is_valid_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Whether `s` matches `^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$`: label
/// name characters and `$` references, starting with no digit.
fn is_valid_label_template(s: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut first = true;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'$' {
            let rest = &bytes[i + 1..];
            let len = if rest.first() == Some(&b'{') {
                let n = rest[1..].iter().take_while(|&&b| word(b)).count();
                if n == 0 || rest.get(n + 1) != Some(&b'}') {
                    return false;
                }
                n + 2
            } else {
                let n = rest.iter().take_while(|&&b| word(b)).count();
                if n == 0 {
                    return false;
                }
                n
            };
            i += 1 + len;
        } else if b.is_ascii_alphabetic() || b == b'_' || (!first && word(b)) {
            i += 1;
        } else {
            return false;
        }
        first = false;
    }
    !first
}

impl Validate for Rule {
    fn validate(&self) -> Result<(), String> {
        use Action::*;
        let action = self.action.as_str();
        let invalid_target = || {
            Err(format!(
                "{} is invalid 'target_label' for {action} action",
                syntax::scanner::go_quote(self.target_label.as_bytes())
            ))
        };
        if self.action == HashMod && self.modulus == 0 {
            return Err("relabel configuration for hashmod requires non-zero modulus".into());
        }
        let needs_target = matches!(
            self.action,
            Replace | HashMod | Lowercase | Uppercase | KeepEqual | DropEqual
        );
        if needs_target && self.target_label.is_empty() {
            return Err(format!(
                "relabel configuration for {action} action requires 'target_label' value"
            ));
        }
        if self.action == Replace {
            let valid = if self.target_label.contains('$') {
                is_valid_label_template(&self.target_label)
            } else {
                is_valid_label_name(&self.target_label)
            };
            if !valid {
                return invalid_target();
            }
        }
        let fixed_target = matches!(self.action, Lowercase | Uppercase | KeepEqual | DropEqual);
        if fixed_target && !is_valid_label_name(&self.target_label) {
            return invalid_target();
        }
        if fixed_target && self.replacement != DEFAULT_REPLACEMENT {
            return Err(format!("'replacement' can not be set for {action} action"));
        }
        if self.action == LabelMap && !is_valid_label_template(&self.replacement) {
            return Err(format!(
                "{} is invalid 'replacement' for {action} action",
                syntax::scanner::go_quote(self.replacement.as_bytes())
            ));
        }
        if self.action == HashMod && !is_valid_label_name(&self.target_label) {
            return invalid_target();
        }
        if matches!(self.action, LabelDrop | LabelKeep)
            && (!self.source_labels.is_empty()
                || !self.target_label.is_empty()
                || self.modulus != 0
                || self.separator != DEFAULT_SEPARATOR
                || self.replacement != DEFAULT_REPLACEMENT)
        {
            return Err(format!(
                "{action} action requires only 'regex', and no other fields"
            ));
        }
        if matches!(self.action, KeepEqual | DropEqual)
            && (self.regex != Regex::default()
                || self.modulus != 0
                || self.separator != DEFAULT_SEPARATOR
                || self.replacement != DEFAULT_REPLACEMENT)
        {
            return Err(format!(
                "{action} action requires only 'source_labels' and 'target_label', and no other fields"
            ));
        }
        Ok(())
    }
}

/// Sets `name`, or deletes it when `value` is empty (Prometheus's label
/// builder treats an empty value as no label).
fn set_or_delete(labels: &mut Labels, name: &str, value: String) {
    if value.is_empty() {
        labels.remove(name);
    } else {
        labels.set(name, value);
    }
}

/// Go's `strings.ToLower`: each character by its simple (one-character)
/// mapping, without Rust's context rules (a final `Σ` becomes `σ`).
fn go_lowercase(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            // The one character whose full lower-case mapping is longer.
            '\u{130}' => 'i',
            c => single(c.to_lowercase()).unwrap_or(c),
        })
        .collect()
}

/// Go's `strings.ToUpper`: characters without a one-character upper-case
/// mapping (`ß`, ligatures) stay as they are.
fn go_uppercase(s: &str) -> String {
    s.chars()
        .map(|c| single(c.to_uppercase()).unwrap_or(c))
        .collect()
}

fn single(mut chars: impl Iterator<Item = char>) -> Option<char> {
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

impl Rule {
    /// The source labels' values joined with the separator; absent labels are "".
    fn source_value(&self, labels: &Labels) -> String {
        let mut value = String::new();
        for (i, name) in self.source_labels.iter().enumerate() {
            if i > 0 {
                value.push_str(&self.separator);
            }
            value.push_str(labels.value(name));
        }
        value
    }

    /// Applies this rule; `false` when the label set is dropped.
    pub fn apply(&self, labels: &mut Labels) -> bool {
        let value = self.source_value(labels);
        match self.action {
            Action::Keep => return self.regex.is_match(&value),
            Action::Drop => return !self.regex.is_match(&value),
            Action::KeepEqual => return labels.value(&self.target_label) == value,
            Action::DropEqual => return labels.value(&self.target_label) != value,
            Action::Replace => self.replace(labels, &value),
            Action::Lowercase => set_or_delete(labels, &self.target_label, go_lowercase(&value)),
            Action::Uppercase => set_or_delete(labels, &self.target_label, go_uppercase(&value)),
            Action::HashMod => {
                let hash = Md5::digest(value.as_bytes());
                let mut tail = [0; 8];
                tail.copy_from_slice(&hash[8..]);
                // `modulus` is non-zero: validation guarantees it.
                let bucket = u64::from_be_bytes(tail) % self.modulus.max(1);
                labels.set(self.target_label.as_str(), bucket.to_string());
            }
            Action::LabelMap => {
                for (name, value) in labels.clone().iter() {
                    if let Some(caps) = self.regex.captures(name) {
                        let mut new_name = String::new();
                        self.regex.expand(&caps, &self.replacement, &mut new_name);
                        set_or_delete(labels, &new_name, value.to_string());
                    }
                }
            }
            Action::LabelDrop => labels.retain(|name, _| !self.regex.is_match(name)),
            Action::LabelKeep => labels.retain(|name, _| self.regex.is_match(name)),
        }
        true
    }

    fn replace(&self, labels: &mut Labels, value: &str) {
        // Prometheus's fast path: nothing to match or expand.
        if value.is_empty()
            && self.regex == Regex::default()
            && !self.target_label.contains('$')
            && !self.replacement.contains('$')
        {
            set_or_delete(labels, &self.target_label, self.replacement.clone());
            return;
        }
        let Some(caps) = self.regex.captures(value) else {
            return;
        };
        let mut target = String::new();
        self.regex.expand(&caps, &self.target_label, &mut target);
        if !is_valid_label_name(&target) {
            return;
        }
        let mut replacement = String::new();
        self.regex
            .expand(&caps, &self.replacement, &mut replacement);
        set_or_delete(labels, &target, replacement);
    }
}

/// Applies `rules` in order; `false` as soon as one drops the label set.
pub fn process(labels: &mut Labels, rules: &[Rule]) -> bool {
    rules.iter().all(|rule| rule.apply(labels))
}

/// Rules as a value other components can take (`discovery.relabel`'s
/// `rules` export, `loki.source.api`'s `relabel_rules`).
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Rules(pub Arc<[Rule]>);

impl CapsuleValue for Rules {
    fn capsule_type(&self) -> &'static str {
        Rules::NAME
    }
    fn capsule_eq(&self, other: &dyn CapsuleValue) -> bool {
        other.as_any().downcast_ref::<Rules>() == Some(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl CapsuleType for Rules {
    const NAME: &'static str = "relabel.Rules";
}

/// Rules pass between components as a capsule, never as plain values.
impl Codec for Rules {
    fn value_type() -> ValueType {
        ValueType::Capsule(Rules::NAME)
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        Ok(CapsuleOf::<Rules>::decode(value)?.0)
    }
    fn encode(&self) -> Value {
        Value::capsule(self.clone())
    }
}

#[cfg(test)]
mod tests;
