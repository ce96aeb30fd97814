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
