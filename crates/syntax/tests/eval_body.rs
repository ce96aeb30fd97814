//! `eval_body`: every attribute evaluated, nested blocks kept as blocks with
//! their labels and spans, and every failing attribute reported.

mod eval_support;

use eval_support::render;
use syntax::eval::{self, Scope};
use syntax::evaluated::{Entry, EvaluatedBody};
use syntax::{SourceFile, parser};

const CONFIG: &str = r#"top = 1 + 2
block "lbl" {
  inner = string.to_upper("x")
  nested {
    deep = [1, 2][1]
  }
}
plain {}
"#;

fn describe(body: &EvaluatedBody, out: &mut Vec<String>) {
    for e in &body.entries {
        match e {
            Entry::Attribute(a) => out.push(format!("{} = {}", a.name, render(&a.value))),
            Entry::Block(b) => {
                out.push(format!("block {} {:?} {{", b.name, b.label));
                describe(&b.body, out);
                out.push("}".into());
            }
        }
    }
}

#[test]
fn evaluates_attributes_and_nested_blocks() {
    let src = SourceFile::new("main.alloy", CONFIG.as_bytes());
    let (file, diags) = parser::parse_file(&src);
    assert!(diags.is_empty(), "{diags}");
    let body = eval::eval_body(&file.body, &Scope::new()).expect("body evaluates");
    let mut lines = Vec::new();
    describe(&body, &mut lines);
    assert_eq!(
        lines,
        [
            "top = int 3",
            "block block \"lbl\" {",
            "inner = \"X\"",
            "block nested \"\" {",
            "deep = int 2",
            "}",
            "}",
            "block plain \"\" {",
            "}",
        ]
    );
    let Entry::Attribute(top) = &body.entries[0] else {
        panic!()
    };
    let (start, end) = (src.position(top.span.start), src.position(top.span.end));
    assert_eq!(
        (start.line, start.column, end.line, end.column),
        (1, 1, 1, 11)
    );
    assert_eq!(eval::expr_text(&top.expr), "1 + 2");
    let Entry::Block(b) = &body.entries[1] else {
        panic!()
    };
    let end = src.position(b.span.end);
    assert_eq!((end.line, end.column), (7, 1));
}

#[test]
fn reports_every_failing_attribute() {
    let text = "a = nope\nb = 1\nc { d = 1 / 0 }\ne = \"x\" + 1\n";
    let src = SourceFile::new("main.alloy", text.as_bytes());
    let (file, diags) = parser::parse_file(&src);
    assert!(diags.is_empty(), "{diags}");
    let errors = eval::eval_body(&file.body, &Scope::new()).expect_err("errors expected");
    let shown: Vec<String> = errors
        .iter()
        .map(|e| e.to_diagnostic(&src).to_string())
        .collect();
    assert_eq!(
        shown,
        [
            "main.alloy:1:5: identifier \"nope\" does not exist",
            "main.alloy:3:13: 0 divide by zero error",
            "main.alloy:4:11: 1 should be string, got number",
        ]
    );
}
