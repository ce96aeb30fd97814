//! Parse errors: Prometheus's wording, with the line they occurred on.

use std::fmt;

/// Why a body was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// 1-based line number of the offending entry.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for Error {}

/// Bytes quoted the way Go's `%q` shows them: printable ASCII as is, the rest
/// escaped, so that binary garbage stays readable in a log line.
pub(crate) fn quote(bytes: &[u8]) -> String {
    format!("\"{}\"", bytes.escape_ascii())
}
