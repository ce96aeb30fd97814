//! The tokens of the Alloy configuration language.

use std::fmt;

/// A lexical token kind. Its `Display` is the name Alloy uses in messages
/// (`IDENT`, `TERMINATOR`, or the operator text such as `+` or `{`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Token {
    Illegal,
    Eof,
    Comment,

    Ident,
    Number,
    Float,
    String,
    Bool,
    Null,

    Or,  // ||
    And, // &&
    Not, // !

    Assign, // =
    Eq,     // ==
    Neq,    // !=
    Lt,     // <
    Lte,    // <=
    Gt,     // >
    Gte,    // >=

    Add, // +
    Sub, // -
    Mul, // *
    Div, // /
    Mod, // %
    Pow, // ^

    LCurly, // {
    RCurly, // }
    LParen, // (
    RParen, // )
    LBrack, // [
    RBrack, // ]
    Comma,  // ,
    Dot,    // .

    /// A statement terminator: an inserted newline or the end of the file.
    Terminator,
}

/// The lowest binary-operator precedence; unary operators bind tighter than any.
pub const LOWEST_PREC: u8 = 0;

impl Token {
    /// Binary-operator precedence (higher binds tighter); `LOWEST_PREC` for
    /// anything that is not a binary operator.
    pub fn binary_precedence(self) -> u8 {
        match self {
            Token::Or => 1,
            Token::And => 2,
            Token::Eq | Token::Neq | Token::Lt | Token::Lte | Token::Gt | Token::Gte => 3,
            Token::Add | Token::Sub => 4,
            Token::Mul | Token::Div | Token::Mod => 5,
            Token::Pow => 6,
            _ => LOWEST_PREC,
        }
    }

    pub fn is_literal(self) -> bool {
        matches!(
            self,
            Token::Ident | Token::Number | Token::Float | Token::String | Token::Bool | Token::Null
        )
    }

    pub fn is_binary_op(self) -> bool {
        self.binary_precedence() != LOWEST_PREC
    }

    /// The text shown in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Token::Illegal => "ILLEGAL",
            Token::Eof => "EOF",
            Token::Comment => "COMMENT",
            Token::Ident => "IDENT",
            Token::Number => "NUMBER",
            Token::Float => "FLOAT",
            Token::String => "STRING",
            Token::Bool => "BOOL",
            Token::Null => "NULL",
            Token::Or => "||",
            Token::And => "&&",
            Token::Not => "!",
            Token::Assign => "=",
            Token::Eq => "==",
            Token::Neq => "!=",
            Token::Lt => "<",
            Token::Lte => "<=",
            Token::Gt => ">",
            Token::Gte => ">=",
            Token::Add => "+",
            Token::Sub => "-",
            Token::Mul => "*",
            Token::Div => "/",
            Token::Mod => "%",
            Token::Pow => "^",
            Token::LCurly => "{",
            Token::RCurly => "}",
            Token::LParen => "(",
            Token::RParen => ")",
            Token::LBrack => "[",
            Token::RBrack => "]",
            Token::Comma => ",",
            Token::Dot => ".",
            Token::Terminator => "TERMINATOR",
        }
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
