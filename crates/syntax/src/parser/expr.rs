//! Expressions: precedence climbing for the binary operators (`^` is
//! right-associative and handled apart), unary operators, postfix suffixes and
//! primary expressions.

use super::Parser;
use crate::ast::{
    AccessExpr, ArrayExpr, BinaryExpr, CallExpr, Expr, Ident, IndexExpr, LiteralExpr, ObjectExpr,
    ObjectField, ParenExpr, UnaryExpr,
};
use crate::pos::{Pos, Span};
use crate::token::Token;

/// What stands in for an expression that could not be parsed.
fn placeholder(pos: Pos) -> Expr {
    Expr::Literal(LiteralExpr {
        kind: Token::Null,
        pos,
        value: "null".to_string(),
    })
}

impl Parser<'_> {
    /// Expr = OrExpr
    pub(super) fn parse_expression(&mut self) -> Expr {
        let start = self.pos;
        if !self.descend() {
            return placeholder(start);
        }
        let expr = self.parse_binary(1);
        self.depth -= 1;
        expr
    }

    /// The left-associative binary operators whose precedence is at least
    /// `min_prec`: each level collects its operands in a loop and parses the
    /// tighter-binding operators of a right operand by recursion.
    fn parse_binary(&mut self, min_prec: u8) -> Expr {
        let depth = self.depth;
        let mut lhs = self.parse_power();
        loop {
            let prec = self.tok.binary_precedence();
            if prec < min_prec {
                break;
            }
            let (kind, kind_pos) = (self.tok, self.pos);
            // Each link makes the left-leaning tree one level higher.
            if !self.descend() {
                break;
            }
            self.next();
            let right = self.parse_binary(prec + 1);
            lhs = Expr::Binary(Box::new(BinaryExpr {
                kind,
                kind_pos,
                left: lhs,
                right,
            }));
        }
        self.depth = depth;
        lhs
    }

    /// PowExpr = Unary [ "^" PowExpr ]
    fn parse_power(&mut self) -> Expr {
        let left = self.parse_unary();
        if self.tok != Token::Pow {
            return left;
        }
        let kind_pos = self.pos;
        if !self.descend() {
            return left;
        }
        self.next();
        let right = self.parse_power();
        self.depth -= 1;
        Expr::Binary(Box::new(BinaryExpr {
            kind: Token::Pow,
            kind_pos,
            left,
            right,
        }))
    }

    /// Unary = ("!" | "-") Unary | Primary { "." IDENT | "[" Expr "]" | "(" [ ExprList ] ")" }
    fn parse_unary(&mut self) -> Expr {
        if matches!(self.tok, Token::Not | Token::Sub) {
            let (kind, kind_pos) = (self.tok, self.pos);
            if !self.descend() {
                return placeholder(kind_pos);
            }
            self.next();
            let value = self.parse_unary();
            self.depth -= 1;
            return Expr::Unary(Box::new(UnaryExpr {
                kind,
                kind_pos,
                value,
            }));
        }

        let depth = self.depth;
        let mut value = self.parse_primary();
        loop {
            match self.tok {
                Token::Dot | Token::LBrack | Token::LParen => {
                    // Each suffix makes the left-leaning tree one level higher.
                    if !self.descend() {
                        break;
                    }
                    value = self.parse_suffix(value);
                }
                Token::String | Token::LCurly => {
                    if !self.reject_block_as_expression(&value) {
                        break;
                    }
                }
                _ => break,
            }
        }
        self.depth = depth;
        value
    }

    /// One `.name`, `[index]` or `(args)` applied to `value`.
    fn parse_suffix(&mut self, value: Expr) -> Expr {
        match self.tok {
            Token::Dot => {
                self.next();
                let (pos, _, lit) = self.expect(Token::Ident);
                let name = Ident {
                    name: String::from_utf8_lossy(lit).into_owned(),
                    pos,
                };
                Expr::Access(Box::new(AccessExpr { value, name }))
            }
            Token::LBrack => {
                let (lbrack, ..) = self.expect(Token::LBrack);
                let index = self.parse_expression();
                let (rbrack, ..) = self.expect(Token::RBrack);
                Expr::Index(Box::new(IndexExpr {
                    value,
                    index,
                    lbrack,
                    rbrack,
                }))
            }
            _ => {
                let (lparen, ..) = self.expect(Token::LParen);
                let args = if self.tok != Token::RParen {
                    self.parse_expression_list(Token::RParen)
                } else {
                    Vec::new()
                };
                let (rparen, ..) = self.expect(Token::RParen);
                Expr::Call(Box::new(CallExpr {
                    value,
                    args,
                    lparen,
                    rparen,
                }))
            }
        }
    }

    /// `value "label" { ... }` or `value { ... }`: someone wrote a block where
    /// a value belongs. Parses the block to say so; returns `false` when it is
    /// not a block after all (the rest of the statement is then skipped).
    fn reject_block_as_expression(&mut self, value: &Expr) -> bool {
        if self.tok == Token::String {
            self.next();
        }
        if self.tok != Token::LCurly {
            self.expect(Token::LCurly);
            self.consume_statement();
            return false;
        }
        if !self.descend() {
            return false;
        }
        self.next();
        self.parse_body(Token::RCurly);
        self.depth -= 1;
        let (end, tok, _) = self.expect(Token::RCurly);
        if tok != Token::RCurly {
            self.consume_statement();
            return false;
        }
        self.span_error(
            Span::new(value.start(), end),
            "cannot use a block as an expression",
        );
        true
    }

    /// Primary = IDENT | NUMBER | FLOAT | STRING | BOOL | NULL | "(" Expr ")"
    ///         | "[" [ ExprList ] "]" | "{" [ FieldList ] "}"
    fn parse_primary(&mut self) -> Expr {
        let pos = self.pos;
        match self.tok {
            Token::Ident => {
                let name = self.lit_string();
                self.next();
                Expr::Identifier(Ident { name, pos })
            }
            Token::String | Token::Number | Token::Float | Token::Bool | Token::Null => {
                let literal = LiteralExpr {
                    kind: self.tok,
                    pos,
                    value: self.lit_string(),
                };
                self.next();
                Expr::Literal(literal)
            }
            Token::LParen => {
                self.next();
                let inner = self.parse_expression();
                let (rparen, ..) = self.expect(Token::RParen);
                Expr::Paren(Box::new(ParenExpr {
                    inner,
                    lparen: pos,
                    rparen,
                }))
            }
            Token::LBrack => {
                self.next();
                let elements = if self.tok != Token::RBrack {
                    self.parse_expression_list(Token::RBrack)
                } else {
                    Vec::new()
                };
                let (rbrack, ..) = self.expect(Token::RBrack);
                Expr::Array(ArrayExpr {
                    elements,
                    lbrack: pos,
                    rbrack,
                })
            }
            Token::LCurly => {
                self.next();
                // Alloy compares with `]` here, not `}`: `{]` must say
                // "expected }, got ]", which the field list would not.
                let fields = if self.tok != Token::RBrack {
                    self.parse_field_list(Token::RCurly)
                } else {
                    Vec::new()
                };
                let (rcurly, ..) = self.expect(Token::RCurly);
                Expr::Object(ObjectExpr {
                    fields,
                    lcurly: pos,
                    rcurly,
                })
            }
            _ => {
                self.error(format!("expected expression, got {}", self.tok));
                // Eat up the rest of the expression.
                while !matches!(
                    self.tok,
                    Token::Eof
                        | Token::Terminator
                        | Token::RParen
                        | Token::RCurly
                        | Token::RBrack
                        | Token::Comma
                ) {
                    self.next();
                }
                placeholder(pos)
            }
        }
    }

    /// ExprList = Expr { "," Expr } [ "," ], up to `until` (left for the caller).
    fn parse_expression_list(&mut self, until: Token) -> Vec<Expr> {
        let mut exprs = Vec::new();
        while self.tok != until && self.tok != Token::Eof {
            exprs.push(self.parse_expression());
            if self.tok == until {
                break;
            }
            if self.tok != Token::Comma {
                self.error("missing ',' in expression list");
            }
            self.next();
        }
        exprs
    }

    /// FieldList = Field { "," Field } [ "," ], up to `until` (left for the caller).
    fn parse_field_list(&mut self, until: Token) -> Vec<ObjectField> {
        let mut fields = Vec::new();
        while self.tok != until && self.tok != Token::Eof {
            fields.push(self.parse_field());
            if self.tok == until {
                break;
            }
            if self.tok != Token::Comma {
                self.error("missing ',' in field list");
            }
            self.next();
        }
        fields
    }

    /// Field = ( IDENT | STRING ) "=" Expr. A string key keeps the text between
    /// its delimiters, unescaped; `""` stays `""` (Alloy strips only longer ones).
    fn parse_field(&mut self) -> ObjectField {
        let pos = self.pos;
        let (name, quoted) = match self.tok {
            Token::String | Token::Ident => {
                let key = match self.lit {
                    [_, inner @ .., _] if self.tok == Token::String && !inner.is_empty() => {
                        (String::from_utf8_lossy(inner).into_owned(), true)
                    }
                    _ => (self.lit_string(), false),
                };
                self.next();
                key
            }
            _ => {
                self.error(format!(
                    "expected field name (string or identifier), got {}",
                    self.tok
                ));
                self.advance(Token::Assign);
                (String::new(), false)
            }
        };
        self.expect(Token::Assign);
        ObjectField {
            name: Ident { name, pos },
            quoted,
            value: self.parse_expression(),
        }
    }
}
