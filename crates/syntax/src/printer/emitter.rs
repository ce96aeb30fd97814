//! The token writer behind the walker: it buffers whitespace intents, weaves
//! the file's comments in by position, indents lines and produces the text the
//! tab writer aligns (`\v` and `\t` start alignment cells, `\f` ends a run of
//! aligned lines, comments are escaped so their contents are never aligned).
//!
//! It tracks two positions: `pos`, an estimate of where it is in the *source*
//! (set from node positions and advanced by the text it writes), used to decide
//! when a comment comes before the next token; and `out`, the position in the
//! output, used for indentation. Upstream's estimate is reproduced exactly
//! because the placement of comments depends on it.

use super::tabwriter::ESCAPE;
use crate::ast::Comment;
use crate::pos::{Pos, SourceFile};
use crate::token::Token;

/// A whitespace intent, resolved when the next token is written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Ws {
    /// Cancelled intent.
    Ignore,
    Blank,
    /// A soft tab: an alignment cell boundary (before `=`).
    VTab,
    Newline,
    /// A newline that also ends the current run of aligned lines.
    Formfeed,
    Indent,
    Unindent,
}

impl Ws {
    fn byte(self) -> Option<u8> {
        match self {
            Ws::Blank => Some(b' '),
            Ws::VTab => Some(0x0b),
            Ws::Newline => Some(b'\n'),
            Ws::Formfeed => Some(0x0c),
            Ws::Ignore | Ws::Indent | Ws::Unindent => None,
        }
    }
}

/// A line/column position; line 0 means unknown.
#[derive(Clone, Copy, Debug, Default)]
struct Loc {
    offset: i64,
    line: i64,
    column: i64,
}

impl Loc {
    const START: Loc = Loc {
        offset: 0,
        line: 1,
        column: 1,
    };

    /// Past everything: used to flush the comments left at the end.
    const END: Loc = Loc {
        offset: i64::MAX,
        line: i64::MAX,
        column: i64::MAX,
    };

    fn is_valid(self) -> bool {
        self.line > 0
    }
}

/// At most this many line breaks in a row (one blank line).
const MAX_NEWLINES: i64 = 2;

/// The comments not yet written, group by group.
struct Comments<'a> {
    groups: &'a [Vec<Comment>],
    next: usize,
    current: &'a [Comment],
    /// Offset of the current group's first comment; `None` when all are written.
    start: Option<i64>,
}

impl<'a> Comments<'a> {
    fn new(groups: &'a [Vec<Comment>]) -> Comments<'a> {
        let mut c = Comments {
            groups,
            next: 0,
            current: &[],
            start: None,
        };
        c.advance();
        c
    }

    fn advance(&mut self) {
        self.start = None;
        while let Some(group) = self.groups.get(self.next) {
            self.next += 1;
            if let Some(first) = group.first() {
                self.current = group;
                self.start = Some(first.start.offset() as i64);
                return;
            }
        }
    }

    fn before(&self, next: Loc) -> bool {
        self.start.is_some_and(|s| s <= next.offset)
    }
}

pub(super) struct Emitter<'a> {
    source: &'a SourceFile,
    output: Vec<u8>,
    indent: usize,
    /// The last token written; `None` after whitespace.
    last_tok: Option<Token>,
    whitespace: Vec<Ws>,
    comments: Comments<'a>,
    /// Estimated source position.
    pos: Loc,
    /// Source position after the last text written.
    last: Loc,
    /// Output position.
    out: Loc,
}

impl<'a> Emitter<'a> {
    pub(super) fn new(source: &'a SourceFile, comments: &'a [Vec<Comment>]) -> Emitter<'a> {
        Emitter {
            source,
            output: Vec::new(),
            indent: 0,
            last_tok: None,
            whitespace: Vec::new(),
            comments: Comments::new(comments),
            pos: Loc::START,
            last: Loc::default(),
            out: Loc::START,
        }
    }

    /// Writes the comments that are left and returns the output for the tab
    /// writer. Whitespace still pending is dropped: nothing trails the text.
    pub(super) fn finish(mut self) -> Vec<u8> {
        self.flush(Loc::END, true);
        self.output
    }

    fn loc(&self, pos: Pos) -> Loc {
        if !pos.is_valid() {
            return Loc::default();
        }
        let p = self.source.position(pos);
        Loc {
            offset: p.offset as i64,
            line: p.line as i64,
            column: p.column as i64,
        }
    }

    /// The source line of `pos` (0 when unknown).
    pub(super) fn line(&self, pos: Pos) -> i64 {
        self.loc(pos).line
    }

    pub(super) fn ws(&mut self, ws: Ws) {
        if ws == Ws::Ignore {
            return;
        }
        // Between two tokens the walker queues only a handful of intents, so
        // upstream's forced flush of a full 16-entry buffer never happens.
        self.whitespace.push(ws);
        self.last_tok = None;
    }

    /// Moves the source estimate to `pos`, the position of the next text.
    pub(super) fn at(&mut self, pos: Pos) {
        if pos.is_valid() {
            self.pos = self.loc(pos);
        }
    }

    pub(super) fn ident(&mut self, name: &str) {
        self.text(Token::Ident, name);
    }

    pub(super) fn literal(&mut self, kind: Token, value: &str) {
        self.text(kind, value);
    }

    pub(super) fn token(&mut self, tok: Token) {
        let s = tok.as_str();
        // Keep apart tokens that would scan as one: `1` `.` is not `1.`.
        let combines = match self.last_tok {
            Some(Token::Number) => s.starts_with('.'),
            Some(Token::Div) => s.starts_with('*'),
            _ => false,
        };
        if combines {
            self.whitespace.push(Ws::Blank);
        }
        self.text(tok, s);
    }

    fn text(&mut self, tok: Token, data: &str) {
        self.last_tok = Some(tok);
        let next = self.pos;
        self.flush(next, false);
        self.write_string(next, data.as_bytes(), false);
    }

    /// Writes the comments that come before `next`, then the pending whitespace.
    fn flush(&mut self, next: Loc, eof: bool) {
        if self.comments.before(next) {
            self.inject_comments(next, eof);
        } else if !eof {
            self.write_whitespace(self.whitespace.len());
        }
    }

    fn inject_comments(&mut self, next: Loc, eof: bool) {
        let mut last_comment = None;
        while self.comments.before(next) {
            let group = self.comments.current;
            for c in group {
                self.write_comment_prefix(next, c);
                self.write_string(self.loc(c.start), c.text.as_bytes(), true);
                last_comment = Some(c);
            }
            self.comments.advance();
        }
        if let Some(c) = last_comment {
            self.write_comment_suffix(next, eof, c);
        }
    }

    /// Whitespace before a comment: a separator after text on the same line,
    /// else the pending indentation and the source's line breaks (at most two).
    fn write_comment_prefix(&mut self, next: Loc, c: &Comment) {
        if self.output.is_empty() {
            return;
        }
        let cpos = self.loc(c.start);
        if cpos.line == self.last.line {
            // Only a block comment can have the next token on its line; a tab
            // there would look odd.
            let sep = if cpos.line == next.line { b' ' } else { b'\t' };
            self.write_byte(sep, 1);
            return;
        }
        // Apply the indentation changes queued before the first real
        // whitespace, and cancel that whitespace: the comment brings its own.
        // (As upstream, nothing is applied when only indentation is queued.)
        let mut count = 0;
        for (i, ws) in self.whitespace.iter_mut().enumerate() {
            match ws {
                Ws::Indent | Ws::Unindent => continue,
                Ws::Blank | Ws::VTab | Ws::Newline | Ws::Formfeed => *ws = Ws::Ignore,
                Ws::Ignore => {}
            }
            count = i;
            break;
        }
        self.write_whitespace(count);
        let newlines = if cpos.is_valid() && self.last.is_valid() {
            cpos.line - self.last.line
        } else {
            0
        };
        if newlines > 0 {
            self.write_byte(0x0c, newlines.min(MAX_NEWLINES) as usize);
        }
    }

    /// Whitespace between the last comment and the next token, keeping the
    /// source's line breaks; nothing at the end of the file.
    fn write_comment_suffix(&mut self, next: Loc, eof: bool, last_comment: &Comment) {
        if eof {
            return;
        }
        let end = self.loc(last_comment.end());
        if last_comment.text.as_bytes().get(1) == Some(&b'*') && next.line == end.line {
            self.write_byte(b' ', 1);
        }
        let newlines = next.line - self.last.line;
        let mut dropped_formfeed = false;
        for ws in &mut self.whitespace {
            match ws {
                Ws::Blank | Ws::VTab | Ws::Newline => *ws = Ws::Ignore,
                Ws::Formfeed => {
                    dropped_formfeed = true;
                    *ws = Ws::Ignore;
                }
                Ws::Indent | Ws::Unindent | Ws::Ignore => {}
            }
        }
        self.write_whitespace(self.whitespace.len());
        if newlines > 0 {
            // A form feed the comment replaced still ends the alignment run.
            let ch = if dropped_formfeed { 0x0c } else { b'\n' };
            self.write_byte(ch, newlines.min(MAX_NEWLINES) as usize);
        }
    }

    /// Appends `s`, taken to start at source position `pos` when known.
    /// Escaped text (`literal`) is not interpreted by the tab writer.
    fn write_string(&mut self, pos: Loc, s: &[u8], literal: bool) {
        if self.out.column == 1 {
            self.write_indent();
        }
        if pos.is_valid() {
            self.pos = pos;
        }
        if literal {
            self.output.push(ESCAPE);
        }
        self.output.extend_from_slice(s);
        if literal {
            self.output.push(ESCAPE);
        }
        let len = s.len() as i64;
        self.pos.offset += len;
        let breaks = s.iter().filter(|&&b| b == b'\n' || b == 0x0c).count() as i64;
        match s.iter().rposition(|&b| b == b'\n' || b == 0x0c) {
            Some(last_break) => {
                let column = len - last_break as i64;
                self.pos.line += breaks;
                self.out.line += breaks;
                self.pos.column = column;
                self.out.column = column;
            }
            None => {
                self.pos.column += len;
                self.out.column += len;
            }
        }
        self.last = self.pos;
    }

    fn write_indent(&mut self) {
        let depth = self.indent;
        self.output.extend(std::iter::repeat_n(b'\t', depth));
        self.pos.offset += depth as i64;
        self.pos.column += depth as i64;
        self.out.column += depth as i64;
    }

    /// Writes the whitespace byte `ch` `n` times.
    fn write_byte(&mut self, ch: u8, n: usize) {
        if self.out.column == 1 {
            self.write_indent();
        }
        self.output.extend(std::iter::repeat_n(ch, n));
        let n = n as i64;
        self.pos.offset += n;
        if ch == b'\n' || ch == 0x0c {
            self.pos.line += n;
            self.out.line += n;
            self.pos.column = 1;
            self.out.column = 1;
        } else {
            self.pos.column += n;
            self.out.column += n;
        }
    }

    /// Carries out the first `n` pending whitespace intents.
    fn write_whitespace(&mut self, n: usize) {
        let pending: Vec<Ws> = self.whitespace.drain(..n).collect();
        for ws in pending {
            match ws {
                Ws::Indent => self.indent += 1,
                Ws::Unindent => self.indent = self.indent.saturating_sub(1),
                other => {
                    if let Some(b) = other.byte() {
                        self.write_byte(b, 1);
                    }
                }
            }
        }
    }
}
