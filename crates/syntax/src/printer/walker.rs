//! Walks the syntax tree and sends its tokens and whitespace intents to the
//! [`Emitter`]. Line breaks of the source decide the layout: statements keep
//! blank lines between them, and arrays, objects and calls stay on one line
//! or break where the source broke.

use super::emitter::{Emitter, Ws};
use crate::ast::{
    AccessExpr, ArrayExpr, AttributeStmt, BinaryExpr, BlockStmt, CallExpr, Expr, IndexExpr,
    ObjectExpr, Stmt,
};
use crate::pos::Pos;
use crate::scanner::go_quote;
use crate::token::Token;

/// What follows the left operand of a node on an expression's left spine.
enum Tail<'a> {
    Binary(&'a BinaryExpr),
    Access(&'a AccessExpr),
    Index(&'a IndexExpr),
    Call(&'a CallExpr),
}

pub(super) struct Walker<'a> {
    pub(super) e: Emitter<'a>,
}

impl Walker<'_> {
    fn different_lines(&self, a: Pos, b: Pos) -> bool {
        self.e.line(a) != self.e.line(b)
    }

    /// How many source lines the range `start..=end` spans.
    fn lines(&self, start: Pos, end: Pos) -> i64 {
        self.e.line(end) - self.e.line(start) + 1
    }

    pub(super) fn stmts(&mut self, stmts: &[Stmt]) {
        for (i, s) in stmts.iter().enumerate() {
            if i > 0 {
                // Blocks are always set apart by a blank line; other statements
                // keep the blank line they had in the source.
                let blank_in_source = self.e.line(s.start()) - self.e.line(stmts[i - 1].end()) > 1;
                if matches!(s, Stmt::Block(_)) || blank_in_source {
                    self.e.ws(Ws::Formfeed);
                }
            }
            match s {
                Stmt::Attribute(a) => self.attribute(a),
                Stmt::Block(b) => self.block(b),
            }
            // A statement spanning lines ends the run of aligned lines.
            if self.lines(s.start(), s.end()) > 1 {
                self.e.ws(Ws::Formfeed);
            } else {
                self.e.ws(Ws::Newline);
            }
        }
    }

    fn attribute(&mut self, a: &AttributeStmt) {
        self.e.at(a.name.pos);
        self.e.ident(&a.name.name);
        self.e.ws(Ws::VTab);
        self.e.token(Token::Assign);
        self.e.ws(Ws::Blank);
        self.expr(&a.value);
    }

    fn block(&mut self, b: &BlockStmt) {
        self.e.at(b.name_pos);
        self.e.ident(&b.full_name());
        if !b.label.is_empty() {
            self.e.ws(Ws::Blank);
            self.e.at(b.label_pos);
            self.e.literal(Token::String, &go_quote(b.label.as_bytes()));
        }
        self.e.ws(Ws::Blank);
        self.e.at(b.lcurly);
        self.e.token(Token::LCurly);
        self.e.ws(Ws::Indent);
        if b.body.is_empty() {
            self.e.ws(Ws::Blank);
        } else {
            self.e.ws(Ws::Formfeed);
            self.stmts(&b.body);
        }
        self.e.ws(Ws::Unindent);
        self.e.at(b.rcurly);
        self.e.token(Token::RCurly);
    }

    pub(super) fn expr(&mut self, e: &Expr) {
        // Chains of binary operators and of `.name`, `[i]` and `(args)` nest
        // on their left operand as deep as the source is long; walk down that
        // spine with a loop, write its head, then what follows each level.
        let mut tails = Vec::new();
        let mut head = e;
        loop {
            match head {
                Expr::Binary(b) => {
                    tails.push(Tail::Binary(b));
                    head = &b.left;
                }
                Expr::Access(a) => {
                    tails.push(Tail::Access(a));
                    head = &a.value;
                }
                Expr::Index(i) => {
                    tails.push(Tail::Index(i));
                    head = &i.value;
                }
                Expr::Call(c) => {
                    tails.push(Tail::Call(c));
                    head = &c.value;
                }
                Expr::Literal(l) => {
                    self.e.at(l.pos);
                    self.e.literal(l.kind, &l.value);
                    break;
                }
                Expr::Identifier(i) => {
                    self.e.at(i.pos);
                    self.e.ident(&i.name);
                    break;
                }
                Expr::Array(a) => {
                    self.array(a);
                    break;
                }
                Expr::Object(o) => {
                    self.object(o);
                    break;
                }
                Expr::Unary(u) => {
                    self.e.at(u.kind_pos);
                    self.e.token(u.kind);
                    self.expr(&u.value);
                    break;
                }
                Expr::Paren(p) => {
                    // Upstream gives the parentheses no position.
                    self.e.token(Token::LParen);
                    self.expr(&p.inner);
                    self.e.token(Token::RParen);
                    break;
                }
            }
        }
        for tail in tails.into_iter().rev() {
            match tail {
                Tail::Binary(b) => {
                    self.e.ws(Ws::Blank);
                    self.e.at(b.kind_pos);
                    self.e.token(b.kind);
                    self.e.ws(Ws::Blank);
                    self.expr(&b.right);
                }
                Tail::Access(a) => {
                    // Upstream gives the name no position.
                    self.e.token(Token::Dot);
                    self.e.ident(&a.name.name);
                }
                Tail::Index(i) => {
                    self.e.at(i.lbrack);
                    self.e.token(Token::LBrack);
                    self.expr(&i.index);
                    self.e.at(i.rbrack);
                    self.e.token(Token::RBrack);
                }
                Tail::Call(c) => self.call_args(c),
            }
        }
    }

    fn array(&mut self, a: &ArrayExpr) {
        self.e.at(a.lbrack);
        self.e.token(Token::LBrack);
        let mut prev = a.lbrack;
        for (i, el) in a.elements.iter().enumerate() {
            // An element on a new line goes on its own indented line; the
            // indentation comes first so comments before it are indented too.
            let own_line = self.different_lines(prev, el.start());
            if own_line {
                self.e.ws(Ws::Indent);
                self.e.ws(Ws::Formfeed);
            } else if i > 0 {
                self.e.ws(Ws::Blank);
            }
            prev = el.end();
            self.expr(el);
            if i + 1 < a.elements.len() {
                self.e.token(Token::Comma);
            }
            if own_line {
                self.e.ws(Ws::Unindent);
            }
        }
        // A closing bracket on its own line gets a trailing comma before it.
        if !a.elements.is_empty() && self.different_lines(prev, a.rbrack) {
            self.e.token(Token::Comma);
            self.e.ws(Ws::Indent);
            self.e.ws(Ws::Formfeed);
            self.e.ws(Ws::Unindent);
        }
        self.e.at(a.rbrack);
        self.e.token(Token::RBrack);
    }

    fn object(&mut self, o: &ObjectExpr) {
        self.e.at(o.lcurly);
        self.e.token(Token::LCurly);
        self.e.ws(Ws::Indent);
        let mut prev = o.lcurly;
        for (i, field) in o.fields.iter().enumerate() {
            if self.different_lines(prev, field.name.pos) {
                // Keep `=` aligned with the previous field unless its value
                // spanned lines.
                let prev_one_line = i > 0 && {
                    let v = &o.fields[i - 1].value;
                    self.lines(v.start(), v.end()) == 1
                };
                self.e.ws(if prev_one_line {
                    Ws::Newline
                } else {
                    Ws::Formfeed
                });
            } else if i > 0 {
                self.e.ws(Ws::Blank);
            }
            prev = field.name.end();
            self.e.at(field.name.pos);
            if field.quoted {
                self.e
                    .literal(Token::String, &go_quote(field.name.name.as_bytes()));
            } else {
                self.e.ident(&field.name.name);
            }
            self.e.ws(Ws::VTab);
            self.e.token(Token::Assign);
            self.e.ws(Ws::Blank);
            self.expr(&field.value);
            if i + 1 < o.fields.len() {
                self.e.token(Token::Comma);
            }
        }
        if !o.fields.is_empty() && self.different_lines(prev, o.rcurly) {
            self.e.token(Token::Comma);
            self.e.ws(Ws::Formfeed);
        }
        self.e.ws(Ws::Unindent);
        self.e.at(o.rcurly);
        self.e.token(Token::RCurly);
    }

    fn call_args(&mut self, c: &CallExpr) {
        self.e.token(Token::LParen);
        let mut prev = c.lparen;
        for (i, arg) in c.args.iter().enumerate() {
            let own_line = self.different_lines(prev, arg.start());
            if own_line {
                self.e.ws(Ws::Formfeed);
                self.e.ws(Ws::Indent);
            }
            self.expr(arg);
            prev = arg.end();
            if i + 1 < c.args.len() {
                self.e.token(Token::Comma);
                self.e.ws(Ws::Blank);
            }
            if own_line {
                self.e.ws(Ws::Unindent);
            }
        }
        // Upstream checks this even without arguments.
        if self.different_lines(prev, c.rparen) {
            self.e.token(Token::Comma);
            self.e.ws(Ws::Formfeed);
        }
        self.e.token(Token::RParen);
    }
}
