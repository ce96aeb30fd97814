//! Decoding block bodies into derived structs: schema rules and Alloy's error
//! texts (SPEC §1.8).

mod decode_support;

use decode_support::*;
use syntax::decode::{Block, BlockEnum, GoDuration, Validate};
use syntax::value::Value;

#[derive(Debug, Clone, PartialEq, Block)]
struct Args {
    #[alloy(attr)]
    filename: String,
    #[alloy(attr, optional)]
    poll_frequency: GoDuration,
    #[alloy(attr, optional, name = "is_secret")]
    secret: bool,
    #[alloy(attr, optional)]
    targets: Vec<String>,
    #[alloy(block, optional)]
    tls: Option<Tls>,
    #[alloy(block, optional, name = "rule")]
    rules: Vec<Rule>,
    #[alloy(enum, optional, name = "stage")]
    stages: Vec<Stage>,
    /// Untagged: not part of the schema.
    cache: u32,
}

impl Default for Args {
    fn default() -> Args {
        Args {
            filename: String::new(),
            poll_frequency: GoDuration::from_secs(10),
            secret: false,
            targets: Vec::new(),
            tls: None,
            rules: vec![Rule {
                action: "default".into(),
            }],
            stages: Vec::new(),
            cache: 7,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Block)]
struct Tls {
    #[alloy(attr, optional)]
    insecure: bool,
    #[alloy(attr, optional)]
    server_name: String,
}

impl Default for Tls {
    fn default() -> Tls {
        Tls {
            insecure: false,
            server_name: "localhost".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Block)]
struct Rule {
    #[alloy(attr)]
    action: String,
}

#[derive(Debug, Clone, PartialEq, BlockEnum)]
enum Stage {
    Json(JsonStage),
    #[alloy(name = "regex")]
    Pattern(RegexStage),
}

#[derive(Debug, Clone, PartialEq, Default, Block)]
struct JsonStage {
    #[alloy(attr, optional)]
    source: String,
}

#[derive(Debug, Clone, PartialEq, Default, Block)]
struct RegexStage {
    #[alloy(attr)]
    expression: String,
}

fn decode(entries: Vec<syntax::evaluated::Entry>) -> Result<Args, Vec<String>> {
    Args::decode_body(&body(entries), span(0, 99)).map_err(|e| messages(&e))
}

fn errors(entries: Vec<syntax::evaluated::Entry>) -> Vec<String> {
    decode(entries).expect_err("decoding should fail")
}

#[test]
fn attributes_decode_and_absent_optionals_keep_defaults() {
    let args = decode(vec![
        attr("filename", s("/etc/x")),
        attr("is_secret", Value::Bool(true)),
    ])
    .unwrap();
    assert_eq!(args.filename, "/etc/x");
    assert!(args.secret);
    assert_eq!(args.poll_frequency, GoDuration::from_secs(10));
    assert_eq!(args.cache, 7, "untagged fields keep their default");
    assert_eq!(
        args.rules,
        Args::default().rules,
        "absent blocks keep the parent's default"
    );
}

#[test]
fn null_sets_the_zero_value_not_the_default() {
    let args = decode(vec![
        attr("filename", s("f")),
        attr("poll_frequency", Value::Null),
    ])
    .unwrap();
    assert_eq!(args.poll_frequency, GoDuration(0));
}

#[test]
fn missing_required_attribute_points_at_the_body() {
    let errs = Args::decode_body(&body(vec![]), span(3, 40)).unwrap_err();
    assert_eq!(
        messages(&errs),
        [r#"missing required attribute "filename""#]
    );
    assert_eq!(errs[0].span, span(3, 40));
}

#[test]
fn unknown_names_are_rejected() {
    assert_eq!(
        errors(vec![
            attr("filename", s("f")),
            attr("x", n(1)),
            block("y", vec![]),
            block("stage.foo", vec![])
        ]),
        [
            r#"unrecognized attribute name "x""#,
            r#"unrecognized block name "y""#,
            r#"unrecognized block name "stage.foo""#
        ]
    );
}

#[test]
fn attributes_may_be_given_once() {
    let errs = Args::decode_body(
        &body(vec![
            attr_at(0, "filename", s("a")),
            attr_at(20, "filename", s("b")),
        ]),
        span(0, 99),
    )
    .unwrap_err();
    assert_eq!(
        messages(&errs),
        [r#"attribute "filename" may only be provided once"#]
    );
    assert_eq!(errs[0].span.start.0, 20);
}

#[test]
fn blocks_and_attributes_are_not_interchangeable() {
    assert_eq!(
        errors(vec![
            attr("filename", s("f")),
            attr("tls", Value::Bool(true)),
            block("is_secret", vec![])
        ]),
        [
            r#""tls" must be a block, but is used as an attribute"#,
            r#""is_secret" must be an attribute, but is used as a block"#
        ]
    );
}

#[test]
fn single_blocks_appear_at_most_once() {
    let errs = Args::decode_body(
        &body(vec![
            attr("filename", s("f")),
            block_at(10, 20, "tls", "", vec![]),
            block_at(30, 40, "tls", "", vec![]),
        ]),
        span(0, 99),
    )
    .unwrap_err();
    assert_eq!(
        messages(&errs),
        [
            r#"block "tls" may only be specified once"#,
            r#"block "tls" may only be specified once"#
        ]
    );
    assert_eq!((errs[0].span, errs[1].span), (span(10, 20), span(30, 40)));
}

#[test]
fn a_block_applies_its_own_defaults_when_it_appears() {
    let args = decode(vec![
        attr("filename", s("f")),
        block("tls", vec![attr("insecure", Value::Bool(true))]),
    ])
    .unwrap();
    assert_eq!(
        args.tls,
        Some(Tls {
            insecure: true,
            server_name: "localhost".into()
        })
    );
}

#[test]
fn repeated_blocks_replace_the_default_list_in_order() {
    let args = decode(vec![
        block("rule", vec![attr("action", s("keep"))]),
        attr("filename", s("f")),
        block("rule", vec![attr("action", s("drop"))]),
    ])
    .unwrap();
    let actions: Vec<_> = args.rules.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["keep", "drop"]);
}

#[test]
fn enum_blocks_keep_source_order() {
    let args = decode(vec![
        attr("filename", s("f")),
        block("stage.regex", vec![attr("expression", s("a+"))]),
        block("stage.json", vec![attr("source", s("msg"))]),
        block("stage.regex", vec![attr("expression", s("b"))]),
    ])
    .unwrap();
    assert_eq!(
        args.stages,
        [
            Stage::Pattern(RegexStage {
                expression: "a+".into()
            }),
            Stage::Json(JsonStage {
                source: "msg".into()
            }),
            Stage::Pattern(RegexStage {
                expression: "b".into()
            }),
        ]
    );
    assert_eq!(Stage::members(), ["json", "regex"]);
}

#[test]
fn errors_inside_nested_blocks_are_reported_with_the_others() {
    let errs = Args::decode_body(
        &body(vec![
            attr_at(0, "bogus", n(1)),
            block_at(10, 30, "stage.regex", "", vec![attr_at(12, "oops", n(1))]),
            block_at(40, 60, "rule", "", vec![]),
        ]),
        span(0, 99),
    )
    .unwrap_err();
    assert_eq!(
        messages(&errs),
        [
            r#"unrecognized attribute name "bogus""#,
            r#"unrecognized attribute name "oops""#,
            r#"missing required attribute "expression""#,
            r#"missing required attribute "action""#,
            r#"missing required attribute "filename""#,
        ]
    );
    assert_eq!(
        errs[2].span,
        span(10, 30),
        "missing attributes point at their block"
    );
    assert_eq!(errs[3].span, span(40, 60));
}

#[test]
fn type_errors_point_at_the_value() {
    let errs = Args::decode_body(
        &body(vec![attr_at(0, "filename", Value::Bool(true))]),
        span(0, 99),
    )
    .unwrap_err();
    assert_eq!(messages(&errs), ["true should be string, got bool"]);
    assert_eq!(errs[0].span, span(11, 14));
}

#[test]
fn errors_in_array_literals_point_at_the_element() {
    // targets = [ "a", true ] with the elements at 11 and 16.
    let expr = array(10, 21, vec![lit(11, r#""a""#), lit(16, "true")]);
    let value = arr(vec![s("a"), Value::Bool(true)]);
    let errs = Args::decode_body(
        &body(vec![
            attr("filename", s("f")),
            attr_expr(0, "targets", value.clone(), expr),
        ]),
        span(0, 99),
    )
    .unwrap_err();
    assert_eq!(messages(&errs), ["true should be string, got bool"]);
    assert_eq!(errs[0].span, span(16, 19));

    // The same value from a reference: the path is named after its text.
    let errs = Args::decode_body(
        &body(vec![
            attr("filename", s("f")),
            attr_expr(0, "targets", value, ident(10, "list")),
        ]),
        span(0, 99),
    )
    .unwrap_err();
    assert_eq!(messages(&errs), ["list[1] should be string, got bool"]);
    assert_eq!(errs[0].span, span(10, 13));
}

#[derive(Debug, Default, Block)]
struct Exact {
    #[alloy(block)]
    pair: [Rule; 2],
    #[alloy(block)]
    required: Rule,
}

#[test]
fn required_and_counted_blocks() {
    let errs = Exact::decode_body(
        &body(vec![block("pair", vec![attr("action", s("a"))])]),
        span(0, 9),
    )
    .unwrap_err();
    assert_eq!(
        messages(&errs),
        [
            r#"block "pair" must be specified exactly 2 times, but was specified 1 times"#,
            r#"missing required block "required""#
        ]
    );
    let ok = Exact::decode_body(
        &body(vec![
            block("pair", vec![attr("action", s("a"))]),
            block("required", vec![attr("action", s("r"))]),
            block("pair", vec![attr("action", s("b"))]),
        ]),
        span(0, 9),
    )
    .unwrap();
    assert_eq!(
        [ok.pair[0].action.as_str(), ok.pair[1].action.as_str()],
        ["a", "b"]
    );
    assert_eq!(ok.required.action, "r");
}

#[derive(Debug, Default, PartialEq, Block)]
struct Labeled {
    #[alloy(label)]
    name: String,
    #[alloy(attr, optional)]
    value: String,
}

#[derive(Debug, Default, Block)]
struct WithLabels {
    #[alloy(block, optional, name = "arg")]
    args: Vec<Labeled>,
    #[alloy(block, optional)]
    plain: Option<Rule>,
}

#[test]
fn labels() {
    let decoded = WithLabels::decode_body(
        &body(vec![labeled("arg", "a", vec![attr("value", s("1"))])]),
        span(0, 9),
    )
    .unwrap();
    assert_eq!(
        decoded.args,
        [Labeled {
            name: "a".into(),
            value: "1".into()
        }]
    );
    assert_eq!(decoded.args[0].label(), "a");

    let errs = WithLabels::decode_body(
        &body(vec![
            block_at(5, 20, "arg", "", vec![]),
            labeled("plain", "x", vec![attr("action", s("a"))]),
        ]),
        span(0, 99),
    )
    .unwrap_err();
    assert_eq!(
        messages(&errs),
        [
            r#"block "arg" requires non-empty label"#,
            r#"block "plain" does not support specifying labels"#
        ]
    );
    assert_eq!(
        errs[0].span,
        span(5, 7),
        "label errors point at the block name"
    );
}

#[derive(Debug, Default, PartialEq, Block)]
struct Common {
    #[alloy(attr, optional)]
    inner: String,
    #[alloy(block, optional)]
    extra: Option<Rule>,
}

#[derive(Debug, Default, PartialEq, Block)]
struct Outer {
    #[alloy(attr, optional)]
    outer: String,
    #[alloy(squash)]
    common: Common,
    #[alloy(attr, optional)]
    after: String,
}

#[test]
fn squashed_fields_are_part_of_the_outer_block() {
    let decoded = Outer::decode_body(
        &body(vec![
            attr("outer", s("o")),
            attr("inner", s("i")),
            block("extra", vec![attr("action", s("x"))]),
        ]),
        span(0, 9),
    )
    .unwrap();
    assert_eq!(decoded.common.inner, "i");
    assert_eq!(decoded.common.extra, Some(Rule { action: "x".into() }));
    let names: Vec<_> = Outer::schema()
        .fields
        .iter()
        .map(|f| f.name.clone())
        .collect();
    assert_eq!(
        names,
        ["outer", "inner", "extra", "after"],
        "declaration order"
    );
}

#[derive(Debug, Default, Block)]
struct WithMap {
    #[alloy(block, optional)]
    headers: indexmap::IndexMap<String, String>,
}

#[test]
fn blocks_decode_into_maps() {
    let decoded = WithMap::decode_body(
        &body(vec![block(
            "headers",
            vec![attr("b", s("2")), attr("a", n(1))],
        )]),
        span(0, 9),
    )
    .unwrap();
    assert_eq!(
        decoded.headers.iter().collect::<Vec<_>>(),
        [
            (&"b".to_string(), &"2".to_string()),
            (&"a".to_string(), &"1".to_string())
        ]
    );

    let errs =
        WithMap::decode_body(&body(vec![labeled("headers", "x", vec![])]), span(0, 9)).unwrap_err();
    assert_eq!(messages(&errs), [r#"block "headers" requires empty label"#]);
    let errs = WithMap::decode_body(
        &body(vec![block("headers", vec![block("inner", vec![])])]),
        span(0, 9),
    )
    .unwrap_err();
    assert_eq!(messages(&errs), ["nested blocks not supported here"]);
}

#[derive(Debug, Default, Block)]
#[alloy(validate)]
struct Checked {
    #[alloy(attr)]
    min: i64,
    #[alloy(attr)]
    max: i64,
}

impl Validate for Checked {
    fn validate(&self) -> Result<(), String> {
        if self.min > self.max {
            return Err(format!(
                "min ({}) must not exceed max ({})",
                self.min, self.max
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Default, Block)]
struct HoldsChecked {
    #[alloy(block)]
    range: Checked,
}

#[test]
fn the_validation_hook_runs_after_decoding_and_points_at_the_block() {
    let errs = HoldsChecked::decode_body(
        &body(vec![block_at(
            4,
            30,
            "range",
            "",
            vec![attr("min", n(5)), attr("max", n(1))],
        )]),
        span(0, 99),
    )
    .unwrap_err();
    assert_eq!(messages(&errs), ["min (5) must not exceed max (1)"]);
    assert_eq!(errs[0].span, span(4, 30));

    // Not run when decoding already failed.
    let errs = HoldsChecked::decode_body(
        &body(vec![block("range", vec![attr("min", n(5))])]),
        span(0, 99),
    )
    .unwrap_err();
    assert_eq!(messages(&errs), [r#"missing required attribute "max""#]);
}
