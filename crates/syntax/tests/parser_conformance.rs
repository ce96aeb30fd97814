//! The parser against Alloy's own parser test data, the derived edge cases with
//! the upstream parser's recorded results, and every configuration of the
//! shared test material.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use syntax::ast::{Expr, Stmt};
use syntax::diag::Diagnostics;
use syntax::parser::{MAX_DEPTH, parse};
use syntax::scanner::{Scanner, unquote};
use syntax::token::Token;
use testutil::{files_with_suffix, shared};

const PARSER_TESTDATA: &str = "testdata/alloy/grafana-alloy/syntax/parser/testdata";

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse_path(path: &Path) -> Diagnostics {
    parse(&path.display().to_string(), &read(path)).1
}

/// `line:col: message` of a diagnostic, as the shared index files write them.
fn short(d: &syntax::Diagnostic) -> String {
    format!("{}:{}: {}", d.start.line, d.start.column, d.message)
}

/// The `.alloy` files directly inside `dir`.
fn alloy_files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "alloy"))
        .collect();
    files.sort();
    files
}

#[test]
fn valid_parser_testdata_has_no_diagnostics() {
    let files = alloy_files_in(&shared(&format!("{PARSER_TESTDATA}/valid")));
    assert_eq!(files.len(), 5);
    for f in &files {
        let diags = parse_path(f);
        assert!(diags.is_empty(), "{}: {diags}", f.display());
    }
    println!("parser valid: {}/{}", files.len(), files.len());
}

/// The errors announced by `/* ERROR "rx" */` comments: at the token before
/// the comment, or (with `HERE`) just after it. Keyed by byte offset.
fn expected_errors(src: &[u8]) -> HashMap<usize, String> {
    let annotation = Regex::new(r#"^/\* *ERROR *(HERE)? *"([^"]*)" *\*/$"#).expect("regex");
    let mut expected = HashMap::new();
    let (mut prev, mut here) = (0, 0);
    let mut scanner = Scanner::new(src, true);
    loop {
        let lexeme = scanner.scan();
        match lexeme.tok {
            Token::Eof => return expected,
            Token::Terminator => {}
            Token::Comment => {
                let text = String::from_utf8_lossy(lexeme.lit);
                if let Some(c) = annotation.captures(&text) {
                    let at = if c.get(1).is_some() { here } else { prev };
                    expected.insert(at, c[2].to_string());
                }
            }
            tok => {
                prev = lexeme.pos.offset();
                // As Alloy's harness: literal text for these, the token's name otherwise.
                let len = match tok {
                    Token::Ident | Token::Number | Token::Float | Token::String => lexeme.lit.len(),
                    _ => tok.as_str().len(),
                };
                here = prev + len;
            }
        }
    }
}

/// Compiles a Go (RE2) regexp. Go reads a `{` that starts no repetition as a
/// literal (`expected {, got STRING`), where the `regex` crate refuses it.
fn go_regex(rx: &str) -> Regex {
    let repetition = Regex::new(r"^\{\d+(,\d*)?\}").expect("regex");
    let mut out = String::new();
    let mut escaped = false;
    for (i, c) in rx.char_indices() {
        if c == '{' && !escaped && !repetition.is_match(&rx[i..]) {
            out.push('\\');
        }
        escaped = c == '\\' && !escaped;
        out.push(c);
    }
    Regex::new(&out).unwrap_or_else(|e| panic!("annotation {rx:?}: {e}"))
}

#[test]
fn annotated_error_files_report_exactly_the_annotated_errors() {
    let files = alloy_files_in(&shared(PARSER_TESTDATA));
    assert_eq!(files.len(), 6);
    let mut failures = Vec::new();
    for f in &files {
        let src = read(f);
        let mut expected = expected_errors(&src);
        assert!(!expected.is_empty(), "{}: no annotations", f.display());
        for d in parse_path(f).iter() {
            match expected.remove(&d.start.offset) {
                Some(rx) if go_regex(&rx).is_match(&d.message) => {}
                Some(rx) => failures.push(format!("{d}: does not match {rx:?}")),
                None => failures.push(format!("unexpected error {d}")),
            }
        }
        for (offset, rx) in expected {
            failures.push(format!("{}: offset {offset}: missing {rx:?}", f.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("parser annotated errors: {}/{}", files.len(), files.len());
}

#[test]
fn derived_edge_cases_match_the_upstream_parser() {
    let dir = shared("testdata/alloy/derived/parser-edge-cases");
    let index = String::from_utf8(read(&dir.join("expected.tsv"))).expect("utf-8");
    let mut cases = 0;
    let mut failures = Vec::new();
    for line in index.lines().skip(1).filter(|l| !l.is_empty()) {
        let (name, want) = line.split_once('\t').expect("two columns");
        let diags = parse_path(&dir.join(format!("{name}.alloy")));
        let got = if diags.is_empty() {
            "OK".to_string()
        } else {
            let all: Vec<String> = diags
                .iter()
                .map(|d| format!("FAIL :{}", short(d)))
                .collect();
            all.join(" ")
        };
        if got != want {
            failures.push(format!("{name}:\n  want {want}\n  got  {got}"));
        }
        cases += 1;
    }
    assert_eq!(cases, alloy_files_in(&dir).len(), "every case is indexed");
    println!("parser edge cases: {}/{cases}", cases - failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Parses every file, returning the ones with diagnostics.
fn parse_all(files: &[PathBuf]) -> Vec<String> {
    files
        .iter()
        .filter_map(|f| {
            let diags = parse_path(f);
            (!diags.is_empty()).then(|| format!("{}: {diags}", f.display()))
        })
        .collect()
}

fn assert_all_parse(set: &str, files: &[PathBuf], min: usize) {
    assert!(files.len() >= min, "{set}: only {} files", files.len());
    let failures = parse_all(files);
    println!("{set}: {}/{}", files.len() - failures.len(), files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn scenario_configs_parse() {
    let mut files = files_with_suffix(&shared("testdata/alloy/alloy-scenarios"), ".alloy");
    let routing = files
        .iter()
        .position(|f| f.ends_with("routing/config.alloy"))
        .expect("routing/config.alloy is present");
    let routing = files.remove(routing);
    // Upstream rejects this one: its braces do not balance.
    let diags = parse_path(&routing);
    let first = diags.iter().next().map(short);
    assert_eq!(first.as_deref(), Some("110:2: expected }, got EOF"));
    assert_all_parse("scenarios parses", &files, 68);
}

#[test]
fn docs_examples_parse() {
    let files = files_with_suffix(
        &shared("testdata/alloy/grafana-alloy-docs/parses"),
        ".alloy",
    );
    assert_all_parse("docs parses", &files, 602);
}

#[test]
fn integration_configs_parse() {
    let files = files_with_suffix(&shared("testdata/alloy-integration"), ".alloy");
    assert_all_parse("integration parses", &files, 1);
}

#[test]
fn repository_configs_and_converter_goldens_parse() {
    let invalid_fixtures = alloy_files_in(&shared(PARSER_TESTDATA));
    let files: Vec<PathBuf> = files_with_suffix(&shared("testdata/alloy/grafana-alloy"), ".alloy")
        .into_iter()
        .filter(|f| !invalid_fixtures.contains(f))
        .collect();
    let converter = files
        .iter()
        .filter(|f| f.to_string_lossy().contains("/converter/"))
        .count();
    assert!(converter >= 100, "only {converter} converter goldens");
    println!("of which converter goldens: {converter}");
    assert_all_parse("grafana-alloy parses", &files, 200);
}

#[test]
fn docs_fragments_are_rejected_like_upstream() {
    let root = shared("testdata/alloy/grafana-alloy-docs");
    let index = String::from_utf8(read(&root.join("fragments_index.tsv"))).expect("utf-8");
    let want: HashMap<&str, &str> = index
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once('\t'))
        .collect();
    let files = files_with_suffix(&root.join("fragments"), "");
    assert!(files.len() >= 300, "only {} fragments", files.len());
    let (mut compared, mut agree) = (0, 0);
    let mut mismatches = Vec::new();
    for f in &files {
        let diags = parse_path(f);
        assert!(
            !diags.is_empty(),
            "{} parses, upstream rejects it",
            f.display()
        );
        let rel = f
            .strip_prefix(&root)
            .expect("under root")
            .to_string_lossy()
            .to_string();
        let Some(&expected) = want.get(rel.as_str()) else {
            continue;
        };
        compared += 1;
        let first = short(diags.iter().next().expect("a diagnostic"));
        if first == expected {
            agree += 1;
        } else {
            mismatches.push(format!("{rel}:\n  want {expected}\n  got  {first}"));
        }
    }
    println!("docs fragments rejected: {}/{}", files.len(), files.len());
    println!("docs fragments first diagnostic agrees: {agree}/{compared}");
    assert!(compared >= 300, "only {compared} fragments indexed");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn go_fuzz_corpus_parses_without_panic() {
    let files = files_with_suffix(&shared(&format!("{PARSER_TESTDATA}/fuzz/FuzzParser")), "");
    assert!(!files.is_empty());
    for f in &files {
        let text = String::from_utf8(read(f)).expect("utf-8");
        let literal = text
            .lines()
            .find_map(|l| l.strip_prefix("[]byte(")?.strip_suffix(')'))
            .unwrap_or_else(|| panic!("{}: no []byte literal", f.display()));
        let input = unquote(literal).expect("a Go string literal");
        let (_, diags) = parse("fuzz.alloy", &input);
        // Every seed in this corpus is malformed.
        assert!(!diags.is_empty(), "{}", f.display());
    }
    println!("fuzz corpus: {}/{}", files.len(), files.len());
}

/// The number of nodes on the longest path from the top of the file to a leaf.
fn tree_depth(body: &[Stmt]) -> usize {
    fn expr(e: &Expr) -> usize {
        1 + match e {
            Expr::Identifier(_) | Expr::Literal(_) => 0,
            Expr::Array(a) => a.elements.iter().map(expr).max().unwrap_or(0),
            Expr::Object(o) => o.fields.iter().map(|f| expr(&f.value)).max().unwrap_or(0),
            Expr::Access(a) => expr(&a.value),
            Expr::Index(i) => expr(&i.value).max(expr(&i.index)),
            Expr::Call(c) => c.args.iter().map(expr).fold(expr(&c.value), usize::max),
            Expr::Unary(u) => expr(&u.value),
            Expr::Binary(b) => expr(&b.left).max(expr(&b.right)),
            Expr::Paren(p) => expr(&p.inner),
        }
    }
    body.iter()
        .map(|s| match s {
            Stmt::Attribute(a) => 1 + expr(&a.value),
            Stmt::Block(b) => 1 + tree_depth(&b.body),
        })
        .max()
        .unwrap_or(0)
}

/// Parses `src` on a thread with a 2 MiB stack, as a debug build's worker
/// thread has, measuring and dropping the tree there too; returns the messages
/// and the depth of the tree.
fn parse_on_small_stack(src: String) -> (Vec<String>, usize) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let (file, diags) = parse("deep.alloy", src.as_bytes());
            let depth = tree_depth(&file.body);
            drop(file);
            (diags.iter().map(|d| d.to_string()).collect(), depth)
        })
        .expect("thread")
        .join()
        .expect("no stack overflow")
}

/// `n` parentheses, each holding the next one followed by `suffix`:
/// `((a suffix) suffix)`. Without a limit on chains the tree would be about
/// `n * len(suffix)` deep while the parser only recursed `n` deep.
fn nested_chains(n: usize, suffix: &str) -> String {
    let mut src = String::from("a = ");
    src.push_str(&"(".repeat(n));
    src.push('a');
    for _ in 0..n {
        src.push_str(suffix);
        src.push(')');
    }
    src.push('\n');
    src
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    const N: usize = 10_000;
    let limit = MAX_DEPTH as usize;
    let too_deep = format!("nesting is too deep (the limit is {MAX_DEPTH} levels)");
    let cases = [
        (
            "brackets",
            format!("a = {}{}\n", "[".repeat(N), "]".repeat(N)),
        ),
        (
            "parens",
            format!("a = {}1{}\n", "(".repeat(N), ")".repeat(N)),
        ),
        (
            "objects",
            format!("a = {}1{}\n", "{a=".repeat(N), "}".repeat(N)),
        ),
        ("minus", format!("a = {}1\n", "-".repeat(N))),
        ("not", format!("a = {}true\n", "!".repeat(N))),
        (
            "blocks",
            format!("{}{}\n", "b {\n".repeat(N), "}\n".repeat(N)),
        ),
        (
            "block values",
            format!("a = b {}{}\n", "{\n c = d ".repeat(N), "}\n".repeat(N)),
        ),
        (
            "calls",
            format!("a = {}1{}\n", "f(".repeat(N), ")".repeat(N)),
        ),
        ("indexes", format!("a = b{}\n", "[0]".repeat(N))),
        ("accesses", format!("a = b{}\n", ".c".repeat(N))),
        ("sums", format!("a = 1{}\n", " + 1".repeat(N))),
        ("powers", format!("a = 2{}\n", " ^ 2".repeat(N))),
        (
            "mixed",
            format!("a = {}1{}\n", "[-(".repeat(N), ")]".repeat(N)),
        ),
        ("nested sums", nested_chains(150, &" + a".repeat(150))),
        ("nested accesses", nested_chains(150, &".b".repeat(150))),
        ("nested calls", nested_chains(150, &"()".repeat(150))),
    ];
    for (name, src) in cases {
        let (messages, depth) = parse_on_small_stack(src);
        assert!(
            messages.iter().any(|m| m.ends_with(&too_deep)),
            "{name}: {messages:?}"
        );
        assert!(depth <= limit + 2, "{name}: tree {depth} deep");
    }
    // Nesting below the limit is fine.
    let n = limit / 2;
    let ok = format!(
        "a = {}1{}\nb = 1{}\n",
        "[".repeat(n),
        "]".repeat(n),
        " + 1".repeat(n)
    );
    let (messages, depth) = parse_on_small_stack(ok);
    assert_eq!(messages, Vec::<String>::new());
    assert!(depth > n);
}
