//! From Alloy text to argument structs through the parser and the evaluator,
//! and to validation errors through the schema-driven typecheck, including the
//! errors of Alloy's validator golden `invalid_types`.

use indexmap::IndexMap;
use std::any::Any;
use syntax::ast::Stmt;
use syntax::decode::{
    self, Block, BlockEnum, CapsuleOf, CapsuleType, Codec, GoDuration, Schema, ValueError,
    ValueType, typecheck,
};
use syntax::eval::{Scope, eval_body};
use syntax::evaluated::{Entry, EvaluatedBlock};
use syntax::parser::parse_file;
use syntax::pos::{SourceFile, Span};
use syntax::value::{CapsuleValue, Secret, Value};

/// The top-level blocks of `file`, evaluated with `scope`.
fn blocks(file: &SourceFile, scope: &Scope) -> Vec<EvaluatedBlock> {
    let (ast, diags) = parse_file(file);
    assert!(diags.is_empty(), "{diags}");
    let body = eval_body(&ast.body, scope).expect("evaluates");
    body.entries
        .into_iter()
        .filter_map(|e| match e {
            Entry::Block(b) => Some(b),
            Entry::Attribute(_) => None,
        })
        .collect()
}

/// Decodes a component block's arguments; errors as `file:line:col: message`.
fn arguments<T: Block>(file: &SourceFile, block: &EvaluatedBlock) -> Result<T, Vec<String>> {
    T::decode_body(&block.body, block.span).map_err(|e| {
        decode::diagnostics(&e, file)
            .iter()
            .map(ToString::to_string)
            .collect()
    })
}

#[derive(Clone, Debug, PartialEq)]
struct LogsReceiver(&'static str);

impl CapsuleValue for LogsReceiver {
    fn capsule_type(&self) -> &'static str {
        "loki.LogsReceiver"
    }
    fn capsule_eq(&self, other: &dyn CapsuleValue) -> bool {
        other.as_any().downcast_ref::<LogsReceiver>() == Some(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl CapsuleType for LogsReceiver {
    const NAME: &'static str = "loki.LogsReceiver";
}

/// The arguments of `loki.source.file`, enough for the golden.
#[derive(Debug, Default, Block)]
struct SourceFileArgs {
    #[alloy(attr)]
    targets: Vec<IndexMap<String, String>>,
    #[alloy(attr)]
    forward_to: Vec<CapsuleOf<LogsReceiver>>,
    #[alloy(attr, optional)]
    encoding: String,
}

/// A text-unmarshalled enum, as `otelcol.auth.headers`' `action`.
#[derive(Debug, Default, PartialEq)]
enum Action {
    #[default]
    Upsert,
    Insert,
}

impl Codec for Action {
    fn value_type() -> ValueType {
        ValueType::Text("action")
    }
    fn decode(value: &Value) -> Result<Self, ValueError> {
        match String::decode(value)?.as_str() {
            "upsert" => Ok(Action::Upsert),
            "insert" => Ok(Action::Insert),
            other => Err(ValueError::message(format!("unknown action {other}"))),
        }
    }
    fn encode(&self) -> Value {
        Value::string(match self {
            Action::Upsert => "upsert",
            Action::Insert => "insert",
        })
    }
}

#[derive(Debug, Default, Block)]
struct Header {
    #[alloy(attr)]
    key: String,
    #[alloy(attr, optional)]
    action: Action,
}

#[derive(Debug, Default, Block)]
struct HeadersArgs {
    #[alloy(block, name = "header")]
    headers: Vec<Header>,
}

/// The `main.alloy` section of a txtar archive.
fn txtar_section<'a>(archive: &'a str, name: &str) -> &'a str {
    let marker = format!("-- {name} --\n");
    let start = archive.find(&marker).expect("section exists") + marker.len();
    let rest = &archive[start..];
    &rest[..rest.find("\n-- ").map_or(rest.len(), |i| i + 1)]
}

/// Typechecks every top-level block of `src` with the schema `schemas` gives
/// its name; errors as `file:line:col: message`.
fn validate(file: &SourceFile, schemas: &dyn Fn(&str) -> Schema) -> Vec<String> {
    let (ast, diags) = parse_file(file);
    assert!(diags.is_empty(), "{diags}");
    let mut errors = Vec::new();
    for stmt in &ast.body {
        if let Stmt::Block(b) = stmt {
            let body: Vec<&Stmt> = b.body.iter().collect();
            errors.extend(typecheck(
                &schemas(&b.full_name()),
                &body,
                Span::new(b.name_pos, b.rcurly),
            ));
        }
    }
    decode::diagnostics(&errors, file)
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn golden_schema(name: &str) -> Schema {
    match name {
        "loki.source.file" => SourceFileArgs::schema(),
        "otelcol.auth.headers" => HeadersArgs::schema(),
        other => panic!("no schema for {other}"),
    }
}

#[test]
fn validator_golden_invalid_types() {
    let dir = testutil::shared("testdata/alloy/grafana-alloy/internal/validator/testdata/default");
    let archive = std::fs::read_to_string(dir.join("invalid_types.txtar")).expect("txtar");
    let golden = std::fs::read_to_string(dir.join("invalid_types.diags")).expect("diags");
    let want: Vec<&str> = golden
        .lines()
        .filter_map(|l| l.strip_prefix("Error: "))
        .collect();
    let file = SourceFile::new("main.alloy", txtar_section(&archive, "main.alloy"));

    // Without evaluating (alloy validate) and by decoding evaluated arguments.
    let checked = validate(&file, &golden_schema);
    let blocks = blocks(&file, &Scope::new());
    let mut decoded = arguments::<SourceFileArgs>(&file, &blocks[0]).unwrap_err();
    decoded.extend(arguments::<HeadersArgs>(&file, &blocks[1]).unwrap_err());

    assert_eq!(checked.len(), want.len(), "{checked:#?}");
    assert_eq!(checked[0], want[0]);
    // Alloy's targets are a capsule type with its own conversion message; the
    // element's position is the compatibility fact checked here.
    assert_eq!(checked[1], "main.alloy:3:13: expected object, got number");
    assert!(want[1].starts_with("main.alloy:3:13: "), "{}", want[1]);
    assert_eq!(checked[2], want[2]);
    assert_eq!(checked[3], want[3]);

    // Decoding reports the same places with the expression's text in front,
    // as Alloy's evaluator does.
    assert_eq!(
        decoded,
        [
            r#"main.alloy:2:15: "wrong" should be array, got string"#,
            "main.alloy:3:13: 10 should be object, got number",
            "main.alloy:4:13: true should be string, got bool",
            r#"main.alloy:10:12: "random" unknown action random"#,
        ]
    );
}

#[test]
fn typecheck_reports_structural_errors_without_evaluating() {
    let src = r#"loki.process "a" {
  forward_to = [loki.write.x.receiver]
  forward_to = []
  bogus = 1
  stage.json { }
  stage.nope { }
  stage = 1
  forward_to { }
}
prometheus.remote_write "b" {
  endpoint {
    url = "http://x"
    remote_timeout = "1" + "0s"
    basic_auth { username = "u" }
    basic_auth {
      username = "v"
      password = "p"
    }
  }
  endpoint {
    url = sys.env("URL")
    remote_timeout = 5
  }
}
"#;
    let file = SourceFile::new("main.alloy", src);
    let schemas = |name: &str| match name {
        "loki.process" => ProcessArgs::schema(),
        "prometheus.remote_write" => RemoteWriteArgs::schema(),
        other => panic!("no schema for {other}"),
    };
    assert_eq!(
        validate(&file, &schemas),
        [
            r#"main.alloy:3:3: attribute "forward_to" may only be provided once"#,
            r#"main.alloy:4:3: unrecognized attribute name "bogus""#,
            r#"main.alloy:5:3: missing required attribute "expressions""#,
            r#"main.alloy:6:3: unrecognized block name "stage.nope""#,
            r#"main.alloy:7:3: "stage" must be a block, but is used as an attribute"#,
            r#"main.alloy:8:3: "forward_to" must be an attribute, but is used as a block"#,
            r#"main.alloy:14:5: block "basic_auth" may only be specified once"#,
            r#"main.alloy:15:5: block "basic_auth" may only be specified once"#,
            r#"main.alloy:22:22: time: missing unit in duration "5""#,
        ]
    );
}

#[derive(Debug, Default, Block)]
struct ProcessArgs {
    #[alloy(attr)]
    forward_to: Vec<CapsuleOf<LogsReceiver>>,
    #[alloy(enum, name = "stage")]
    stages: Vec<ProcessStage>,
}

#[derive(Debug, BlockEnum)]
enum ProcessStage {
    Json(JsonStage),
    Labels(LabelsStage),
    Match(MatchStage),
}

#[derive(Debug, Default, Block)]
struct JsonStage {
    #[alloy(attr)]
    expressions: IndexMap<String, String>,
}

#[derive(Debug, Default, Block)]
struct LabelsStage {
    #[alloy(attr)]
    values: IndexMap<String, Option<String>>,
}

#[derive(Debug, Default, Block)]
struct MatchStage {
    #[alloy(attr)]
    selector: String,
    #[alloy(attr, optional)]
    action: String,
    #[alloy(attr, optional)]
    drop_counter_reason: String,
}

#[test]
fn a_loki_process_config_decodes_with_references() {
    let src = r#"
loki.process "default" {
  forward_to = [loki_write.receiver]

  stage.json {
    expressions = { level = "", msg = "message" }
  }
  stage.labels {
    values = { level = null }
  }
  stage.match {
    selector = "{level=\"debug\"}"
    action   = "drop"
  }
}
"#;
    let file = SourceFile::new("config.alloy", src);
    let receiver = Value::Object(
        [("receiver".to_string(), Value::capsule(LogsReceiver("w")))]
            .into_iter()
            .collect(),
    );
    let scope = Scope::with_variables([("loki_write".to_string(), receiver)]);
    let args: ProcessArgs = arguments(&file, &blocks(&file, &scope)[0]).unwrap();
    assert_eq!(args.forward_to, [CapsuleOf(LogsReceiver("w"))]);
    let kinds: Vec<_> = args
        .stages
        .iter()
        .map(|s| match s {
            ProcessStage::Json(j) => format!("json {}", j.expressions.len()),
            ProcessStage::Labels(l) => format!("labels {:?}", l.values["level"]),
            ProcessStage::Match(m) => format!("match {} {}", m.selector, m.action),
        })
        .collect();
    assert_eq!(
        kinds,
        ["json 2", "labels None", r#"match {level="debug"} drop"#]
    );
}

#[derive(Debug, Default, Block)]
struct RemoteWriteArgs {
    #[alloy(block, name = "endpoint")]
    endpoints: Vec<Endpoint>,
}

#[derive(Debug, Block)]
struct Endpoint {
    #[alloy(attr)]
    url: String,
    #[alloy(attr, optional)]
    remote_timeout: GoDuration,
    #[alloy(block, optional)]
    basic_auth: Option<BasicAuth>,
}

impl Default for Endpoint {
    fn default() -> Endpoint {
        Endpoint {
            url: String::new(),
            remote_timeout: GoDuration::from_secs(30),
            basic_auth: None,
        }
    }
}

#[derive(Debug, Default, Block)]
struct BasicAuth {
    #[alloy(attr)]
    username: String,
    #[alloy(attr)]
    password: Secret,
}

#[test]
fn a_remote_write_config_with_errors_reports_them_all() {
    let src = "prometheus.remote_write \"x\" {\n  endpoint {\n    url = \"http://a\"\n    remote_timeout = \"1d\"\n    basic_auth {\n      username = 5\n    }\n  }\n  endpoint {\n    remote_timeout = \"2m\"\n  }\n}\n";
    let file = SourceFile::new("main.alloy", src);
    let errs = arguments::<RemoteWriteArgs>(&file, &blocks(&file, &Scope::new())[0]).unwrap_err();
    assert_eq!(
        errs,
        [
            r#"main.alloy:4:22: "1d" time: unknown unit "d" in duration "1d""#,
            r#"main.alloy:5:5: missing required attribute "password""#,
            r#"main.alloy:9:3: missing required attribute "url""#,
        ]
    );

    let ok = "prometheus.remote_write \"x\" {\n  endpoint {\n    url = \"http://a\"\n    basic_auth {\n      username = 5\n      password = \"p\" + \"w\"\n    }\n  }\n}\n";
    let file = SourceFile::new("main.alloy", ok);
    let args: RemoteWriteArgs = arguments(&file, &blocks(&file, &Scope::new())[0]).unwrap();
    let endpoint = &args.endpoints[0];
    assert_eq!(
        endpoint.remote_timeout.to_string(),
        "30s",
        "block defaults apply"
    );
    let auth = endpoint.basic_auth.as_ref().unwrap();
    assert_eq!(
        (auth.username.as_str(), auth.password.expose()),
        ("5", "pw")
    );
}

#[test]
fn secrets_refuse_to_become_strings_with_the_expression_named() {
    let src = "prometheus.remote_write \"x\" {\n  endpoint {\n    url = \"http://a\"\n    basic_auth {\n      username = creds.password\n      password = creds.password\n    }\n  }\n}\n";
    let file = SourceFile::new("main.alloy", src);
    let creds = Value::Object(
        [("password".to_string(), Value::secret("s3cr3t"))]
            .into_iter()
            .collect(),
    );
    let scope = Scope::with_variables([("creds".to_string(), creds)]);
    let errs = arguments::<RemoteWriteArgs>(&file, &blocks(&file, &scope)[0]).unwrap_err();
    assert_eq!(
        errs,
        ["main.alloy:5:18: creds.password secrets may not be converted into strings"]
    );
}
