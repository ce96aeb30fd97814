//! Character classes as Go's `unicode` package defines them, and the two Go
//! formats Alloy's messages use for characters and strings (`%#U` and `%q`).
//!
//! Alloy is written in Go, so "letter", "digit" and "printable" follow Go's
//! definitions (Unicode general categories), not Rust's `char::is_alphabetic`
//! (which also accepts marks and letter numbers).

use std::fmt::Write;
use unicode_general_category::{GeneralCategory as Gc, get_general_category};

/// A Unicode letter (categories Lu, Ll, Lt, Lm, Lo), as Go's `unicode.IsLetter`.
pub(crate) fn is_unicode_letter(c: char) -> bool {
    matches!(
        get_general_category(c),
        Gc::UppercaseLetter
            | Gc::LowercaseLetter
            | Gc::TitlecaseLetter
            | Gc::ModifierLetter
            | Gc::OtherLetter
    )
}

/// A Unicode decimal digit (category Nd), as Go's `unicode.IsDigit`.
pub(crate) fn is_unicode_digit(c: char) -> bool {
    get_general_category(c) == Gc::DecimalNumber
}

/// Whether `c` may start an identifier: an ASCII letter, `_`, or a Unicode letter.
pub(crate) fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || (!c.is_ascii() && is_unicode_letter(c))
}

/// Whether `c` may continue an identifier after its first character.
pub(crate) fn is_ident_char(c: char) -> bool {
    is_letter(c) || c.is_ascii_digit() || (!c.is_ascii() && is_unicode_digit(c))
}

/// Go's `strconv.IsPrint`: letters, marks, numbers, punctuation, symbols and
/// the ASCII space.
pub(crate) fn is_print(c: char) -> bool {
    if c.is_ascii() {
        return (' '..='~').contains(&c);
    }
    !matches!(
        get_general_category(c),
        Gc::Control
            | Gc::Format
            | Gc::Surrogate
            | Gc::PrivateUse
            | Gc::Unassigned
            | Gc::SpaceSeparator
            | Gc::LineSeparator
            | Gc::ParagraphSeparator
    )
}

/// Go's `%#U`: `U+0023 '#'`, or just `U+0007` when the character is not printable.
pub(crate) fn describe_char(c: char) -> String {
    if is_print(c) {
        format!("U+{:04X} '{c}'", c as u32)
    } else {
        format!("U+{:04X}", c as u32)
    }
}

/// Go's `%q` of a byte string (`strconv.Quote`): double quotes, printable
/// characters as they are, everything else escaped; invalid UTF-8 bytes become `\xNN`.
pub fn go_quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_escaped(&mut out, c);
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('"');
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '"' | '\\' => {
            out.push('\\');
            out.push(c);
        }
        _ if is_print(c) => out.push(c),
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        _ if c < ' ' || c == '\x7f' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        _ if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        _ => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}
