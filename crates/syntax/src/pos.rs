//! Positions in source text.
//!
//! A [`Pos`] is a byte offset into one source file; a [`SourceFile`] turns it into a
//! human [`Position`] (`file:line:col`, both 1-based, columns counted in bytes as
//! Alloy does).

use std::fmt;

/// A byte offset into a source file. [`Pos::NONE`] marks "no position".
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Pos(pub u32);

impl Pos {
    pub const NONE: Pos = Pos(u32::MAX);

    pub fn new(offset: usize) -> Pos {
        Pos(offset as u32)
    }

    pub fn is_valid(self) -> bool {
        self != Pos::NONE
    }

    pub fn offset(self) -> usize {
        self.0 as usize
    }

    /// The position `n` bytes further on (or before, for negative `n`).
    pub fn shift(self, n: isize) -> Pos {
        if !self.is_valid() {
            return self;
        }
        Pos((self.0 as isize + n).max(0) as u32)
    }
}

/// A range of source text: `start` is the first byte, `end` the last byte (inclusive,
/// as Alloy's `EndPos`). A single-character span has `start == end`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub const NONE: Span = Span {
        start: Pos::NONE,
        end: Pos::NONE,
    };

    pub fn new(start: Pos, end: Pos) -> Span {
        Span { start, end }
    }

    pub fn at(pos: Pos) -> Span {
        Span {
            start: pos,
            end: pos,
        }
    }
}

/// A resolved position: file name, 1-based line and 1-based byte column.
/// A zero line means "unknown".
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Position {
    pub filename: String,
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

impl Position {
    pub fn is_valid(&self) -> bool {
        self.line > 0
    }
}

impl fmt::Display for Position {
    /// Formats as Alloy's `token.Position`: `file:line:col`, `line:col` without a
    /// file name, `file` or `-` without a line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.filename.is_empty(), self.is_valid()) {
            (false, true) => write!(f, "{}:{}:{}", self.filename, self.line, self.column),
            (true, true) => write!(f, "{}:{}", self.line, self.column),
            (false, false) => f.write_str(&self.filename),
            (true, false) => f.write_str("-"),
        }
    }
}

/// One source file: its name, its bytes (not necessarily valid UTF-8: the scanner
/// reports bad encodings) and the offsets of its line starts.
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: String,
    text: Vec<u8>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Vec<u8>>) -> SourceFile {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(
            text.iter()
                .enumerate()
                .filter(|&(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        SourceFile {
            name: name.into(),
            text,
            line_starts,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn bytes(&self) -> &[u8] {
        &self.text
    }

    /// The 1-based line and column of `pos`; an invalid `pos` gives an invalid
    /// [`Position`] that still carries the file name.
    pub fn position(&self, pos: Pos) -> Position {
        if !pos.is_valid() {
            return Position {
                filename: self.name.clone(),
                ..Position::default()
            };
        }
        let offset = pos.offset().min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset);
        Position {
            filename: self.name.clone(),
            offset,
            line,
            column: offset - self.line_starts[line - 1] + 1,
        }
    }

    /// The text of 1-based line `line`, without its line ending (invalid UTF-8
    /// shown as U+FFFD).
    pub fn line_text(&self, line: usize) -> Option<std::borrow::Cow<'_, str>> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .map(|&e| e - 1)
            .unwrap_or(self.text.len());
        let line = self.text[start..end]
            .strip_suffix(b"\r")
            .unwrap_or(&self.text[start..end]);
        Some(String::from_utf8_lossy(line))
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_byte_columns() {
        let f = SourceFile::new("main.alloy", "a = 1\n\tb = 2\n");
        assert_eq!(f.position(Pos(0)).to_string(), "main.alloy:1:1");
        assert_eq!(f.position(Pos(7)).to_string(), "main.alloy:2:2");
        assert_eq!(f.position(Pos(12)).to_string(), "main.alloy:2:7");
        assert_eq!(f.position(Pos(13)).to_string(), "main.alloy:3:1");
        assert_eq!(f.line_text(2).as_deref(), Some("\tb = 2"));
        assert_eq!(f.position(Pos::NONE).to_string(), "main.alloy");
    }
}
