//! Pretty-printing of diagnostics, byte for byte as Alloy's `diag.Printer` with one
//! line of context before and after: a `Error: file:line:col: message` header, a
//! blank line, the source excerpt with a right-aligned line-number gutter and `^`
//! under the covered range; diagnostics are separated by one blank line.

use super::{Diagnostic, Diagnostics, Severity};
use crate::pos::{Position, SourceFile};
use std::fmt::Write;

/// Alloy expands tabs (and vertical tabs) to four columns in excerpts.
const TAB_WIDTH: usize = 4;
const CONTEXT_BEFORE: usize = 1;
const CONTEXT_AFTER: usize = 1;

/// Renders `diags`. `files` finds a source file by name; diagnostics whose file is
/// unknown are printed without an excerpt. With `color`, the header is coloured as
/// Alloy does on a terminal (red or yellow severity, bold message).
pub fn render<'a>(
    diags: &Diagnostics,
    files: impl Fn(&str) -> Option<&'a SourceFile>,
    color: bool,
) -> String {
    let mut out = String::new();
    for (i, diag) in diags.iter().enumerate() {
        write_header(&mut out, diag, color);
        // No end position means the diagnostic covers one character.
        let end = if diag.end.is_valid() {
            &diag.end
        } else {
            &diag.start
        };
        if diag.start.filename == end.filename
            && let Some(file) = files(&diag.start.filename)
        {
            write_excerpt(&mut out, file.bytes(), &diag.start, end);
        }
        if i + 1 < diags.len() {
            out.push('\n');
        }
    }
    out
}

fn write_header(out: &mut String, diag: &Diagnostic, color: bool) {
    let severity = match diag.severity {
        Severity::Error => ("Error: ", "\x1b[31;1m"),
        Severity::Warning => ("Warning: ", "\x1b[33;1m"),
    };
    if color {
        // Alloy's colour library writes the reset after the newline.
        let _ = write!(
            out,
            "{}{}\x1b[0m\x1b[1m{}: {}\n\x1b[0m",
            severity.1, severity.0, diag.start, diag.message
        );
    } else {
        let _ = writeln!(out, "{}{}: {}", severity.0, diag.start, diag.message);
    }
}

fn write_excerpt(out: &mut String, text: &[u8], start: &Position, end: &Position) {
    out.push('\n');
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let first = start.line.saturating_sub(CONTEXT_BEFORE).max(1);
    let last = (end.line + CONTEXT_AFTER).min(lines.len());
    let multiline = end.line > start.line;
    let width = last.to_string().len();

    for (number, line) in lines.iter().enumerate().take(last).skip(first - 1) {
        let number = number + 1;
        let _ = write!(out, "{number:>width$} | ");
        if multiline {
            // Column 0 keeps the first line of the range out of the bar.
            out.push_str(if in_range(number, 0, start, end) {
                "| "
            } else {
                "  "
            });
        }
        for (_, ch) in go_chars(line) {
            match ch {
                '\r' => {}
                '\t' | '\u{b}' => out.push_str(&" ".repeat(TAB_WIDTH)),
                c => out.push(c),
            }
        }
        out.push('\n');

        if number == start.line || (multiline && number == end.line) {
            out.push_str(&" ".repeat(width));
            out.push_str(match (multiline, number == start.line) {
                (true, true) => " |  _",
                (true, false) => " | |_",
                (false, _) => " | ",
            });
            write_focus(out, line, number, start, end, multiline);
            out.push('\n');
        }
    }
}

/// The marker line under source line `number`: `^` under covered columns, and
/// blanks (`_` for multi-line ranges) elsewhere, tabs widened as in the excerpt.
fn write_focus(
    out: &mut String,
    line: &[u8],
    number: usize,
    start: &Position,
    end: &Position,
    multiline: bool,
) {
    let blank = if multiline { '_' } else { ' ' };
    for (offset, ch) in go_chars(line) {
        let column = offset + 1;
        if number == end.line && column > end.column {
            break;
        }
        if ch == '\t' || ch == '\u{b}' {
            out.extend(std::iter::repeat_n(blank, TAB_WIDTH));
        } else if in_range(number, column, start, end) {
            out.push('^');
        } else {
            out.push(blank);
        }
    }
}

fn in_range(line: usize, column: usize, start: &Position, end: &Position) -> bool {
    if line < start.line || line > end.line {
        false
    } else if line == start.line {
        column >= start.column
    } else if line == end.line {
        column <= end.column
    } else {
        true
    }
}

/// The characters of `bytes` with their byte offsets, decoded as Go's `range` over
/// a string does: each byte of an invalid sequence is one U+FFFD.
fn go_chars(bytes: &[u8]) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut offset = 0;
    std::iter::from_fn(move || {
        let rest = bytes.get(offset..).filter(|r| !r.is_empty())?;
        let width = utf8_width(rest[0]).min(rest.len());
        let (ch, used) = match std::str::from_utf8(&rest[..width]) {
            Ok(s) => (s.chars().next().unwrap_or('\u{fffd}'), width),
            Err(_) => ('\u{fffd}', 1),
        };
        let at = offset;
        offset += used;
        Some((at, ch))
    })
}

fn utf8_width(first: u8) -> usize {
    match first {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pos::{Pos, Span};

    fn one(file: &SourceFile, span: Span, message: &str) -> String {
        let diags = Diagnostics::from(Diagnostic::error_at(file, span, message));
        render(&diags, |name| (name == file.name()).then_some(file), false)
    }

    #[test]
    fn single_line_range_with_context_and_tabs() {
        let file = SourceFile::new("main.alloy", "a {\n\tb = \"x\"\n}\n");
        let got = one(&file, Span::new(Pos(5), Pos(11)), "bad");
        assert_eq!(
            got,
            "Error: main.alloy:2:2: bad\n\n1 | a {\n2 |     b = \"x\"\n  |     ^^^^^^^\n3 | }\n"
        );
    }

    #[test]
    fn multi_line_range_draws_a_bracket() {
        let file = SourceFile::new("main.alloy", "\nexport \"root\" {\n\tvalue = \"\"\n}\n\n");
        let got = one(&file, Span::new(Pos(1), Pos(29)), "no");
        let want = "Error: main.alloy:2:1: no\n\n\
                    1 |   \n\
                    2 |   export \"root\" {\n  |  _^^^^^^^^^^^^^^^\n\
                    3 | |     value = \"\"\n\
                    4 | | }\n  | |_^\n\
                    5 |   \n";
        assert_eq!(got, want);
    }

    #[test]
    fn column_past_the_end_and_unknown_files() {
        let file = SourceFile::new("a.alloy", "x\n");
        let got = one(&file, Span::at(Pos(2)), "eof");
        assert_eq!(got, "Error: a.alloy:2:1: eof\n\n1 | x\n2 | \n  | \n");
        let diags = Diagnostics(vec![
            Diagnostic::warning(file.position(Pos(0)), "w"),
            Diagnostic::error(file.position(Pos(0)), "e"),
        ]);
        assert_eq!(
            render(&diags, |_| None, false),
            "Warning: a.alloy:1:1: w\n\nError: a.alloy:1:1: e\n"
        );
    }

    #[test]
    fn gutter_widens_with_the_last_line_number() {
        let text = "l\n".repeat(9) + "target\nnext\n";
        let file = SourceFile::new("m", text);
        let got = one(&file, Span::new(Pos(18), Pos(20)), "m");
        assert_eq!(
            got,
            "Error: m:10:1: m\n\n 9 | l\n10 | target\n   | ^^^\n11 | next\n"
        );
    }

    #[test]
    fn colour_only_touches_the_header() {
        let file = SourceFile::new("a", "x");
        let diags = Diagnostics::from(Diagnostic::warning(file.position(Pos(0)), "w"));
        assert_eq!(
            render(&diags, |_| Some(&file), true),
            "\x1b[33;1mWarning: \x1b[0m\x1b[1ma:1:1: w\n\x1b[0m\n1 | x\n  | ^\n"
        );
    }

    #[test]
    fn invalid_utf8_is_one_replacement_per_byte() {
        let chars: Vec<_> = go_chars(b"a\xff\xfeb\xc3\xa9").collect();
        assert_eq!(
            chars,
            vec![
                (0, 'a'),
                (1, '\u{fffd}'),
                (2, '\u{fffd}'),
                (3, 'b'),
                (4, 'é')
            ]
        );
    }
}
