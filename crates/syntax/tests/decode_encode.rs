//! Encoding arguments back (exports, the UI) and the schemas that `validate`
//! and the UI read.

mod decode_support;

use decode_support::*;
use indexmap::IndexMap;
use syntax::decode::{
    Block, BlockEnum, ByteSize, Codec, EncodedBody, EncodedEntry, FieldKind, GoDuration, Occurs,
    ValueType,
};
use syntax::evaluated::{Entry, EvaluatedBody};
use syntax::value::{Secret, Value};

#[derive(Debug, Clone, PartialEq, Default, Block)]
struct Args {
    #[alloy(attr)]
    url: String,
    #[alloy(attr, optional)]
    timeout: GoDuration,
    #[alloy(attr, optional)]
    limit: ByteSize,
    #[alloy(attr, optional)]
    password: Secret,
    #[alloy(attr, optional)]
    labels: IndexMap<String, String>,
    #[alloy(attr, optional)]
    note: Option<String>,
    #[alloy(block, optional, name = "rule")]
    rules: Vec<Rule>,
    #[alloy(block, optional)]
    basic_auth: Option<BasicAuth>,
    #[alloy(enum, optional, name = "stage")]
    stages: Vec<Stage>,
}

#[derive(Debug, Clone, PartialEq, Default, Block)]
struct Rule {
    #[alloy(label)]
    name: String,
    #[alloy(attr)]
    action: String,
    #[alloy(attr, optional)]
    sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Block)]
struct BasicAuth {
    #[alloy(attr)]
    username: String,
}

#[derive(Debug, Clone, PartialEq, BlockEnum)]
enum Stage {
    Json(Json),
    StaticLabels(Json),
}

#[derive(Debug, Clone, PartialEq, Default, Block)]
struct Json {
    #[alloy(attr, optional)]
    source: String,
}

fn sample() -> Args {
    Args {
        url: "http://x".into(),
        timeout: GoDuration::from_secs(90),
        limit: ByteSize(4 << 20),
        password: Secret::new("hunter2"),
        labels: [("a".to_string(), "1".to_string())].into_iter().collect(),
        note: None,
        rules: vec![
            Rule {
                name: "r1".into(),
                action: "keep".into(),
                sources: vec!["a".into(), "b".into()],
            },
            Rule {
                name: "r2".into(),
                action: "drop".into(),
                sources: vec![],
            },
        ],
        basic_auth: Some(BasicAuth {
            username: "u".into(),
        }),
        stages: vec![
            Stage::StaticLabels(Json { source: "s".into() }),
            Stage::Json(Json { source: "j".into() }),
        ],
    }
}

/// An encoded body as the evaluator would hand it back.
fn evaluated(encoded: &EncodedBody) -> EvaluatedBody {
    body(
        encoded
            .entries
            .iter()
            .map(|e| match e {
                EncodedEntry::Attribute { name, value } => attr(name, value.clone()),
                EncodedEntry::Block(b) => labeled(&b.name, &b.label, evaluated(&b.body).entries),
            })
            .collect::<Vec<Entry>>(),
    )
}

#[test]
fn encode_body_then_decode_round_trips() {
    let args = sample();
    let encoded = args.encode_body();
    assert!(
        encoded.get("note").is_none(),
        "unset optional attributes are left out"
    );
    assert!(matches!(encoded.get("timeout"), Some(Value::String(s)) if s == "1m30s"));
    assert!(matches!(encoded.get("limit"), Some(Value::String(s)) if s == "4MiB"));
    assert!(
        matches!(encoded.get("password"), Some(Value::Capsule(_))),
        "secrets stay capsules"
    );
    let labels: Vec<_> = encoded.blocks("rule").map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["r1", "r2"]);
    let names: Vec<_> = encoded
        .entries
        .iter()
        .filter_map(|e| match e {
            EncodedEntry::Block(b) => Some(b.name.as_str()),
            EncodedEntry::Attribute { .. } => None,
        })
        .collect();
    assert_eq!(
        names,
        [
            "rule",
            "rule",
            "basic_auth",
            "stage.static_labels",
            "stage.json"
        ]
    );

    let back = Args::decode_body(&evaluated(&encoded), span(0, 0)).unwrap();
    assert_eq!(back, args);
}

#[test]
fn encode_value_then_decode_round_trips() {
    let args = sample();
    let value = args.encode();
    let Value::Object(o) = &value else {
        panic!("structs encode as objects")
    };
    assert_eq!(
        o.keys().collect::<Vec<_>>(),
        [
            "url",
            "timeout",
            "limit",
            "password",
            "labels",
            "note",
            "rule",
            "basic_auth",
            "stage"
        ]
    );
    assert!(o["note"].is_null());
    let back = Args::decode(&value).unwrap();
    assert_eq!(back.rules.len(), 2);
    assert_eq!(back.stages, args.stages);
    assert_eq!(back.password, args.password);
    assert_eq!(back.basic_auth, args.basic_auth);
}

#[test]
fn schemas_describe_every_field() {
    let schema = Args::schema();
    assert!(!schema.label);
    let summary: Vec<String> = schema
        .fields
        .iter()
        .map(|f| {
            let kind = match &f.kind {
                FieldKind::Attr { ty, .. } => format!("attr {ty}"),
                FieldKind::Block { occurs, .. } => format!("block {occurs:?}"),
                FieldKind::Enum { members } => {
                    let names: Vec<_> = members.iter().map(|m| m.name.as_str()).collect();
                    format!("enum {}", names.join("|"))
                }
            };
            format!("{}{} {kind}", f.name, if f.optional { "?" } else { "" })
        })
        .collect();
    assert_eq!(
        summary,
        [
            "url attr string",
            "timeout? attr duration",
            "limit? attr bytes",
            "password? attr secret",
            "labels? attr map(string)",
            "note? attr string",
            "rule? block Repeated",
            "basic_auth? block Once",
            "stage? enum json|static_labels",
        ]
    );
    let required: Vec<_> = schema.required().map(|f| f.name.as_str()).collect();
    assert_eq!(required, ["url"]);

    let Some(FieldKind::Block { body, occurs }) = schema.field("rule").map(|f| &f.kind) else {
        panic!("rule is a block")
    };
    assert_eq!(*occurs, Occurs::Repeated);
    assert!(body.label, "rule blocks take a label");
    assert!(
        matches!(&body.field("sources").unwrap().kind, FieldKind::Attr { ty: ValueType::List(t), .. } if **t == ValueType::String)
    );
    let (field, member) = schema.enum_member("stage.json").unwrap();
    assert_eq!(
        (field.name.as_str(), member.name.as_str()),
        ("stage", "json")
    );
    assert!(member.body.field("source").is_some());
    assert!(schema.enum_member("stage.nope").is_none());
    assert_eq!(Stage::member_schemas().len(), 2);
}

#[test]
fn value_types_know_the_language_type() {
    use syntax::value::Type;
    assert_eq!(
        <Vec<String>>::value_type().language_type(),
        Some(Type::Array)
    );
    assert_eq!(GoDuration::value_type().language_type(), Some(Type::String));
    assert_eq!(Secret::value_type().language_type(), Some(Type::Capsule));
    assert_eq!(Value::value_type().language_type(), None);
    assert_eq!(
        <Vec<IndexMap<String, String>>>::value_type().to_string(),
        "list(map(string))"
    );
    assert!(
        matches!(BasicAuth::value_type(), ValueType::Object(s) if s.field("username").is_some())
    );
    let map_block = <IndexMap<String, i64> as Block>::schema();
    assert_eq!(map_block.any_attributes, Some(ValueType::Number));
}
