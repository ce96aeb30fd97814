//! The text of an expression as Alloy prints it in front of evaluation errors
//! (`"a" should be array, got string`).

use crate::ast::Expr;
use crate::pos::SourceFile;
use crate::printer;

/// The canonical text of `expr`, as the formatter prints it. Evaluation has no
/// source text at hand, so the expression is laid out on one line (Alloy keeps
/// the original line breaks of a multi-line literal; such offenders are rare).
pub fn expr_text(expr: &Expr) -> String {
    printer::format_expr(expr, &SourceFile::new("", Vec::new()))
}

/// The dotted name of an access chain that starts at an identifier
/// (`array.combine_maps`), or `None` when the chain is cut by anything else.
pub fn traversal_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Identifier(i) => Some(i.name.clone()),
        Expr::Access(a) => traversal_name(&a.value).map(|base| format!("{base}.{}", a.name.name)),
        _ => None,
    }
}
