//! The parser: recursive descent over the [`scanner`](crate::scanner)'s tokens
//! (SPEC §1.4), with Alloy's error recovery and messages.
//!
//! Like Alloy, the parser keeps going after an error so that one run reports as
//! much as possible, but reports at most one parse error per source line
//! (lexical errors and the few errors about whole constructs, such as
//! `cannot use a block as an expression`, are always reported). The tree
//! returned alongside errors is best-effort and should not be evaluated.
//!
//! Nesting is limited to [`MAX_DEPTH`] levels (see there), so that neither the
//! parser nor the code that later walks the tree can overflow its stack.

mod expr;

use crate::ast::{self, AttributeStmt, BlockStmt, Comment, CommentGroup, Ident, Stmt};
use crate::diag::{Diagnostic, Diagnostics};
use crate::pos::{Pos, SourceFile, Span};
use crate::scanner::{self, Scanner};
use crate::token::Token;

/// The deepest nesting the parser accepts: no path from the top of a file to
/// a leaf of its tree may pass through more than this many block bodies and
/// expression nodes (brackets, parentheses, braces, operators, `.name`, `[i]`,
/// `(args)`). Deeper input is refused with
/// `nesting is too deep (the limit is 100 levels)` and the rest of the
/// offending expression or block is skipped.
///
/// This bounds the recursion of the parser and of everything that later walks
/// the tree (printer, evaluator, the recursive drop): 100 levels need well under
/// 1 MiB of stack in a debug build. Real configurations nest about ten deep.
pub const MAX_DEPTH: u32 = 100;

/// Parses a whole file. The diagnostics are empty when the file is valid; when
/// they are not, the tree is Alloy's best effort and should not be used.
pub fn parse_file(file: &SourceFile) -> (ast::File, Diagnostics) {
    let mut p = Parser::new(file);
    let body = p.parse_body(Token::Eof);
    let parsed = ast::File {
        name: file.name().to_string(),
        body,
        comments: std::mem::take(&mut p.comments),
    };
    (parsed, p.diags)
}

/// Parses `name`'s contents as a file; see [`parse_file`].
pub fn parse(name: &str, src: &[u8]) -> (ast::File, Diagnostics) {
    parse_file(&SourceFile::new(name, src))
}

/// Parses input that is one expression and nothing else (comments and blank
/// lines aside). Alloy's own entry point only requires the end of the
/// expression's line and ignores later lines; here they are an error
/// (`expected EOF, got ...`).
pub fn parse_expression(file: &SourceFile) -> Result<ast::Expr, Diagnostics> {
    let mut p = Parser::new(file);
    let expr = p.parse_expression();
    p.expect(Token::Terminator);
    if p.tok != Token::Eof {
        p.error(format!("expected {}, got {}", Token::Eof, p.tok));
    }
    if p.diags.is_empty() {
        Ok(expr)
    } else {
        Err(p.diags)
    }
}

struct Parser<'a> {
    file: &'a SourceFile,
    scanner: Scanner<'a>,
    diags: Diagnostics,
    comments: Vec<CommentGroup>,

    /// The current token.
    pos: Pos,
    tok: Token,
    lit: &'a [u8],

    /// The line of the last parse error: a second one on that line is dropped.
    last_error_line: usize,
    /// The current nesting depth (see [`MAX_DEPTH`]).
    depth: u32,
}

impl<'a> Parser<'a> {
    fn new(file: &'a SourceFile) -> Parser<'a> {
        let mut p = Parser {
            file,
            scanner: Scanner::new(file.bytes(), true),
            diags: Diagnostics::new(),
            comments: Vec::new(),
            pos: Pos(0),
            tok: Token::Eof,
            lit: b"",
            last_error_line: 0,
            depth: 0,
        };
        p.next();
        p
    }

    /// Moves to the next token that is not a comment, collecting comments.
    fn next(&mut self) {
        self.next_token();
        while self.tok == Token::Comment {
            self.consume_comment_group();
        }
    }

    /// Moves to the next token, comments included.
    fn next_token(&mut self) {
        let lexeme = self.scanner.scan();
        (self.pos, self.tok, self.lit) = (lexeme.pos, lexeme.tok, lexeme.lit);
        if self.scanner.has_errors() {
            for e in self.scanner.take_errors() {
                let at = self.file.position(e.pos);
                self.diags.push(Diagnostic::error(at, e.message));
            }
        }
    }

    fn line(&self, pos: Pos) -> usize {
        self.file.position(pos).line
    }

    /// Collects comments that follow one another on the same or the next line
    /// into one group, as Alloy's parser groups them for the printer.
    fn consume_comment_group(&mut self) {
        let mut group = Vec::new();
        let mut end_line = self.line(self.pos);
        while self.tok == Token::Comment && self.line(self.pos) <= end_line + 1 {
            end_line = self.line(self.pos);
            if self.lit.get(1) == Some(&b'*') {
                end_line += self.lit.iter().filter(|&&b| b == b'\n').count();
            }
            group.push(Comment {
                start: self.pos,
                text: scanner::comment_text(self.lit),
            });
            self.next_token();
        }
        self.comments.push(group);
    }

    /// Reports a parse error at the current token, unless one was already
    /// reported on its line.
    fn error(&mut self, message: impl Into<String>) {
        let at = self.file.position(self.pos);
        if at.line == self.last_error_line {
            return;
        }
        self.last_error_line = at.line;
        self.diags.push(Diagnostic::error(at, message));
    }

    /// Reports an error over `span`, whatever else was reported on its line.
    fn span_error(&mut self, span: Span, message: &str) {
        self.diags
            .push(Diagnostic::error_at(self.file, span, message));
    }

    /// Consumes the current token, reporting an error unless it is `want`.
    fn expect(&mut self, want: Token) -> (Pos, Token, &'a [u8]) {
        let current = (self.pos, self.tok, self.lit);
        if self.tok != want {
            self.error(format!("expected {want}, got {}", self.tok));
        }
        self.next();
        current
    }

    /// Skips tokens up to (not including) `to` or EOF.
    fn advance(&mut self, to: Token) {
        while self.tok != to && self.tok != Token::Eof {
            self.next();
        }
    }

    /// The current literal as text (bad UTF-8 was already reported by the scanner).
    fn lit_string(&self) -> String {
        String::from_utf8_lossy(self.lit).into_owned()
    }

    /// Goes one level deeper before recursing; past [`MAX_DEPTH`] it reports
    /// the error, skips the rest of the construct at hand and returns `false`
    /// (the depth is then unchanged).
    fn descend(&mut self) -> bool {
        if self.depth < MAX_DEPTH {
            self.depth += 1;
            return true;
        }
        self.too_deep();
        false
    }

    fn too_deep(&mut self) {
        self.error(format!(
            "nesting is too deep (the limit is {MAX_DEPTH} levels)"
        ));
        self.skip_nested();
    }

    /// Skips, without recursion, to the end of the current expression or
    /// statement: up to a `,` or terminator outside any brackets, or up to the
    /// closing bracket of the enclosing construct.
    fn skip_nested(&mut self) {
        let mut open = 0usize;
        loop {
            match self.tok {
                Token::Eof => return,
                Token::LCurly | Token::LBrack | Token::LParen => open += 1,
                Token::RCurly | Token::RBrack | Token::RParen => {
                    if open == 0 {
                        return;
                    }
                    open -= 1;
                }
                Token::Comma | Token::Terminator if open == 0 => return,
                _ => {}
            }
            self.next();
        }
    }

    /// Body = [ Stmt { TERMINATOR Stmt } ] [ TERMINATOR ], up to `until`
    /// (which is left for the caller).
    fn parse_body(&mut self, until: Token) -> ast::Body {
        let mut body = Vec::new();
        while self.tok != until && self.tok != Token::Eof {
            if let Some(stmt) = self.parse_statement() {
                body.push(stmt);
            }
            if self.tok == until {
                break;
            }
            if self.tok != Token::Terminator {
                self.error(format!("expected {}, got {}", Token::Terminator, self.tok));
                self.consume_statement();
            }
            self.next();
        }
        body
    }

    /// Skips to the terminator ending the current statement, past any brackets
    /// the statement opened.
    fn consume_statement(&mut self) {
        let (mut curly, mut brack, mut paren) = (0i64, 0i64, 0i64);
        while self.tok != Token::Eof {
            match self.tok {
                Token::LCurly => curly += 1,
                Token::RCurly => curly -= 1,
                Token::LBrack => brack += 1,
                Token::RBrack => brack -= 1,
                Token::LParen => paren += 1,
                Token::RParen => paren -= 1,
                // Counts may go negative when the statement began inside brackets.
                Token::Terminator if curly <= 0 && brack <= 0 && paren <= 0 => return,
                _ => {}
            }
            self.next();
        }
    }

    /// Stmt = Attribute | Block; both start with a block name.
    fn parse_statement(&mut self) -> Option<Stmt> {
        let Some(name) = self.parse_block_name() else {
            // Skip to the next identifier, which may start a statement.
            self.advance(Token::Ident);
            return None;
        };
        match self.tok {
            Token::Assign => {
                self.next();
                if name.fragments.len() != 1 {
                    let len = name.fragments.join(".").len();
                    self.span_error(
                        Span::new(name.start, name.start.shift(len as isize - 1)),
                        r#"attribute names may only consist of a single identifier with no ".""#,
                    );
                } else if name.label_pos.is_valid() {
                    let end = name.label_pos.shift(name.label.len() as isize + 1);
                    self.span_error(
                        Span::new(name.label_pos, end),
                        "attribute names may not have labels",
                    );
                }
                let ident = Ident {
                    name: name.fragments.into_iter().next().unwrap_or_default(),
                    pos: name.start,
                };
                Some(Stmt::Attribute(AttributeStmt {
                    name: ident,
                    value: self.parse_expression(),
                }))
            }
            Token::LCurly => {
                if !self.descend() {
                    return None;
                }
                let (lcurly, ..) = self.expect(Token::LCurly);
                let body = self.parse_body(Token::RCurly);
                let (rcurly, ..) = self.expect(Token::RCurly);
                self.depth -= 1;
                Some(Stmt::Block(BlockStmt {
                    name: name.fragments,
                    name_pos: name.start,
                    label: name.label,
                    label_pos: name.label_pos,
                    body,
                    lcurly,
                    rcurly,
                }))
            }
            _ => {
                if name.fragments.len() == 1 && name.label.is_empty() {
                    // It could be either, so say both.
                    self.error(format!(
                        "expected attribute assignment or block body, got {}",
                        self.tok
                    ));
                } else {
                    self.error(format!("expected block body, got {}", self.tok));
                }
                self.advance(Token::Ident);
                None
            }
        }
    }

    /// BlockName = IDENT { "." IDENT } [ STRING ]
    fn parse_block_name(&mut self) -> Option<BlockName> {
        if self.tok != Token::Ident {
            self.error(format!("expected identifier, got {}", self.tok));
            return None;
        }
        let mut name = BlockName {
            fragments: vec![self.lit_string()],
            start: self.pos,
            label: String::new(),
            label_pos: Pos::NONE,
        };
        self.next();
        while self.tok == Token::Dot {
            self.next();
            if self.tok != Token::Ident {
                // Keep going: the name is malformed, but the rest may parse.
                self.error(format!("expected identifier, got {}", self.tok));
            }
            name.fragments.push(self.lit_string());
            self.next();
        }
        if self.tok != Token::Assign && self.tok != Token::LCurly {
            if self.tok == Token::String {
                self.parse_label(&mut name);
            } else {
                self.error(format!("expected block label, got {}", self.tok));
            }
            self.next();
        }
        Some(name)
    }

    /// Checks the block label at the current STRING token and stores it in `name`.
    fn parse_label(&mut self, name: &mut BlockName) {
        let lit = self.lit;
        if lit.first() != Some(&b'"') {
            self.error(format!(
                "expected block label to be a double quoted string, but got {}",
                scanner::go_quote(lit)
            ));
        }
        if lit.len() > 2 {
            let inner = &lit[1..lit.len() - 1];
            name.label = String::from_utf8_lossy(inner).into_owned();
            if !std::str::from_utf8(inner).is_ok_and(scanner::is_valid_identifier) {
                self.error(format!(
                    "expected block label to be a valid identifier, but got {}",
                    scanner::go_quote(inner)
                ));
            }
        }
        name.label_pos = self.pos;
    }
}

/// A statement's leading name, before we know whether it names a block or an
/// attribute.
struct BlockName {
    fragments: Vec<String>,
    start: Pos,
    label: String,
    label_pos: Pos,
}
