//! The syntax tree of an Alloy file. Every node carries the byte positions it
//! came from, so diagnostics, the printer and reference extraction can point at it.

use crate::pos::{Pos, Span};
use crate::token::Token;

/// A parsed file.
#[derive(Clone, Debug, PartialEq)]
pub struct File {
    /// The file name given to the parser.
    pub name: String,
    pub body: Body,
    /// Every comment in the file, grouped into runs not separated by blank lines
    /// or other tokens, in source order.
    pub comments: Vec<CommentGroup>,
}

/// A list of statements.
pub type Body = Vec<Stmt>;

/// Comments that follow one another with no blank line or other token between.
pub type CommentGroup = Vec<Comment>;

/// A `//` or `/* */` comment. `text` includes the comment markers and has no
/// carriage returns; a line comment's text has no newline.
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    pub start: Pos,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stmt {
    Attribute(AttributeStmt),
    Block(BlockStmt),
}

/// `name = value`.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeStmt {
    pub name: Ident,
    pub value: Expr,
}

/// `a.b.c "label" { body }`.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockStmt {
    /// The dot-separated name fragments.
    pub name: Vec<String>,
    pub name_pos: Pos,
    /// The label without its quotes; empty when there is none (or it was `""`).
    pub label: String,
    /// Position of the label's opening quote; `Pos::NONE` without a label.
    pub label_pos: Pos,
    pub body: Body,
    pub lcurly: Pos,
    pub rcurly: Pos,
}

impl BlockStmt {
    /// The block name joined with dots, e.g. `prometheus.scrape`.
    pub fn full_name(&self) -> String {
        self.name.join(".")
    }

    /// The node ID Alloy derives from the block: `name` or `name.label`.
    pub fn id(&self) -> String {
        if self.label.is_empty() {
            self.full_name()
        } else {
            format!("{}.{}", self.full_name(), self.label)
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A named value: `foo`.
    Identifier(Ident),
    /// A constant: NUMBER, FLOAT, STRING, BOOL or NULL.
    Literal(LiteralExpr),
    Array(ArrayExpr),
    Object(ObjectExpr),
    /// `value.name`
    Access(Box<AccessExpr>),
    /// `value[index]`
    Index(Box<IndexExpr>),
    /// `value(args...)`
    Call(Box<CallExpr>),
    /// `!value`, `-value`
    Unary(Box<UnaryExpr>),
    /// `left op right`
    Binary(Box<BinaryExpr>),
    /// `(inner)`
    Paren(Box<ParenExpr>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct LiteralExpr {
    pub kind: Token,
    pub pos: Pos,
    /// The literal's source text, unparsed: a string keeps its quotes or backticks.
    pub value: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ArrayExpr {
    pub elements: Vec<Expr>,
    pub lbrack: Pos,
    pub rbrack: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ObjectExpr {
    pub fields: Vec<ObjectField>,
    pub lcurly: Pos,
    pub rcurly: Pos,
}

/// One `key = value` of an object literal.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectField {
    /// The key: an identifier, or the text between a string's delimiters
    /// (not unescaped, as Alloy does).
    pub name: Ident,
    /// Whether the key was written as a string.
    pub quoted: bool,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AccessExpr {
    pub value: Expr,
    pub name: Ident,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IndexExpr {
    pub value: Expr,
    pub index: Expr,
    pub lbrack: Pos,
    pub rbrack: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CallExpr {
    pub value: Expr,
    pub args: Vec<Expr>,
    pub lparen: Pos,
    pub rparen: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UnaryExpr {
    pub kind: Token,
    pub kind_pos: Pos,
    pub value: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BinaryExpr {
    pub kind: Token,
    pub kind_pos: Pos,
    pub left: Expr,
    pub right: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParenExpr {
    pub inner: Expr,
    pub lparen: Pos,
    pub rparen: Pos,
}

impl Ident {
    pub fn end(&self) -> Pos {
        self.pos.shift(self.name.len() as isize - 1)
    }
}

impl Expr {
    /// Position of the first character of the expression.
    pub fn start(&self) -> Pos {
        match self {
            Expr::Identifier(i) => i.pos,
            Expr::Literal(l) => l.pos,
            Expr::Array(a) => a.lbrack,
            Expr::Object(o) => o.lcurly,
            Expr::Access(a) => a.value.start(),
            Expr::Index(i) => i.value.start(),
            Expr::Call(c) => c.value.start(),
            Expr::Unary(u) => u.kind_pos,
            Expr::Binary(b) => b.left.start(),
            Expr::Paren(p) => p.lparen,
        }
    }

    /// Position of the last character of the expression.
    pub fn end(&self) -> Pos {
        match self {
            Expr::Identifier(i) => i.end(),
            Expr::Literal(l) => l.pos.shift(l.value.len() as isize - 1),
            Expr::Array(a) => a.rbrack,
            Expr::Object(o) => o.rcurly,
            Expr::Access(a) => a.name.end(),
            Expr::Index(i) => i.rbrack,
            Expr::Call(c) => c.rparen,
            Expr::Unary(u) => u.value.end(),
            Expr::Binary(b) => b.right.end(),
            Expr::Paren(p) => p.rparen,
        }
    }

    pub fn span(&self) -> Span {
        Span::new(self.start(), self.end())
    }
}

impl Stmt {
    pub fn start(&self) -> Pos {
        match self {
            Stmt::Attribute(a) => a.name.pos,
            Stmt::Block(b) => b.name_pos,
        }
    }

    pub fn end(&self) -> Pos {
        match self {
            Stmt::Attribute(a) => a.value.end(),
            Stmt::Block(b) => b.rcurly,
        }
    }

    pub fn span(&self) -> Span {
        Span::new(self.start(), self.end())
    }
}

impl Comment {
    pub fn end(&self) -> Pos {
        self.start.shift(self.text.len() as isize - 1)
    }
}
