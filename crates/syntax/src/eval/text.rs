//! The text of an expression as Alloy prints it in front of evaluation errors
//! (`"a" should be array, got string`): canonical spacing, literals as written,
//! objects one field per line with tab indentation, as the formatter lays them
//! out.

use crate::ast::Expr;

/// The canonical text of `expr`.
pub fn expr_text(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr, 0);
    out
}

fn write_expr(out: &mut String, expr: &Expr, indent: usize) {
    match expr {
        Expr::Identifier(i) => out.push_str(&i.name),
        Expr::Literal(l) => out.push_str(&l.value),
        Expr::Array(a) => {
            out.push('[');
            for (i, e) in a.elements.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, e, indent);
            }
            out.push(']');
        }
        Expr::Object(o) => {
            if o.fields.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push_str("{\n");
            for f in &o.fields {
                push_indent(out, indent + 1);
                if f.quoted {
                    out.push('"');
                    out.push_str(&f.name.name);
                    out.push('"');
                } else {
                    out.push_str(&f.name.name);
                }
                out.push_str(" = ");
                write_expr(out, &f.value, indent + 1);
                out.push_str(",\n");
            }
            push_indent(out, indent);
            out.push('}');
        }
        Expr::Access(a) => {
            write_expr(out, &a.value, indent);
            out.push('.');
            out.push_str(&a.name.name);
        }
        Expr::Index(i) => {
            write_expr(out, &i.value, indent);
            out.push('[');
            write_expr(out, &i.index, indent);
            out.push(']');
        }
        Expr::Call(c) => {
            write_expr(out, &c.value, indent);
            out.push('(');
            for (i, e) in c.args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, e, indent);
            }
            out.push(')');
        }
        Expr::Unary(u) => {
            out.push_str(u.kind.as_str());
            write_expr(out, &u.value, indent);
        }
        Expr::Binary(b) => {
            write_expr(out, &b.left, indent);
            out.push(' ');
            out.push_str(b.kind.as_str());
            out.push(' ');
            write_expr(out, &b.right, indent);
        }
        Expr::Paren(p) => {
            out.push('(');
            write_expr(out, &p.inner, indent);
            out.push(')');
        }
    }
}

fn push_indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat_n('\t', level));
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
