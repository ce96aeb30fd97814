//! Property and fuzz tests over the whole language pipeline: scanner, parser,
//! evaluator and printer must never panic, hang or overflow the stack, whatever
//! the input; valid input must survive formatting unchanged in meaning.
//!
//! Runs a bounded number of cases (`FERROALLOY_FUZZ_CASES`, default 2000 per
//! property) so the test command stays quick.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use syntax::ast::{Expr, Stmt};
use syntax::eval::{Scope, eval_expr};
use syntax::parser::{MAX_DEPTH, parse};
use syntax::printer::format_source;

fn cases() -> u32 {
    std::env::var("FERROALLOY_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

/// Runs `f` on a thread with a 2 MiB stack, as test threads and many worker
/// threads have, so a stack overflow shows up here rather than in production.
fn on_small_stack<F: FnOnce() + Send + 'static>(f: F) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the pipeline panicked or overflowed its stack");
}

/// Everything the pipeline does with one input: parse; if it parses, evaluate every
/// attribute and check that formatting is stable and keeps the tree.
fn exercise(src: &[u8]) {
    let (file, diags) = parse("fuzz.alloy", src);
    if !diags.is_empty() {
        assert!(format_source("fuzz.alloy", src).is_err());
        return;
    }
    let scope = Scope::new();
    visit_attributes(&file.body, &mut |e| {
        let _ = eval_expr(e, &scope);
    });
    let formatted = format_source("fuzz.alloy", src).expect("valid input formats");
    let (reparsed, diags) = parse("fuzz.alloy", formatted.as_bytes());
    assert!(
        diags.is_empty(),
        "formatted text does not parse: {diags}\n--- input\n{}\n--- formatted\n{formatted}",
        String::from_utf8_lossy(src)
    );
    assert_eq!(
        shape(&reparsed.body),
        shape(&file.body),
        "formatting changed the tree\n--- input\n{}\n--- formatted\n{formatted}",
        String::from_utf8_lossy(src)
    );
    let again = format_source("fuzz.alloy", formatted.as_bytes()).expect("formats again");
    assert_eq!(again, formatted, "formatting is not idempotent");
}

fn visit_attributes(body: &[Stmt], f: &mut dyn FnMut(&Expr)) {
    for stmt in body {
        match stmt {
            Stmt::Attribute(a) => f(&a.value),
            Stmt::Block(b) => visit_attributes(&b.body, f),
        }
    }
}

/// The tree without positions: the printer may move things, never change them.
fn shape(body: &[Stmt]) -> String {
    let mut body = body.to_vec();
    strip_positions(&mut body);
    format!("{body:?}")
}

fn strip_positions(body: &mut [Stmt]) {
    use syntax::Pos;
    fn expr(e: &mut Expr) {
        match e {
            Expr::Identifier(i) => i.pos = Pos::NONE,
            Expr::Literal(l) => l.pos = Pos::NONE,
            Expr::Array(a) => {
                (a.lbrack, a.rbrack) = (Pos::NONE, Pos::NONE);
                a.elements.iter_mut().for_each(expr);
            }
            Expr::Object(o) => {
                (o.lcurly, o.rcurly) = (Pos::NONE, Pos::NONE);
                for f in &mut o.fields {
                    f.name.pos = Pos::NONE;
                    expr(&mut f.value);
                }
            }
            Expr::Access(a) => {
                a.name.pos = Pos::NONE;
                expr(&mut a.value);
            }
            Expr::Index(i) => {
                (i.lbrack, i.rbrack) = (Pos::NONE, Pos::NONE);
                expr(&mut i.value);
                expr(&mut i.index);
            }
            Expr::Call(c) => {
                (c.lparen, c.rparen) = (Pos::NONE, Pos::NONE);
                expr(&mut c.value);
                c.args.iter_mut().for_each(expr);
            }
            Expr::Unary(u) => {
                u.kind_pos = Pos::NONE;
                expr(&mut u.value);
            }
            Expr::Binary(b) => {
                b.kind_pos = Pos::NONE;
                expr(&mut b.left);
                expr(&mut b.right);
            }
            Expr::Paren(p) => {
                (p.lparen, p.rparen) = (Pos::NONE, Pos::NONE);
                expr(&mut p.inner);
            }
        }
    }
    for stmt in body {
        match stmt {
            Stmt::Attribute(a) => {
                a.name.pos = Pos::NONE;
                expr(&mut a.value);
            }
            Stmt::Block(b) => {
                (b.name_pos, b.label_pos, b.lcurly, b.rcurly) =
                    (Pos::NONE, Pos::NONE, Pos::NONE, Pos::NONE);
                strip_positions(&mut b.body);
            }
        }
    }
}

/// Fragments of Alloy text: random sequences of them reach far more of the
/// grammar than random bytes do.
const FRAGMENTS: &[&str] = &[
    "a",
    "b_1",
    "sys",
    ".",
    "env",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
    "&&",
    "||",
    "!",
    "\n",
    " ",
    "\t",
    "0",
    "010",
    "08",
    "1.5",
    ".5",
    "1e3",
    "1e",
    "\"s\"",
    "\"\\n\\x41\\u00e9\"",
    "\"\\q\"",
    "`raw\nstring`",
    "true",
    "false",
    "null",
    "// c\n",
    "/* c */",
    "/* c\n */",
    "\"",
    "'",
    "#",
    "|",
    "&",
    "é",
    "\u{feff}",
    "\0",
    "\r\n",
    "blk \"l\" {\n",
    "}\n",
    "x = ",
    "string.format",
    "coalesce",
];

fn fragment_text() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40)
        .prop_map(|parts| parts.concat().into_bytes())
}

/// Random well-formed expressions, as text.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (0i64..1000).prop_map(|n| n.to_string()),
        (0.0f64..1e6).prop_map(|f| format!("{f:?}")),
        "[a-z]{0,6}".prop_map(|s| format!("{s:?}")),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("sys.env(\"HOME\")".to_string()),
        Just("constants.os".to_string()),
        Just("undefined_name".to_string()),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        let op = prop::sample::select(
            &[
                "+", "-", "*", "/", "%", "^", "==", "!=", "<", ">=", "&&", "||",
            ][..],
        );
        prop_oneof![
            (inner.clone(), op, inner.clone()).prop_map(|(l, o, r)| format!("{l} {o} {r}")),
            inner.clone().prop_map(|e| format!("({e})")),
            inner.clone().prop_map(|e| format!("-{e}")),
            inner.clone().prop_map(|e| format!("!{e}")),
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|es| format!("[{}]", es.join(", "))),
            prop::collection::vec(inner.clone(), 0..4).prop_map(|es| {
                let fields: Vec<String> = es
                    .iter()
                    .enumerate()
                    .map(|(i, e)| format!("k{i} = {e}"))
                    .collect();
                format!("{{{}}}", fields.join(", "))
            }),
            (inner.clone(), 0usize..3).prop_map(|(e, i)| format!("[{e}, 1, 2][{i}]")),
            prop::collection::vec(inner.clone(), 1..4)
                .prop_map(|es| format!("coalesce({})", es.join(", "))),
            inner.prop_map(|e| format!("{{k = {e}}}.k")),
        ]
    })
}

/// Runs `test` over the cases of the strategy `make` builds (built on the test's
/// own thread: strategies are not `Send`).
fn run<S: Strategy>(
    make: impl FnOnce() -> S + Send + 'static,
    test: impl Fn(S::Value) + Send + 'static,
) {
    on_small_stack(move || {
        let strategy = make();
        let mut runner = TestRunner::new(Config {
            cases: cases(),
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&strategy, |v| {
                test(v);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
    });
}

#[test]
fn random_bytes_never_panic() {
    run(
        || prop::collection::vec(any::<u8>(), 0..200),
        |bytes| exercise(&bytes),
    );
}

#[test]
fn random_token_soup_never_panics() {
    run(fragment_text, |src| exercise(&src));
}

#[test]
fn random_expressions_evaluate_and_format_stably() {
    run(expression, |e| {
        let src = format!("attr = {e}\n\nblock \"label\" {{\n\tinner = {e}\n}}\n");
        let (_, diags) = parse("gen.alloy", src.as_bytes());
        assert!(
            diags.is_empty(),
            "generated text should parse: {diags}\n{src}"
        );
        exercise(src.as_bytes());
    });
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    const N: usize = 10_000;
    let inputs = [
        format!("a = {}{}", "[".repeat(N), "]".repeat(N)),
        format!("a = {}1{}", "(".repeat(N), ")".repeat(N)),
        format!("a = {}{}", "{x = ".repeat(N), "}".repeat(N)),
        format!("a = {}1", "-".repeat(N)),
        format!("a = {}true", "!".repeat(N)),
        format!("{}{}", "b {\n".repeat(N), "}\n".repeat(N)),
        format!("a = f{}", "(".repeat(N)),
        "[".repeat(N),
    ];
    for src in inputs {
        on_small_stack(move || {
            let (_, diags) = parse("deep.alloy", src.as_bytes());
            assert!(
                !diags.is_empty(),
                "10,000 levels of nesting must be refused"
            );
            assert!(format_source("deep.alloy", src.as_bytes()).is_err());
        });
    }
}

#[test]
fn nesting_at_the_limit_goes_through_the_whole_pipeline() {
    // The deepest tree the parser accepts must be printable and evaluable on a
    // small stack: that is what the limit is for.
    let depth = MAX_DEPTH as usize - 2;
    let src = format!("a = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    on_small_stack(move || {
        let (_, diags) = parse("limit.alloy", src.as_bytes());
        assert!(diags.is_empty(), "{diags}");
        exercise(src.as_bytes());
    });
}

#[test]
fn generated_megabyte_config_survives_the_pipeline() {
    let src = testutil::alloy_gen::config(1 << 20);
    on_small_stack(move || exercise(src.as_bytes()));
}
