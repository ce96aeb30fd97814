//! Label matchers compiled as Prometheus compiles them: regexes anchored as
//! `^(?s:…)$` with Go's RE2 meaning (through `model::relabel::Regex`).

use model::relabel::Regex;
use promql_parser::label::{MatchOp, Matcher};

#[derive(Clone)]
pub enum MatchKind {
    Equal(String),
    NotEqual(String),
    Regex(Regex),
    NotRegex(Regex),
}

/// One compiled label matcher; an absent label matches as the empty value.
#[derive(Clone)]
pub struct LabelMatcher {
    pub name: String,
    pub kind: MatchKind,
}

impl LabelMatcher {
    pub fn new(name: &str, kind: MatchKind) -> LabelMatcher {
        LabelMatcher {
            name: name.to_string(),
            kind,
        }
    }

    /// Compiles a parsed matcher with Prometheus's anchoring.
    pub fn compile(m: &Matcher) -> Result<LabelMatcher, String> {
        let kind = match &m.op {
            MatchOp::Equal => MatchKind::Equal(m.value.clone()),
            MatchOp::NotEqual => MatchKind::NotEqual(m.value.clone()),
            MatchOp::Re(_) => MatchKind::Regex(Regex::new(&m.value)?),
            MatchOp::NotRe(_) => MatchKind::NotRegex(Regex::new(&m.value)?),
        };
        Ok(LabelMatcher::new(&m.name, kind))
    }

    pub fn matches(&self, value: &str) -> bool {
        match &self.kind {
            MatchKind::Equal(v) => v == value,
            MatchKind::NotEqual(v) => v != value,
            MatchKind::Regex(r) => r.is_match(value),
            MatchKind::NotRegex(r) => !r.is_match(value),
        }
    }
}
