//! The relabel engine against `reference/relabel.md`: every action, every
//! worked example, the validation messages, and decoding from Alloy text.

use super::*;
use syntax::decode::Block;
use syntax::eval::{Scope, eval_body};
use syntax::evaluated::Entry;
use syntax::parser::parse_file;
use syntax::pos::SourceFile;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    Labels::from_pairs(pairs.iter().copied())
}

/// Decodes the `rule` blocks of `src`; errors as `line:col: message`.
fn rules(src: &str) -> Result<Vec<Rule>, Vec<String>> {
    let file = SourceFile::new("rules.alloy", src);
    let (ast, diags) = parse_file(&file);
    assert!(diags.is_empty(), "{diags}");
    let body = eval_body(&ast.body, &Scope::new()).expect("evaluates");
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for entry in &body.entries {
        let Entry::Block(block) = entry else { continue };
        match Rule::decode_block(block) {
            Ok(rule) => rules.push(rule),
            Err(e) => errors.extend(
                syntax::decode::diagnostics(&e, &file)
                    .iter()
                    .map(|d| d.to_string()),
            ),
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

/// Relabels `input` with the rules of `src`; `None` when dropped.
fn relabel(input: &[(&str, &str)], src: &str) -> Option<Labels> {
    let rules = rules(src).unwrap_or_else(|e| panic!("{e:?}"));
    let mut out = labels(input);
    process(&mut out, &rules).then_some(out)
}

/// The single validation error of one rule block.
fn invalid(body: &str) -> String {
    let errors = rules(&format!("rule {{\n{body}\n}}\n")).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let message = &errors[0];
    message
        .split_once(": ")
        .map_or(message.as_str(), |(_, m)| m)
        .to_string()
}

#[test]
fn defaults() {
    let rule = Rule::default();
    assert_eq!(rule.separator, ";");
    assert_eq!(rule.regex.as_str(), "(.*)");
    assert_eq!(rule.replacement, "$1");
    assert_eq!(rule.action, Action::Replace);
    assert!(rule.source_labels.is_empty());
}

#[test]
fn worked_examples() {
    assert_eq!(
        relabel(
            &[("__address__", "10.0.0.1:9100")],
            r#"rule {
  source_labels = ["__address__"]
  regex = "(.*):\\d+"
  target_label = "host"
}"#
        ),
        Some(labels(&[
            ("__address__", "10.0.0.1:9100"),
            ("host", "10.0.0.1")
        ]))
    );
    let foo = [("a", "foo")];
    let replace = |regex: &str, replacement: &str| {
        relabel(
            &foo,
            &format!(
                "rule {{\n source_labels = [\"a\"]\n regex = {regex:?}\n target_label = \"b\"\n replacement = {replacement:?}\n}}"
            ),
        )
    };
    assert_eq!(replace("f", "x"), Some(labels(&foo)), "anchored");
    assert_eq!(
        replace("(f)(.*)", "$1x"),
        Some(labels(&foo)),
        "$1x is group 1x"
    );
    assert_eq!(
        replace("(f)(.*)", "${1}x"),
        Some(labels(&[("a", "foo"), ("b", "fx")]))
    );
    assert_eq!(
        relabel(
            &[("a", "foo"), ("b", "old")],
            "rule {\n source_labels = [\"missing\"]\n target_label = \"b\"\n}"
        ),
        Some(labels(&foo)),
        "an empty replacement deletes the target"
    );
    assert_eq!(
        relabel(
            &foo,
            "rule {\n source_labels = [\"a\"]\n action = \"hashmod\"\n modulus = 1000\n target_label = \"h\"\n}"
        ),
        Some(labels(&[("a", "foo"), ("h", "696")]))
    );
    assert_eq!(
        relabel(
            &[("__address__", "127.0.0.1:9100")],
            "rule {\n source_labels = [\"__address__\"]\n action = \"hashmod\"\n modulus = 3\n target_label = \"shard\"\n}"
        )
        .unwrap()
        .get("shard"),
        Some("1")
    );
    assert_eq!(
        relabel(
            &[("__meta_kubernetes_pod_label_app", "web")],
            "rule {\n action = \"labelmap\"\n regex = \"__meta_kubernetes_pod_label_(.+)\"\n}"
        ),
        Some(labels(&[
            ("__meta_kubernetes_pod_label_app", "web"),
            ("app", "web")
        ]))
    );
    assert_eq!(
        relabel(
            &[("job", "a"), ("tmp_x", "1"), ("tmp_y", "2")],
            "rule {\n action = \"labeldrop\"\n regex = \"tmp_.*\"\n}"
        ),
        Some(labels(&[("job", "a")]))
    );
    assert_eq!(
        relabel(
            &[("a", "x"), ("b", "x")],
            "rule {\n source_labels = [\"a\"]\n action = \"keepequal\"\n target_label = \"b\"\n}"
        ),
        Some(labels(&[("a", "x"), ("b", "x")]))
    );
}

#[test]
fn source_value_joins_with_the_separator() {
    let out = relabel(
        &[("a", "1"), ("b", "2")],
        "rule {\n source_labels = [\"a\", \"missing\", \"b\"]\n target_label = \"joined\"\n}",
    );
    assert_eq!(out.unwrap().get("joined"), Some("1;;2"));
    let out = relabel(
        &[("a", "1"), ("b", "2")],
        "rule {\n source_labels = [\"a\", \"b\"]\n separator = \"/\"\n target_label = \"joined\"\n}",
    );
    assert_eq!(out.unwrap().get("joined"), Some("1/2"));
}

#[test]
fn replace_with_templated_target() {
    let out = relabel(
        &[("kind", "pod"), ("name", "web")],
        r#"rule {
  source_labels = ["kind", "name"]
  regex = "(\\w+);(.*)"
  target_label = "${1}_name"
  replacement = "$2"
}"#,
    );
    assert_eq!(out.unwrap().get("pod_name"), Some("web"));
    // An expanded target that is no valid label name changes nothing.
    let out = relabel(
        &[("a", "1x")],
        "rule {\n source_labels = [\"a\"]\n target_label = \"$1\"\n}",
    );
    assert_eq!(out, Some(labels(&[("a", "1x")])));
}

#[test]
fn keep_and_drop() {
    let keep =
        "rule {\n source_labels = [\"env\"]\n regex = \"prod|staging\"\n action = \"keep\"\n}";
    assert!(relabel(&[("env", "prod")], keep).is_some());
    assert!(relabel(&[("env", "production")], keep).is_none());
    assert!(relabel(&[], keep).is_none());
    let drop = "rule {\n source_labels = [\"env\"]\n regex = \"dev\"\n action = \"drop\"\n}";
    assert!(relabel(&[("env", "dev")], drop).is_none());
    assert!(relabel(&[("env", "devel")], drop).is_some());
}

#[test]
fn keepequal_and_dropequal() {
    let keepequal =
        "rule {\n source_labels = [\"a\"]\n action = \"keepequal\"\n target_label = \"b\"\n}";
    assert!(relabel(&[("a", "x"), ("b", "y")], keepequal).is_none());
    assert!(relabel(&[], keepequal).is_some(), "both empty are equal");
    let dropequal =
        "rule {\n source_labels = [\"a\"]\n action = \"dropequal\"\n target_label = \"b\"\n}";
    assert!(relabel(&[("a", "x"), ("b", "x")], dropequal).is_none());
    assert!(relabel(&[("a", "x"), ("b", "y")], dropequal).is_some());
}

#[test]
fn case_mapping() {
    let lower =
        "rule {\n source_labels = [\"a\"]\n action = \"lowercase\"\n target_label = \"l\"\n}";
    assert_eq!(
        relabel(&[("a", "FoO ΣΑΣ")], lower).unwrap().get("l"),
        Some("foo σασ"),
        "Go maps each character alone"
    );
    let upper =
        "rule {\n source_labels = [\"a\"]\n action = \"uppercase\"\n target_label = \"u\"\n}";
    assert_eq!(
        relabel(&[("a", "straße")], upper).unwrap().get("u"),
        Some("STRAßE")
    );
    // An empty source deletes the target.
    assert_eq!(relabel(&[("u", "x")], upper), Some(Labels::new()));
}

#[test]
fn labelkeep_and_labelmap_replacements() {
    assert_eq!(
        relabel(
            &[("job", "a"), ("instance", "b"), ("tmp", "c")],
            "rule {\n action = \"labelkeep\"\n regex = \"job|instance\"\n}"
        ),
        Some(labels(&[("instance", "b"), ("job", "a")]))
    );
    assert_eq!(
        relabel(
            &[("__meta_a", "1"), ("__meta_b", "2")],
            "rule {\n action = \"labelmap\"\n regex = \"__meta_(.*)\"\n replacement = \"m_${1}\"\n}"
        ),
        Some(labels(&[
            ("__meta_a", "1"),
            ("__meta_b", "2"),
            ("m_a", "1"),
            ("m_b", "2")
        ]))
    );
}

#[test]
fn rules_run_in_order_and_stop_at_the_first_drop() {
    let out = relabel(
        &[("a", "1")],
        r#"rule {
  source_labels = ["a"]
  target_label = "b"
}
rule {
  source_labels = ["b"]
  regex = "1"
  action = "drop"
}
rule {
  target_label = "never"
  replacement = "x"
}"#,
    );
    assert_eq!(out, None);
}

#[test]
fn validation_messages() {
    assert_eq!(
        invalid("action = \"hashmod\"\ntarget_label = \"h\""),
        "relabel configuration for hashmod requires non-zero modulus"
    );
    for action in [
        "replace",
        "lowercase",
        "uppercase",
        "keepequal",
        "dropequal",
    ] {
        assert_eq!(
            invalid(&format!("action = {action:?}")),
            format!("relabel configuration for {action} action requires 'target_label' value")
        );
    }
    assert_eq!(
        invalid("target_label = \"1abc\""),
        r#""1abc" is invalid 'target_label' for replace action"#
    );
    assert_eq!(
        invalid("target_label = \"a-$1\""),
        r#""a-$1" is invalid 'target_label' for replace action"#
    );
    assert_eq!(
        invalid("action = \"hashmod\"\nmodulus = 2\ntarget_label = \"$1\""),
        r#""$1" is invalid 'target_label' for hashmod action"#
    );
    assert_eq!(
        invalid("action = \"lowercase\"\ntarget_label = \"a.b\""),
        r#""a.b" is invalid 'target_label' for lowercase action"#
    );
    assert_eq!(
        invalid("action = \"uppercase\"\ntarget_label = \"u\"\nreplacement = \"x\""),
        "'replacement' can not be set for uppercase action"
    );
    assert_eq!(
        invalid("action = \"labelmap\"\nreplacement = \"-\""),
        r#""-" is invalid 'replacement' for labelmap action"#
    );
    for action in ["labeldrop", "labelkeep"] {
        assert_eq!(
            invalid(&format!("action = {action:?}\nsource_labels = [\"a\"]")),
            format!("{action} action requires only 'regex', and no other fields")
        );
    }
    assert_eq!(
        invalid("action = \"keepequal\"\ntarget_label = \"b\"\nregex = \"x\""),
        "keepequal action requires only 'source_labels' and 'target_label', and no other fields"
    );
    assert_eq!(
        invalid("action = \"dropequal\"\ntarget_label = \"b\"\nseparator = \",\""),
        "dropequal action requires only 'source_labels' and 'target_label', and no other fields"
    );
    // Decoding errors put the expression first, as Alloy's evaluator does.
    assert_eq!(
        invalid("action = \"explode\""),
        r#""explode" unrecognized action type "explode""#
    );
    assert_eq!(
        invalid("regex = \"a{1001}\"\ntarget_label = \"x\""),
        r#""a{1001}" error parsing regexp: invalid repeat count: `{1001}`"#
    );
    // Valid templates.
    for target in ["${1}", "$1_x", "a$b", "_$name"] {
        assert!(
            rules(&format!("rule {{\n target_label = {target:?}\n}}")).is_ok(),
            "{target}"
        );
    }
}

#[test]
fn label_templates() {
    for ok in ["a", "_", "a1", "$1", "${1}x", "x${name}y", "$a$b"] {
        assert!(is_valid_label_template(ok), "{ok}");
    }
    for bad in ["", "1a", "a-b", "$", "${}", "${1", "$-"] {
        assert!(!is_valid_label_template(bad), "{bad}");
    }
}

#[test]
fn rules_are_a_capsule() {
    let rules = Rules(rules("rule {\n target_label = \"a\"\n}").unwrap().into());
    let value = Value::capsule(rules.clone());
    let syntax::value::Value::Capsule(c) = &value else {
        panic!("a capsule")
    };
    assert_eq!(c.type_name(), "relabel.Rules");
    assert_eq!(Rules::decode(&rules.encode()), Ok(rules));
    assert_eq!(
        Rules::decode(&Value::string("x")).unwrap_err().to_string(),
        "expected capsule, got string"
    );
}
