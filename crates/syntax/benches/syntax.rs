//! Throughput of the language pipeline: scan+parse, evaluate and format, on a
//! generated configuration of about 1 MB and on the documentation examples.
//! Goals: at least 50 MB/s parsing and 20 MB/s formatting in a release build.
//!
//! Run with `cargo bench -p ferroalloy-syntax --bench syntax`.

use std::time::{Duration, Instant};
use syntax::ast::Stmt;
use syntax::eval::{Scope, eval_body};
use syntax::{SourceFile, parser, printer};

const PARSE_GOAL_MB_S: f64 = 50.0;
const FORMAT_GOAL_MB_S: f64 = 20.0;

/// The best of several runs of `f`, as MB/s over `bytes`.
fn throughput(bytes: usize, mut f: impl FnMut()) -> f64 {
    let runs = (200 << 20) / bytes.max(1);
    let mut best = Duration::MAX;
    for _ in 0..runs.clamp(3, 50) {
        let start = Instant::now();
        f();
        best = best.min(start.elapsed());
    }
    bytes as f64 / 1e6 / best.as_secs_f64()
}

/// Measures `src`; `evaluate` only where every expression can evaluate without
/// components in scope (the documentation examples reference components).
fn measure(name: &str, src: &[u8], evaluate: bool) {
    let file = SourceFile::new("bench.alloy", src);
    let (tree, diags) = parser::parse_file(&file);
    assert!(diags.is_empty(), "{name}: {diags}");
    let mb = src.len() as f64 / 1e6;

    let parse = throughput(src.len(), || {
        std::hint::black_box(parser::parse_file(&file));
    });

    let scope = Scope::new();
    let eval = evaluate.then(|| {
        throughput(src.len(), || {
            for stmt in &tree.body {
                if let Stmt::Block(b) = stmt {
                    let body = eval_body(&b.body, &scope);
                    assert!(body.is_ok(), "{name}: {:?}", body.err());
                    std::hint::black_box(body.ok());
                }
            }
        })
    });

    let format = throughput(src.len(), || {
        std::hint::black_box(printer::format_file(&tree, &file));
    });

    let eval = eval.map_or(String::new(), |e| format!(", evaluate {e:.0} MB/s"));
    println!("{name} ({mb:.2} MB): parse {parse:.0} MB/s{eval}, format {format:.0} MB/s");
    assert!(
        parse >= PARSE_GOAL_MB_S,
        "{name}: parsing at {parse:.0} MB/s is below the goal of {PARSE_GOAL_MB_S} MB/s"
    );
    assert!(
        format >= FORMAT_GOAL_MB_S,
        "{name}: formatting at {format:.0} MB/s is below the goal of {FORMAT_GOAL_MB_S} MB/s"
    );
}

fn main() {
    measure(
        "generated config",
        testutil::alloy_gen::config(1 << 20).as_bytes(),
        true,
    );

    // Real documentation examples, concatenated.
    let mut docs = Vec::new();
    for f in testutil::files_with_suffix(
        &testutil::shared("testdata/alloy/grafana-alloy-docs/parses"),
        ".alloy",
    ) {
        docs.extend(std::fs::read(&f).expect("readable example"));
        docs.push(b'\n');
    }
    measure("docs examples", &docs, false);
}
