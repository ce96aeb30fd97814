//! Label matchers as PromQL selectors write them (`=`, `!=`, `=~`, `!~`),
//! defined here because the storage engine is what evaluates them. Regexes are
//! anchored as Prometheus anchors them (`^(?s:…)$`), through the RE2 shims of
//! `model::relabel::Regex`.

use model::relabel::Regex;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchType {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl MatchType {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchType::Equal => "=",
            MatchType::NotEqual => "!=",
            MatchType::Regex => "=~",
            MatchType::NotRegex => "!~",
        }
    }
}

/// One `name op "value"` condition on a series' labels. An absent label
/// matches as the empty string, as in Prometheus.
#[derive(Clone)]
pub struct Matcher {
    pub name: String,
    pub kind: MatchType,
    pub value: String,
    regex: Option<Regex>,
}

impl Matcher {
    /// A matcher; a regex that does not compile is an error in Go's words.
    pub fn new(
        kind: MatchType,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Matcher, String> {
        let value = value.into();
        let regex = match kind {
            MatchType::Regex | MatchType::NotRegex => Some(Regex::new(&value)?),
            MatchType::Equal | MatchType::NotEqual => None,
        };
        Ok(Matcher {
            name: name.into(),
            kind,
            value,
            regex,
        })
    }

    /// `name = value`, which cannot fail.
    pub fn equal(name: impl Into<String>, value: impl Into<String>) -> Matcher {
        Matcher {
            name: name.into(),
            kind: MatchType::Equal,
            value: value.into(),
            regex: None,
        }
    }

    /// Whether the label value `value` (empty when the label is absent)
    /// satisfies the matcher.
    pub fn matches(&self, value: &str) -> bool {
        let regex_matches = || self.regex.as_ref().is_some_and(|re| re.is_match(value));
        match self.kind {
            MatchType::Equal => value == self.value,
            MatchType::NotEqual => value != self.value,
            MatchType::Regex => regex_matches(),
            MatchType::NotRegex => !regex_matches(),
        }
    }

    /// Whether the matcher selects series that lack the label: those are
    /// found by subtracting postings rather than by looking values up.
    pub fn matches_empty(&self) -> bool {
        self.matches("")
    }
}

impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{:?}", self.name, self.kind.as_str(), self.value)
    }
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Matcher) -> bool {
        self.name == other.name && self.kind == other.kind && self.value == other.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regexes_are_anchored_and_dot_matches_newlines() {
        let m = Matcher::new(MatchType::Regex, "job", "a.c").unwrap();
        assert!(m.matches("a\nc"));
        assert!(!m.matches("xabc"));
        let m = Matcher::new(MatchType::NotRegex, "job", "").unwrap();
        assert!(!m.matches_empty());
        assert!(m.matches("x"));
    }

    #[test]
    fn bad_regexes_are_refused_in_gos_words() {
        let err = Matcher::new(MatchType::Regex, "a", "(").unwrap_err();
        assert!(err.starts_with("error parsing regexp"), "{err}");
    }
}
