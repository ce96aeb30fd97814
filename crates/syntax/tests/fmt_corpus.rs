//! `alloy fmt` over every real configuration we have: formatting is
//! idempotent, keeps the meaning (the output parses to the same tree, positions
//! aside, with the same comments), and the converter goldens — text Alloy itself
//! formatted — come out unchanged, byte for byte.

use std::path::Path;
use syntax::SourceFile;
use syntax::ast::{Body, Expr, File, Stmt};
use syntax::pos::Pos;
use syntax::printer::format_file;

/// A named set of files: a folder of the shared data and what to leave out.
struct Set {
    name: &'static str,
    dir: &'static str,
    skip: fn(&str) -> bool,
    /// Whether each file must already be formatted (`fmt(x) == x`).
    fixed_point: bool,
}

const CONVERTER: &str = "internal/converter/";

fn sets() -> Vec<Set> {
    vec![
        Set {
            name: "alloy-scenarios",
            dir: "testdata/alloy/alloy-scenarios",
            // Unbalanced braces upstream too (see the data's README).
            skip: |rel| rel == "routing/config.alloy",
            fixed_point: false,
        },
        Set {
            name: "docs",
            dir: "testdata/alloy/grafana-alloy-docs/parses",
            skip: |_| false,
            fixed_point: false,
        },
        Set {
            name: "alloy-integration",
            dir: "testdata/alloy-integration",
            skip: |_| false,
            fixed_point: false,
        },
        Set {
            name: "grafana-alloy",
            dir: "testdata/alloy/grafana-alloy",
            // The parser's error fixtures are invalid on purpose; the converter
            // goldens are their own set below.
            skip: |rel| {
                rel.starts_with(CONVERTER)
                    || (rel.starts_with("syntax/parser/testdata/")
                        && !rel.starts_with("syntax/parser/testdata/valid/"))
            },
            fixed_point: false,
        },
        Set {
            name: "converter goldens",
            dir: "testdata/alloy/grafana-alloy/internal/converter",
            skip: |_| false,
            fixed_point: true,
        },
    ]
}

fn parse(name: &str, src: &[u8]) -> Option<(File, SourceFile)> {
    let source = SourceFile::new(name, src);
    let (file, diags) = syntax::parser::parse_file(&source);
    (!diags.has_errors()).then_some((file, source))
}

#[test]
fn formatting_the_corpus_is_stable_and_keeps_the_tree() {
    let mut failures = Vec::new();
    for set in sets() {
        let root = testutil::shared(set.dir);
        let (mut formatted, mut unparsed, mut skipped) = (0, Vec::new(), 0);
        for path in testutil::files_with_suffix(&root, ".alloy") {
            let rel = rel_path(&root, &path);
            if (set.skip)(&rel) {
                skipped += 1;
                continue;
            }
            let src = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let Some((file, source)) = parse(&rel, &src) else {
                unparsed.push(rel);
                continue;
            };
            formatted += 1;
            if let Err(why) = check(&file, &source, set.fixed_point) {
                failures.push(format!("{}/{rel}: {why}", set.name));
            }
        }
        println!(
            "{:<18} formatted {formatted}, not parsed {}, skipped {skipped}",
            set.name,
            unparsed.len()
        );
        for rel in &unparsed {
            println!("    does not parse: {rel}");
        }
        assert!(formatted > 0, "{}: no file was formatted", set.name);
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn check(file: &File, source: &SourceFile, fixed_point: bool) -> Result<(), String> {
    let once = format_file(file, source);
    if fixed_point && once.as_bytes() != source.bytes() {
        return Err(format!("not a fixed point; formatted:\n{once}"));
    }
    let (again, again_source) =
        parse("formatted", once.as_bytes()).ok_or("the formatted text does not parse")?;
    if strip_file(&again) != strip_file(file) {
        return Err("the formatted text parses to a different tree".into());
    }
    let twice = format_file(&again, &again_source);
    if twice != once {
        return Err(format!("not idempotent; first:\n{once}\nsecond:\n{twice}"));
    }
    Ok(())
}

fn rel_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The tree with every position cleared, and the comments' texts in order
/// (formatting may regroup comments but must keep each one).
fn strip_file(file: &File) -> (Body, Vec<String>) {
    let mut body = file.body.clone();
    strip_body(&mut body);
    let comments = file
        .comments
        .iter()
        .flatten()
        .map(|c| c.text.clone())
        .collect();
    (body, comments)
}

fn strip_body(body: &mut Body) {
    for stmt in body {
        match stmt {
            Stmt::Attribute(a) => {
                a.name.pos = Pos::NONE;
                strip_expr(&mut a.value);
            }
            Stmt::Block(b) => {
                b.name_pos = Pos::NONE;
                b.label_pos = Pos::NONE;
                b.lcurly = Pos::NONE;
                b.rcurly = Pos::NONE;
                strip_body(&mut b.body);
            }
        }
    }
}

fn strip_expr(e: &mut Expr) {
    match e {
        Expr::Identifier(i) => i.pos = Pos::NONE,
        Expr::Literal(l) => l.pos = Pos::NONE,
        Expr::Array(a) => {
            a.lbrack = Pos::NONE;
            a.rbrack = Pos::NONE;
            a.elements.iter_mut().for_each(strip_expr);
        }
        Expr::Object(o) => {
            o.lcurly = Pos::NONE;
            o.rcurly = Pos::NONE;
            for f in &mut o.fields {
                f.name.pos = Pos::NONE;
                strip_expr(&mut f.value);
            }
        }
        Expr::Access(a) => {
            a.name.pos = Pos::NONE;
            strip_expr(&mut a.value);
        }
        Expr::Index(i) => {
            i.lbrack = Pos::NONE;
            i.rbrack = Pos::NONE;
            strip_expr(&mut i.value);
            strip_expr(&mut i.index);
        }
        Expr::Call(c) => {
            c.lparen = Pos::NONE;
            c.rparen = Pos::NONE;
            strip_expr(&mut c.value);
            c.args.iter_mut().for_each(strip_expr);
        }
        Expr::Unary(u) => {
            u.kind_pos = Pos::NONE;
            strip_expr(&mut u.value);
        }
        Expr::Binary(b) => {
            b.kind_pos = Pos::NONE;
            strip_expr(&mut b.left);
            strip_expr(&mut b.right);
        }
        Expr::Paren(p) => {
            p.lparen = Pos::NONE;
            p.rparen = Pos::NONE;
            strip_expr(&mut p.inner);
        }
    }
}
