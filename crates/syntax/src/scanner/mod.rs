//! The lexical scanner: bytes in, [`Lexeme`]s out (SPEC §1.1–1.3).
//!
//! The scanner reads one character ahead, decoding UTF-8 as it goes, and reports
//! encoding problems (NUL, invalid UTF-8, a byte-order mark past the start) the
//! moment it reads the offending character — the same moment Alloy's scanner
//! does, so errors come out in the same order and at the same positions. Lexical
//! errors are collected (see [`Scanner::take_errors`]); scanning always goes on.
//!
//! Newlines become [`Token::Terminator`] only after a token that can end a
//! statement (SPEC §1.3); a comment that runs to the end of its line does not hide
//! that newline, so the terminator is emitted *before* such a comment.

mod chars;
mod unquote;

#[cfg(test)]
mod tests;

pub use chars::go_quote;
pub use unquote::unquote;

use crate::pos::Pos;
use crate::token::Token;

/// One token: where it starts, what it is, and its text. `lit` is the source
/// text for identifiers, keywords, numbers, strings, comments (raw: see
/// [`comment_text`]) and illegal characters; `"\n"` for a terminator; empty for
/// operators and EOF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lexeme<'a> {
    pub pos: Pos,
    pub tok: Token,
    pub lit: &'a [u8],
}

/// A lexical error at a byte position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanError {
    pub pos: Pos,
    pub message: String,
}

/// The current character when the input is exhausted.
const EOF: char = char::REPLACEMENT_CHARACTER;
/// The byte-order mark, allowed only as the very first character.
const BOM: char = '\u{feff}';

pub struct Scanner<'a> {
    src: &'a [u8],
    include_comments: bool,
    /// The current character; meaningless when `at_eof`.
    ch: char,
    at_eof: bool,
    /// Byte offset of `ch`.
    offset: usize,
    /// Byte offset just after `ch`.
    read_offset: usize,
    /// Whether the next newline (or EOF) becomes a terminator.
    insert_term: bool,
    errors: Vec<ScanError>,
}

impl<'a> Scanner<'a> {
    /// A scanner over `src`. With `include_comments`, comments come out as
    /// [`Token::Comment`] lexemes; otherwise they are skipped.
    pub fn new(src: &'a [u8], include_comments: bool) -> Scanner<'a> {
        let mut s = Scanner {
            src,
            include_comments,
            ch: ' ',
            at_eof: false,
            offset: 0,
            read_offset: 0,
            insert_term: false,
            errors: Vec::new(),
        };
        s.next();
        if !s.at_eof && s.ch == BOM {
            s.next();
        }
        s
    }

    /// Whether errors were found since the last [`Scanner::take_errors`].
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The errors found so far, oldest first; the scanner forgets them.
    pub fn take_errors(&mut self) -> Vec<ScanError> {
        std::mem::take(&mut self.errors)
    }

    fn error(&mut self, offset: usize, message: impl Into<String>) {
        self.errors.push(ScanError {
            pos: Pos::new(offset),
            message: message.into(),
        });
    }

    /// The current character, or `None` at the end of the input.
    fn cur(&self) -> Option<char> {
        (!self.at_eof).then_some(self.ch)
    }

    fn is(&self, c: char) -> bool {
        !self.at_eof && self.ch == c
    }

    /// The byte after the current character (0 at the end).
    fn peek(&self) -> u8 {
        self.src.get(self.read_offset).copied().unwrap_or(0)
    }

    /// Moves to the next character, reporting bad encodings as it reads them.
    fn next(&mut self) {
        let Some(&b) = self.src.get(self.read_offset) else {
            self.offset = self.src.len();
            self.at_eof = true;
            self.ch = EOF;
            return;
        };
        self.offset = self.read_offset;
        if b.is_ascii() {
            if b == 0 {
                self.error(self.offset, "illegal character NUL");
            }
            self.ch = b as char;
            self.read_offset += 1;
            return;
        }
        let (c, width) = decode_utf8(&self.src[self.read_offset..]);
        match c {
            None => {
                self.error(self.offset, "illegal UTF-8 encoding");
                self.ch = char::REPLACEMENT_CHARACTER;
            }
            Some(BOM) if self.offset > 0 => {
                self.error(self.offset, "illegal byte order mark");
                self.ch = BOM;
            }
            Some(c) => self.ch = c,
        }
        self.read_offset += width;
    }

    /// Moves back so that the character at `offset` (an ASCII byte) is current.
    fn reset_to(&mut self, offset: usize) {
        self.at_eof = false;
        self.ch = self.src[offset] as char;
        self.offset = offset;
        self.read_offset = offset + 1;
    }

    fn skip_whitespace(&mut self) {
        while !self.at_eof && matches!(self.ch, ' ' | '\t' | '\r')
            || (self.is('\n') && !self.insert_term)
        {
            self.next();
        }
    }

    /// Scans the next token.
    pub fn scan(&mut self) -> Lexeme<'a> {
        loop {
            self.skip_whitespace();
            let start = self.offset;
            let lex = |tok, end: usize, s: &Self| Lexeme {
                pos: Pos::new(start),
                tok,
                lit: &s.src[start..end],
            };

            let Some(ch) = self.cur() else {
                if std::mem::take(&mut self.insert_term) {
                    return terminator(start);
                }
                return lex(Token::Eof, start, self);
            };

            if chars::is_letter(ch) {
                self.scan_identifier();
                let lit = &self.src[start..self.offset];
                let tok = match lit {
                    b"true" | b"false" => Token::Bool,
                    b"null" => Token::Null,
                    _ => Token::Ident,
                };
                self.insert_term = true;
                return lex(tok, self.offset, self);
            }
            if ch.is_ascii_digit() || (ch == '.' && self.peek().is_ascii_digit()) {
                let tok = self.scan_number();
                self.insert_term = true;
                return lex(tok, self.offset, self);
            }

            self.next(); // `ch` is now behind us; `self.ch` is the character after it.
            let mut insert_term = false;
            let tok = match ch {
                '\n' => {
                    // Only reachable when a terminator is armed: skip_whitespace
                    // eats newlines otherwise.
                    self.insert_term = false;
                    return terminator(start);
                }
                '"' => {
                    insert_term = true;
                    self.scan_string('"', start);
                    Token::String
                }
                '`' => {
                    insert_term = true;
                    self.scan_raw_string(start);
                    Token::String
                }
                '\'' => {
                    self.error(start, "illegal single-quoted string; use double quotes");
                    insert_term = true;
                    self.scan_string('\'', start);
                    Token::Illegal
                }
                '|' => self.require_second('|', Token::Or, "missing second | in ||"),
                '&' => self.require_second('&', Token::And, "missing second & in &&"),
                '!' => self.one_or_two('=', Token::Not, Token::Neq),
                '=' => self.one_or_two('=', Token::Assign, Token::Eq),
                '<' => self.one_or_two('=', Token::Lt, Token::Lte),
                '>' => self.one_or_two('=', Token::Gt, Token::Gte),
                '+' => Token::Add,
                '-' => Token::Sub,
                '*' => Token::Mul,
                '%' => Token::Mod,
                '^' => Token::Pow,
                '{' => Token::LCurly,
                '(' => Token::LParen,
                '[' => Token::LBrack,
                ',' => Token::Comma,
                '.' => Token::Dot,
                '}' | ')' | ']' => {
                    insert_term = true;
                    match ch {
                        '}' => Token::RCurly,
                        ')' => Token::RParen,
                        _ => Token::RBrack,
                    }
                }
                '/' if self.is('/') || self.is('*') => {
                    if self.insert_term && self.comment_reaches_line_end() {
                        // The newline ending this line comes first; the comment
                        // is scanned on the next call.
                        self.reset_to(start);
                        self.insert_term = false;
                        return terminator(start);
                    }
                    self.scan_comment(start);
                    self.insert_term = false;
                    if !self.include_comments {
                        continue;
                    }
                    Token::Comment
                }
                '/' => Token::Div,
                _ => {
                    // `next` already reported a misplaced byte-order mark.
                    if ch != BOM {
                        let msg = format!("illegal character {}", chars::describe_char(ch));
                        self.error(start, msg);
                    }
                    insert_term = self.insert_term;
                    Token::Illegal
                }
            };
            self.insert_term = insert_term;
            let end = if matches!(tok, Token::String | Token::Illegal | Token::Comment) {
                self.offset
            } else {
                start
            };
            return lex(tok, end, self);
        }
    }

    /// For `|` and `&`, which only exist doubled.
    fn require_second(&mut self, second: char, tok: Token, msg: &str) -> Token {
        if self.is(second) {
            self.next();
        } else {
            self.error(self.offset, msg);
        }
        tok
    }

    /// `one` (as `=`), or `two` when followed by `second` (as `==`).
    fn one_or_two(&mut self, second: char, one: Token, two: Token) -> Token {
        if self.is(second) {
            self.next();
            two
        } else {
            one
        }
    }

    /// Scans the rest of an identifier whose first character is current.
    fn scan_identifier(&mut self) {
        // Fast path over ASCII identifier bytes; anything else goes through
        // `next` so that Unicode letters and bad encodings are handled there.
        let rest = &self.src[self.read_offset..];
        let n = rest
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
            .unwrap_or(rest.len());
        if n > 0 {
            self.read_offset += n - 1;
            self.next();
        }
        self.next();
        while self.cur().is_some_and(chars::is_ident_char) {
            self.next();
        }
    }

    /// Scans a NUMBER or FLOAT whose first character (a digit or `.`) is current.
    fn scan_number(&mut self) -> Token {
        let start = self.offset;
        let mut tok = Token::Number;
        if !self.is('.') {
            self.digits();
        }
        if self.is('.') {
            tok = Token::Float;
            self.next();
            self.digits();
        }
        if self.is('e') || self.is('E') {
            tok = Token::Float;
            self.next();
            if self.is('+') || self.is('-') {
                self.next();
            }
            if self.digits() == 0 {
                self.error(start, "exponent has no digits");
            }
        }
        tok
    }

    fn digits(&mut self) -> usize {
        let mut n = 0;
        while self.cur().is_some_and(|c| c.is_ascii_digit()) {
            self.next();
            n += 1;
        }
        n
    }

    /// Scans a quoted string whose opening `quote` (at `start`) is behind us.
    fn scan_string(&mut self, quote: char, start: usize) {
        loop {
            let Some(ch) = self.cur().filter(|&c| c != '\n') else {
                self.error(start, "string literal not terminated");
                return;
            };
            self.next();
            if ch == quote {
                return;
            }
            if ch == '\\' {
                self.scan_escape();
            }
        }
    }

    /// Scans a backtick string whose opening backtick (at `start`) is behind us.
    fn scan_raw_string(&mut self, start: usize) {
        loop {
            let Some(ch) = self.cur() else {
                self.error(start, "string literal not terminated");
                return;
            };
            self.next();
            if ch == '`' {
                return;
            }
        }
    }

    /// Checks the escape sequence after a backslash. On a bad character it
    /// stops without consuming it.
    fn scan_escape(&mut self) {
        let start = self.offset;
        let (mut count, base, max): (u32, u32, u32) = match self.cur() {
            Some('a' | 'b' | 'f' | 'n' | 'r' | 't' | 'v' | '\\' | '"') => {
                self.next();
                return;
            }
            Some('0'..='7') => (3, 8, 255),
            Some('x') => (2, 16, 255),
            Some('u') => (4, 16, char::MAX as u32),
            Some('U') => (8, 16, char::MAX as u32),
            Some(_) => {
                self.error(start, "unknown escape sequence");
                return;
            }
            None => {
                self.error(start, "escape sequence not terminated");
                return;
            }
        };
        if base == 16 {
            self.next(); // the `x`, `u` or `U`
        }
        let mut value: u32 = 0;
        while count > 0 {
            let digit = self
                .cur()
                .and_then(|c| c.to_digit(16))
                .filter(|&d| d < base);
            let Some(digit) = digit else {
                let msg = match self.cur() {
                    Some(c) => format!(
                        "illegal character {} in escape sequence",
                        chars::describe_char(c)
                    ),
                    None => "escape sequence not terminated".to_string(),
                };
                self.error(start, msg);
                return;
            };
            value = value * base + digit;
            self.next();
            count -= 1;
        }
        if value > max || (0xD800..0xE000).contains(&value) {
            self.error(start, "escape sequence is invalid Unicode code point");
        }
    }

    /// Scans a comment whose `/` (at `start`) is behind us and whose second
    /// character (`/` or `*`) is current.
    fn scan_comment(&mut self, start: usize) {
        if self.is('/') {
            // The newline is not part of a line comment.
            while self.cur().is_some_and(|c| c != '\n') {
                self.next();
            }
            return;
        }
        self.next(); // the `*`
        while let Some(ch) = self.cur() {
            self.next();
            if ch == '*' && self.is('/') {
                self.next();
                return;
            }
        }
        self.error(start, "block comment not terminated");
    }

    /// Whether the comment starting at the `/` just behind us, and any comments
    /// right after it on the same line, run to the end of the line (or file).
    /// Leaves the scanner where it was.
    fn comment_reaches_line_end(&mut self) -> bool {
        let slash = self.offset - 1;
        let found = self.look_for_line_end();
        self.reset_to(slash);
        self.next();
        found
    }

    fn look_for_line_end(&mut self) -> bool {
        while self.is('/') || self.is('*') {
            if self.is('/') {
                return true; // a line comment always reaches the line end
            }
            self.next(); // the `*`
            while let Some(ch) = self.cur() {
                if ch == '\n' {
                    return true;
                }
                self.next();
                if ch == '*' && self.is('/') {
                    self.next();
                    break;
                }
            }
            self.skip_whitespace(); // stops at a newline: a terminator is armed
            match self.cur() {
                None | Some('\n') => return true,
                Some('/') => self.next(),
                Some(_) => return false,
            }
        }
        false
    }
}

fn terminator<'a>(offset: usize) -> Lexeme<'a> {
    Lexeme {
        pos: Pos::new(offset),
        tok: Token::Terminator,
        lit: b"\n",
    }
}

/// Decodes the UTF-8 character at the start of `bytes` (which is not empty):
/// the character and its width, or `None` and width 1 for a bad encoding.
fn decode_utf8(bytes: &[u8]) -> (Option<char>, usize) {
    let width = match bytes[0] {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return (None, 1),
    };
    match bytes.get(..width).map(std::str::from_utf8) {
        Some(Ok(s)) => (s.chars().next(), width),
        _ => (None, 1),
    }
}

/// The text of a comment lexeme as Alloy keeps it: carriage returns removed
/// (a line comment from a CRLF file loses its trailing `\r`), except a `\r`
/// between `*` and `/` inside a block comment, which keeps the comment from
/// appearing to end early.
pub fn comment_text(raw: &[u8]) -> String {
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    if !raw.contains(&b'\r') {
        return String::from_utf8_lossy(raw).into_owned();
    }
    let block = raw.get(1) == Some(&b'*');
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    for (i, &b) in raw.iter().enumerate() {
        let keep = b != b'\r'
            || (block
                && out.len() > 2
                && out.last() == Some(&b'*')
                && raw.get(i + 1) == Some(&b'/'));
        if keep {
            out.push(b);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `s` is exactly one identifier (not a keyword), as a block label must be.
pub fn is_valid_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(chars::is_letter)
        && chars.all(chars::is_ident_char)
        && !matches!(s, "true" | "false" | "null")
}
