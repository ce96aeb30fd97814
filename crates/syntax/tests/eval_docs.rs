//! The examples of Alloy's standard-library reference pages (shared corpus,
//! `grafana-alloy-docs/fragments/reference/stdlib`): each `> expression` (or
//! bare expression line) is evaluated and compared with the result the page
//! shows. The pages print values loosely (quotes optional, any spacing), so
//! both sides are compared without whitespace, double quotes or trailing
//! commas. Examples that need things outside this test (component exports,
//! the host name, `$HOME`) are skipped.

use syntax::eval::{Scope, eval_expr};
use syntax::stability::Stability;
use syntax::value::{Number, Value};
use syntax::{SourceFile, parser};

/// A value in Alloy's literal syntax (byte strings shown as the text they
/// convert to, as the pages show them).
fn alloy_text(v: &Value) -> String {
    if let Some(bytes) = syntax::value::convert::bytes_of(v).filter(|b| !b.is_empty()) {
        return format!("{:?}", String::from_utf8_lossy(&bytes));
    }
    match v {
        Value::Null => "null".into(),
        Value::Number(n) => Number::to_go_string(*n),
        Value::String(s) => format!("{s:?}"),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(alloy_text).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(o) => {
            let parts: Vec<String> = o
                .iter()
                .map(|(k, v)| format!("{k:?} = {}", alloy_text(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => format!("{other:?}"),
    }
}

fn normalize(s: &str) -> String {
    let squeezed: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '"')
        .collect();
    squeezed.replace(",}", "}").replace(",]", "]")
}

/// (expression, expected) pairs of one page.
fn cases(text: &str) -> Vec<(String, String)> {
    let prompted = text.lines().any(|l| l.starts_with("> "));
    let mut out: Vec<(String, String)> = Vec::new();
    let mut open = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim_start().starts_with("//") {
            continue;
        }
        if let Some(expr) = line.strip_prefix("> ") {
            out.push((expr.to_string(), String::new()));
            open = true;
        } else if line.is_empty() {
            open = prompted && open && out.last().is_some_and(|c| c.1.is_empty());
        } else if open {
            if let Some(last) = out.last_mut() {
                last.1.push_str(line);
            }
        } else if !prompted {
            out.push((line.to_string(), String::new()));
            open = true;
        }
    }
    out.retain(|(_, want)| !want.is_empty());
    out
}

#[test]
fn stdlib_reference_examples() {
    let root = testutil::shared("testdata/alloy/grafana-alloy-docs/fragments/reference/stdlib");
    let files = testutil::files_with_suffix(&root, ".alloy");
    assert!(files.len() >= 30, "stdlib pages missing: {}", files.len());
    let scope = Scope::new().with_min_stability(Stability::Experimental);
    let (mut checked, mut failures) = (0, Vec::new());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable page");
        for (expr_text, want) in cases(&text) {
            let machine_specific = ["constants.hostname", "sys.env(\"HOME\")", "TEST_VAR"];
            if machine_specific.iter().any(|m| expr_text.contains(m)) {
                continue;
            }
            let src = SourceFile::new("", expr_text.as_bytes());
            let Ok(expr) = parser::parse_expression(&src) else {
                continue;
            };
            let got = match eval_expr(&expr, &scope) {
                Ok(v) => v,
                // Component exports and the docs' placeholders are not in scope.
                Err(e) if e.message.starts_with("identifier ") => continue,
                Err(e) => {
                    failures.push(format!(
                        "{}: {expr_text}: error {}",
                        path.display(),
                        e.message
                    ));
                    continue;
                }
            };
            checked += 1;
            if normalize(&alloy_text(&got)) != normalize(&want) {
                failures.push(format!(
                    "{}: {expr_text}: got {}, page shows {want}",
                    path.display(),
                    alloy_text(&got)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 35, "only {checked} examples checked");
}
