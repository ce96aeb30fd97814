//! Formats Alloy syntax as `alloy fmt` does, byte for byte.
//!
//! Like Alloy's Go printer, this is a pipeline: the [`walker`] walks the tree
//! and hands tokens and whitespace intents to the [`emitter`], which weaves in
//! the comments and indents; the [`tabwriter`] aligns `=` signs and trailing
//! comments of consecutive lines (elastic tabstops); the [`trimmer`] drops
//! trailing whitespace and the escape markers that kept comments opaque.

mod emitter;
mod tabwriter;
mod trimmer;
mod walker;

use crate::ast::{Comment, Expr, File};
use crate::diag::Diagnostics;
use crate::parser;
use crate::pos::SourceFile;
use emitter::Emitter;
use walker::Walker;

/// The formatted text of `file` exactly as `alloy fmt` writes it, ending with
/// one newline. `source` is the text `file` was parsed from: its line breaks
/// decide the layout.
pub fn format_file(file: &File, source: &SourceFile) -> String {
    let mut text = render(source, &file.comments, |w| w.stmts(&file.body));
    text.push('\n');
    text
}

/// Parses `src` (named `name` in messages) and formats it as [`format_file`]
/// does; fails with the parse diagnostics, as `alloy fmt` refuses to format
/// a file that does not parse.
pub fn format_source(name: &str, src: &[u8]) -> Result<String, Diagnostics> {
    let source = SourceFile::new(name, src);
    let (file, diags) = parser::parse_file(&source);
    if !diags.is_empty() {
        return Err(diags);
    }
    Ok(format_file(&file, &source))
}

/// One expression formatted on its own (no final newline). Comments are not
/// part of an expression and are left out.
pub fn format_expr(expr: &Expr, source: &SourceFile) -> String {
    render(source, &[], |w| w.expr(expr))
}

fn render(
    source: &SourceFile,
    comments: &[Vec<Comment>],
    walk: impl FnOnce(&mut Walker),
) -> String {
    let mut walker = Walker {
        e: Emitter::new(source, comments),
    };
    walk(&mut walker);
    let text = trimmer::trim(&tabwriter::align(&walker.e.finish()));
    // Only the escape markers were not UTF-8, and the trimmer removed them.
    match String::from_utf8(text) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(src: &str) -> String {
        format_source("test.alloy", src.as_bytes()).unwrap_or_else(|d| panic!("{d}"))
    }

    #[test]
    fn spacing_alignment_and_blank_lines() {
        assert_eq!(
            fmt("a=1\nlong_name=2 // x\n\n\n\nb=[1,2]// y\n"),
            "a         = 1\nlong_name = 2 // x\n\nb = [1, 2] // y\n"
        );
        assert_eq!(fmt(""), "\n");
        assert_eq!(fmt("// only\n\n\n"), "// only\n");
    }

    #[test]
    fn block_comments_keep_their_place_on_the_line() {
        assert_eq!(fmt("a = /* c */ 1\n"), "a = /* c */ 1\n");
        assert_eq!(fmt("a = 1 /* c */\nb = 2\n"), "a = 1 /* c */\nb = 2\n");
    }

    #[test]
    fn quoted_keys_and_labels_are_requoted_as_upstream() {
        // Upstream quotes the key's source text again, so its escapes double.
        assert_eq!(
            fmt(r#"x = { "a\"b" = 1, `r` = 2 }"#),
            "x = {\"a\\\\\\\"b\" = 1, \"r\" = 2}\n"
        );
        assert_eq!(fmt("b \"\" {\n}\n"), "b { }\n");
    }

    #[test]
    fn calls_keep_their_line_breaks() {
        assert_eq!(fmt("x = f(1,\n2)\n"), "x = f(1,\n\t2)\n");
        assert_eq!(fmt("x = f(\n1)\n"), "x = f(\n\t1)\n");
    }

    #[test]
    fn expressions_format_alone() {
        let src = SourceFile::new("e", "1+2*foo.bar[0]-(x)");
        let expr = parser::parse_expression(&src).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(format_expr(&expr, &src), "1 + 2 * foo.bar[0] - (x)");
    }

    #[test]
    fn syntax_errors_are_returned() {
        let err = format_source("bad.alloy", b"a = \n").unwrap_err();
        assert!(err.to_string().starts_with("bad.alloy:2:1: "), "{err}");
    }

    /// Inputs nested as deep as the parser allows format on a 2 MiB stack.
    #[test]
    fn deepest_nesting_fits_a_small_stack() {
        let shapes: [fn(usize) -> String; 6] = [
            |d| format!("a = {}1{}\n", "[\n".repeat(d), ",\n]".repeat(d)),
            |d| format!("a = {}1{}\n", "{x = ".repeat(d), "}".repeat(d)),
            |d| format!("a = {}1{}\n", "f(\n".repeat(d), ")".repeat(d)),
            |d| format!("a = {}1\n", "-".repeat(d)),
            |d| format!("a = 1{}\n", " + 1".repeat(d)),
            |d| format!("{}a = 1{}\n", "b {\n".repeat(d), "\n}".repeat(d)),
        ];
        let deepest: Vec<String> = shapes
            .iter()
            .map(|shape| {
                (1..=parser::MAX_DEPTH as usize)
                    .rev()
                    .map(shape)
                    .find(|src| parser::parse("deep", src.as_bytes()).1.is_empty())
                    .expect("some depth parses")
            })
            .collect();
        let handle = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                for src in &deepest {
                    let once = fmt(src);
                    assert_eq!(fmt(&once), once);
                }
            })
            .expect("spawn");
        assert!(handle.join().is_ok());
    }
}
