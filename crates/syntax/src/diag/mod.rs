//! Diagnostics: errors and warnings with the source range they concern.

use crate::pos::{Position, SourceFile, Span};
use std::fmt;

mod render;
pub use render::render;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Severity {
    Warning,
    Error,
}

/// One message about a range of source text.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    pub start: Position,
    /// The last character covered; an invalid (zero) position means the
    /// diagnostic covers only the character at `start`.
    pub end: Position,
    pub message: String,
}

impl Diagnostic {
    pub fn error(start: Position, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            start,
            end: Position::default(),
            message: message.into(),
        }
    }

    pub fn warning(start: Position, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(start, message)
        }
    }

    /// An error over `span` of `file`.
    pub fn error_at(file: &SourceFile, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            end: if span.end.is_valid() {
                file.position(span.end)
            } else {
                Position::default()
            },
            ..Diagnostic::error(file.position(span.start), message)
        }
    }

    pub fn with_end(mut self, end: Position) -> Diagnostic {
        self.end = end;
        self
    }
}

impl fmt::Display for Diagnostic {
    /// `file:line:col: message`, as Alloy's `Diagnostic.Error()`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.start, self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// A list of diagnostics, in the order they were found.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics(Vec::new())
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error)
    }

    /// `Ok(())` when there are no errors (warnings alone are not failures).
    pub fn into_result(self) -> Result<(), Diagnostics> {
        if self.has_errors() { Err(self) } else { Ok(()) }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Diagnostics {
        Diagnostics(vec![d])
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    /// As Alloy's `Diagnostics.Error()`: the first message, and how many more.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_slice() {
            [] => f.write_str("no errors"),
            [d] => d.fmt(f),
            [d, rest @ ..] => write!(f, "{} (and {} more diagnostics)", d, rest.len()),
        }
    }
}

impl std::error::Error for Diagnostics {}

/// An error about a range of one file, before that file's name and line table
/// are at hand (evaluation and decoding work on positions only).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SpanError {
    pub span: Span,
    pub message: String,
}

impl SpanError {
    pub fn new(span: Span, message: impl Into<String>) -> SpanError {
        SpanError {
            span,
            message: message.into(),
        }
    }

    pub fn to_diagnostic(&self, file: &SourceFile) -> Diagnostic {
        Diagnostic::error_at(file, self.span, self.message.clone())
    }
}

impl fmt::Display for SpanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SpanError {}
