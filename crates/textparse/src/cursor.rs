//! The byte cursor both parsers walk the body with, and the label-block
//! grammar they share.

use crate::error::{Error, quote};

/// A byte range `start..end` of the body.
pub(crate) type Span = (usize, usize);

pub(crate) struct Cursor<'a> {
    pub b: &'a [u8],
    pub i: usize,
    /// Where the current entry started, for error context.
    pub entry_start: usize,
    /// 1-based line of the current entry.
    pub line: usize,
}

/// How a label block is lexed.
#[derive(Clone, Copy)]
pub(crate) struct LabelRules {
    /// The text format skips spaces and tabs between tokens and does not
    /// require commas; OpenMetrics allows neither.
    pub free_whitespace: bool,
    /// Exemplar label blocks cannot name the metric and take no NUL bytes.
    pub exemplar: bool,
}

pub(crate) fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b':'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b':'
}

fn is_label_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_label_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl<'a> Cursor<'a> {
    pub fn new(b: &'a [u8]) -> Cursor<'a> {
        Cursor {
            b,
            i: 0,
            entry_start: 0,
            line: 1,
        }
    }

    pub fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    pub fn starts_with(&self, prefix: &[u8]) -> bool {
        self.b[self.i..].starts_with(prefix)
    }

    pub fn begin_entry(&mut self) {
        self.entry_start = self.i;
    }

    /// Steps over a `\n` that ends a line.
    pub fn newline(&mut self) {
        self.i += 1;
        self.line += 1;
    }

    pub fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    /// The rest of the current line, not including its `\n`.
    pub fn rest_of_line(&mut self) -> Span {
        let start = self.i;
        let len = memchr_newline(&self.b[start..]);
        self.i = start + len;
        (start, self.i)
    }

    /// An unquoted metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`) at the cursor.
    pub fn metric_name(&mut self) -> Option<Span> {
        self.word(is_name_start, is_name_char)
    }

    fn word(&mut self, first: fn(u8) -> bool, rest: fn(u8) -> bool) -> Option<Span> {
        let start = self.i;
        if !self.peek().is_some_and(first) {
            return None;
        }
        self.i += 1;
        while self.peek().is_some_and(rest) {
            self.i += 1;
        }
        Some((start, self.i))
    }

    /// A double-quoted string at the cursor; returns the span between the
    /// quotes. Newlines never occur inside; NUL bytes only where `nul` allows.
    pub fn quoted(&mut self, nul: bool) -> Option<Span> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.i + 1;
        let mut j = start;
        while let Some(&c) = self.b.get(j) {
            match c {
                b'"' => {
                    self.i = j + 1;
                    return Some((start, j));
                }
                b'\\' if j + 1 < self.b.len() && self.b[j + 1] != b'\n' => j += 2,
                b'\n' => return None,
                0 if !nul => return None,
                _ => j += 1,
            }
        }
        None
    }

    /// A metric name after HELP/TYPE/UNIT: unquoted, or quoted UTF-8.
    pub fn meta_name(&mut self, keyword: &str) -> Result<Span, Error> {
        let token = self.i;
        let span = match self.quoted(false) {
            Some(span) => span,
            None => self.metric_name().ok_or_else(|| {
                self.unexpected(&format!("expected metric name after {keyword}"), token)
            })?,
        };
        self.check_utf8(span, "metric name")?;
        Ok(span)
    }

    pub fn check_utf8(&self, span: Span, what: &str) -> Result<(), Error> {
        let bytes = &self.b[span.0..span.1];
        if bytes.is_ascii() || std::str::from_utf8(bytes).is_ok() {
            return Ok(());
        }
        Err(self.error(format!("invalid UTF-8 {what}: {}", quote(bytes))))
    }

    pub fn error(&self, message: String) -> Error {
        Error {
            line: self.line,
            message,
        }
    }

    /// Prometheus's "expected X, got T while parsing: LINE" for the token
    /// starting at `token`.
    pub fn unexpected(&self, expected: &str, token: usize) -> Error {
        let end = (self.i + 1).min(self.b.len()).max(token);
        let got = if token >= self.b.len() {
            "end of input".to_owned()
        } else {
            quote(&self.b[token..end.max(token + 1)])
        };
        self.error(format!(
            "{expected}, got {got} while parsing: {}",
            quote(&self.b[self.entry_start..end.max(token.min(self.b.len()))])
        ))
    }

    /// An error about the current entry, quoting it up to the cursor.
    pub fn while_parsing(&self, message: String) -> Error {
        self.error(format!(
            "{message} while parsing: {}",
            quote(&self.b[self.entry_start..self.i])
        ))
    }

    /// A label block, the cursor just past `{`; leaves the cursor past `}`.
    /// A quoted string standing alone is the metric name (`{"my.metric"}`),
    /// stored into `name`.
    pub fn labels(
        &mut self,
        name: &mut Option<Span>,
        spans: &mut Vec<(Span, Span)>,
        rules: LabelRules,
    ) -> Result<(), Error> {
        loop {
            if rules.free_whitespace {
                self.skip_blanks();
            }
            let token = self.i;
            if self.peek() == Some(b'}') {
                self.i += 1;
                return Ok(());
            }
            let (label, quoted) = match self.quoted(false) {
                Some(span) => (span, true),
                None => match self.word(is_label_start, is_label_char) {
                    Some(span) => (span, false),
                    None => return Err(self.unexpected("expected label name", token)),
                },
            };
            if quoted {
                self.check_utf8(label, "label name")?;
            }
            if rules.free_whitespace {
                self.skip_blanks();
            }
            if quoted && matches!(self.peek(), Some(b',' | b'}')) {
                if rules.exemplar {
                    return Err(self.unexpected("expected label name", token));
                }
                if name.is_some() {
                    return Err(self.error(format!(
                        "metric name already set while parsing: {}",
                        quote(&self.b[self.entry_start..self.i])
                    )));
                }
                *name = Some(label);
                if self.peek() == Some(b',') {
                    self.i += 1;
                }
                continue;
            }
            if self.peek() != Some(b'=') {
                return Err(self.unexpected("expected equal", self.i));
            }
            self.i += 1;
            if rules.free_whitespace {
                self.skip_blanks();
            }
            let value_token = self.i;
            let value = self
                .quoted(!rules.exemplar)
                .ok_or_else(|| self.unexpected("expected label value", value_token))?;
            self.check_utf8(value, "label value")?;
            spans.push((label, value));
            if rules.free_whitespace {
                self.skip_blanks();
            }
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                _ if rules.free_whitespace => {}
                _ => return Err(self.unexpected("expected comma or brace close", self.i)),
            }
        }
    }
}

/// Length of `bytes` up to its first `\n` (all of it when there is none).
fn memchr_newline(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&c| c == b'\n')
        .unwrap_or(bytes.len())
}
