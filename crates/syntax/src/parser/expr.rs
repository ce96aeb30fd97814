//! Expressions: precedence climbing for the binary operators (`^` is
//! right-associative and handled apart), unary operators, postfix suffixes and
//! primary expressions.

use super::{MAX_DEPTH, Parser};
use crate::ast::{
    AccessExpr, ArrayExpr, BinaryExpr, CallExpr, Expr, Ident, IndexExpr, LiteralExpr, ObjectExpr,
    ObjectField, ParenExpr, UnaryExpr,
};
use crate::pos::{Pos, Span};
use crate::token::Token;

/// An expression and its height (1 for a leaf), which the nesting limit bounds.
type Parsed = (Expr, u32);

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
        self.parse_expr().0
    }

    fn parse_expr(&mut self) -> Parsed {
        let start = self.pos;
        if !self.descend() {
            return (placeholder(start), 1);
        }
        let parsed = self.parse_binary(1);
        self.depth -= 1;
        parsed
    }

    /// Accepts a node built from already parsed parts if the tree stays within
    /// the nesting limit counted from the current depth. Chains such as
    /// `a.b.c` or `a + b + c` grow the tree upwards without recursing, so only
    /// their height shows how deep the tree has become. Past the limit, the
    /// rest of the expression is skipped and the node is dropped.
    fn within_limit(&mut self, expr: Expr, height: u32) -> Option<Parsed> {
        if self.depth + height <= MAX_DEPTH {
            return Some((expr, height));
        }
        self.too_deep();
        None
    }

    /// The left-associative binary operators whose precedence is at least
    /// `min_prec`: each level collects its operands in a loop and parses the
    /// tighter-binding operators of a right operand by recursion.
    fn parse_binary(&mut self, min_prec: u8) -> Parsed {
        let (mut left, mut height) = self.parse_power();
        loop {
            let prec = self.tok.binary_precedence();
            if prec < min_prec {
                return (left, height);
            }
            let (kind, kind_pos) = (self.tok, self.pos);
            self.next();
            let (right, right_height) = self.parse_binary(prec + 1);
            let start = left.start();
            let node = Expr::Binary(Box::new(BinaryExpr {
                kind,
                kind_pos,
                left,
                right,
            }));
            let Some(parsed) = self.within_limit(node, height.max(right_height) + 1) else {
                return (placeholder(start), 1);
            };
            (left, height) = parsed;
        }
    }

    /// PowExpr = Unary [ "^" PowExpr ]
    fn parse_power(&mut self) -> Parsed {
        let (left, left_height) = self.parse_unary();
        if self.tok != Token::Pow {
            return (left, left_height);
        }
        let kind_pos = self.pos;
        if !self.descend() {
            return (left, left_height);
        }
        self.next();
        let (right, right_height) = self.parse_power();
        self.depth -= 1;
        let start = left.start();
        let node = Expr::Binary(Box::new(BinaryExpr {
            kind: Token::Pow,
            kind_pos,
            left,
            right,
        }));
        self.within_limit(node, left_height.max(right_height) + 1)
            .unwrap_or((placeholder(start), 1))
    }

    /// Unary = ("!" | "-") Unary | Primary { "." IDENT | "[" Expr "]" | "(" [ ExprList ] ")" }
    fn parse_unary(&mut self) -> Parsed {
        if matches!(self.tok, Token::Not | Token::Sub) {
            let (kind, kind_pos) = (self.tok, self.pos);
            if !self.descend() {
                return (placeholder(kind_pos), 1);
            }
            self.next();
            let (value, height) = self.parse_unary();
            self.depth -= 1;
            let node = Expr::Unary(Box::new(UnaryExpr {
                kind,
                kind_pos,
                value,
            }));
            return self
                .within_limit(node, height + 1)
                .unwrap_or((placeholder(kind_pos), 1));
        }

        let (mut value, mut height) = self.parse_primary();
        loop {
            match self.tok {
                Token::Dot | Token::LBrack | Token::LParen => {
                    let start = value.start();
                    let (node, node_height) = self.parse_suffix(value, height);
                    let Some(parsed) = self.within_limit(node, node_height) else {
                        return (placeholder(start), 1);
                    };
                    (value, height) = parsed;
                }
                Token::String | Token::LCurly => {
                    if !self.reject_block_as_expression(&value) {
                        return (value, height);
                    }
                }
                _ => return (value, height),
            }
        }
    }

    /// One `.name`, `[index]` or `(args)` applied to `value` (of height `height`).
    fn parse_suffix(&mut self, value: Expr, height: u32) -> Parsed {
        match self.tok {
            Token::Dot => {
                self.next();
                let (pos, _, lit) = self.expect(Token::Ident);
                let name = Ident {
                    name: String::from_utf8_lossy(lit).into_owned(),
                    pos,
                };
                (
                    Expr::Access(Box::new(AccessExpr { value, name })),
                    height + 1,
                )
            }
            Token::LBrack => {
                let (lbrack, ..) = self.expect(Token::LBrack);
                let (index, index_height) = self.parse_expr();
                let (rbrack, ..) = self.expect(Token::RBrack);
                let node = Expr::Index(Box::new(IndexExpr {
                    value,
                    index,
                    lbrack,
                    rbrack,
                }));
                (node, height.max(index_height) + 1)
            }
            _ => {
                let (lparen, ..) = self.expect(Token::LParen);
                let (args, args_height) = if self.tok != Token::RParen {
                    self.parse_expression_list(Token::RParen)
                } else {
                    (Vec::new(), 0)
                };
                let (rparen, ..) = self.expect(Token::RParen);
                let node = Expr::Call(Box::new(CallExpr {
                    value,
                    args,
                    lparen,
                    rparen,
                }));
                (node, height.max(args_height) + 1)
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
    fn parse_primary(&mut self) -> Parsed {
        let pos = self.pos;
        match self.tok {
            Token::Ident => {
                let name = self.lit_string();
                self.next();
                (Expr::Identifier(Ident { name, pos }), 1)
            }
            Token::String | Token::Number | Token::Float | Token::Bool | Token::Null => {
                let literal = LiteralExpr {
                    kind: self.tok,
                    pos,
                    value: self.lit_string(),
                };
                self.next();
                (Expr::Literal(literal), 1)
            }
            Token::LParen => {
                self.next();
                let (inner, height) = self.parse_expr();
                let (rparen, ..) = self.expect(Token::RParen);
                let node = Expr::Paren(Box::new(ParenExpr {
                    inner,
                    lparen: pos,
                    rparen,
                }));
                (node, height + 1)
            }
            Token::LBrack => {
                self.next();
                let (elements, height) = if self.tok != Token::RBrack {
                    self.parse_expression_list(Token::RBrack)
                } else {
                    (Vec::new(), 0)
                };
                let (rbrack, ..) = self.expect(Token::RBrack);
                let node = Expr::Array(ArrayExpr {
                    elements,
                    lbrack: pos,
                    rbrack,
                });
                (node, height + 1)
            }
            Token::LCurly => {
                self.next();
                // Alloy compares with `]` here, not `}`: `{]` must say
                // "expected }, got ]", which the field list would not.
                let (fields, height) = if self.tok != Token::RBrack {
                    self.parse_field_list(Token::RCurly)
                } else {
                    (Vec::new(), 0)
                };
                let (rcurly, ..) = self.expect(Token::RCurly);
                let node = Expr::Object(ObjectExpr {
                    fields,
                    lcurly: pos,
                    rcurly,
                });
                (node, height + 1)
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
                (placeholder(pos), 1)
            }
        }
    }

    /// ExprList = Expr { "," Expr } [ "," ], up to `until` (left for the
    /// caller); with the greatest height of the expressions.
    fn parse_expression_list(&mut self, until: Token) -> (Vec<Expr>, u32) {
        let mut exprs = Vec::new();
        let mut height = 0;
        while self.tok != until && self.tok != Token::Eof {
            let (expr, h) = self.parse_expr();
            exprs.push(expr);
            height = height.max(h);
            if self.tok == until {
                break;
            }
            if self.tok != Token::Comma {
                self.error("missing ',' in expression list");
            }
            self.next();
        }
        (exprs, height)
    }

    /// FieldList = Field { "," Field } [ "," ], up to `until` (left for the
    /// caller); with the greatest height of the values.
    fn parse_field_list(&mut self, until: Token) -> (Vec<ObjectField>, u32) {
        let mut fields = Vec::new();
        let mut height = 0;
        while self.tok != until && self.tok != Token::Eof {
            let (field, h) = self.parse_field();
            fields.push(field);
            height = height.max(h);
            if self.tok == until {
                break;
            }
            if self.tok != Token::Comma {
                self.error("missing ',' in field list");
            }
            self.next();
        }
        (fields, height)
    }

    /// Field = ( IDENT | STRING ) "=" Expr. A string key keeps the text between
    /// its delimiters, unescaped; `""` stays `""` (Alloy strips only longer ones).
    fn parse_field(&mut self) -> (ObjectField, u32) {
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
        let (value, height) = self.parse_expr();
        let field = ObjectField {
            name: Ident { name, pos },
            quoted,
            value,
        };
        (field, height)
    }
}
