//! The standard library through the parser and evaluator: Alloy's test
//! vectors, argument errors placed on the offending (sub-)expression, secrets,
//! deprecated aliases and stability gating.

mod eval_support;

use eval_support::{eval, eval_in};
use syntax::eval::Scope;
use syntax::stability::Stability;
use syntax::stdlib;
use syntax::value::{OptionalSecret, Value};

fn check(cases: &[(&str, &str)]) {
    for (src, want) in cases {
        assert_eq!(eval(src), *want, "evaluating {src:?}");
    }
}

#[test]
fn namespaced_functions() {
    check(&[
        (
            "array.concat([true, \"foo\"], [], [false, 1])",
            "[true, \"foo\", false, int 1]",
        ),
        ("array.concat()", "[]"),
        (
            "encoding.from_json(\"{\\\"foo\\\": \\\"bar\\\"}\")",
            "{foo: \"bar\"}",
        ),
        (
            "encoding.from_json(\"[0, 1, 2]\")",
            "[float 0, float 1, float 2]",
        ),
        ("encoding.from_json(\"[0, null]\")", "[float 0, null]"),
        ("encoding.from_yaml(`[0, 1, 2]`)", "[int 0, int 1, int 2]"),
        ("encoding.from_yaml(`[0.0, 1.0]`)", "[float 0, float 1]"),
        ("encoding.from_yaml(`foo: null`)", "{foo: null}"),
        (
            "string.join([encoding.from_base64(\"Zm9vYmFyMTIzIT8kKiYoKSctPUB+\")], \"\")",
            "\"foobar123!?$*&()'-=@~\"",
        ),
        (
            "string.trim_space(encoding.from_URLbase64(\"c3RyaW5nMTIzIT8kKiYoKSctPUB-\"))",
            "\"string123!?$*&()'-=@~\"",
        ),
        (
            "encoding.to_base64(\"string123!?$*&()'-=@~\")",
            "\"c3RyaW5nMTIzIT8kKiYoKSctPUB+\"",
        ),
        (
            "encoding.to_URLbase64(\"string123!?$*&()'-=@~\")",
            "\"c3RyaW5nMTIzIT8kKiYoKSctPUB-\"",
        ),
        (
            "encoding.url_encode(\"string123!?$*&()'-=@~\")",
            "\"string123%21%3F%24%2A%26%28%29%27-%3D%40~\"",
        ),
        (
            "encoding.url_decode(\"string123%21%3F%24%2A%26%28%29%27-%3D%40~\")",
            "\"string123!?$*&()'-=@~\"",
        ),
        (
            "encoding.to_json({\"modules\"={\"http_2xx\"={\"prober\"=\"http\",\"timeout\"=\"5s\"}}})",
            r#""{\"modules\":{\"http_2xx\":{\"prober\":\"http\",\"timeout\":\"5s\"}}}""#,
        ),
        (
            "string.split(\"/aaa/bbb\", \"/\")",
            "[\"\", \"aaa\", \"bbb\"]",
        ),
        ("string.split(\"/aaa/bbb/ccc/ddd\", \"/\")[0]", "\"\""),
        (
            "string.join(string.split(\"/aaa/bbb\", \"/\"), \"/\")",
            "\"/aaa/bbb\"",
        ),
        ("string.join([0, 0, 1], \", \")", "\"0, 0, 1\""),
        ("string.format(\"Hello %s\", \"World\")", "\"Hello World\""),
        ("string.format(\"%#v\", 1)", "\"1\""),
        ("string.format(\"%#v\", true)", "\"true\""),
        ("string.format(\"%q\", \"hello\")", "\"\\\"hello\\\"\""),
        (
            "string.format(\"%d-%s\", \"x\")",
            "\"%!d(string=x)-%!s(MISSING)\"",
        ),
        ("string.format(\"%.2f\", 1)", "\"%!f(int=1)\""),
        (
            "string.replace(\"Hello World\", \" World\", \"!\")",
            "\"Hello!\"",
        ),
        (
            "string.to_lower(string.to_upper(string.trim_space(\"   String   \")))",
            "\"string\"",
        ),
        ("string.trim(\"?!hello?!\", \"!?\")", "\"hello\""),
        ("string.trim_prefix(\"helloworld\", \"hello\")", "\"world\""),
        ("string.trim_suffix(\"helloworld\", \"world\")", "\"hello\""),
        (
            "file.path_join(\"this/is\", \"a/path\")",
            "\"this/is/a/path\"",
        ),
        ("file.path_join()", "\"\""),
        ("json_path(\"{\\\"a\\\": \\\"b\\\"}\", \".a\")", "[\"b\"]"),
        ("json_path(\"{\\\"a\\\": \\\"b\\\"}\", \".a\")[0]", "\"b\""),
        (
            "json_path(\"{\\\"a\\\": \\\"b\\\"}\", \".nonexists\")",
            "[]",
        ),
        ("json_path(\"{\\\"a\\\": 1}\", \"$.a\")", "[int 1]"),
        ("coalesce()", "null"),
        ("coalesce(0, 1, 2)", "int 1"),
        ("coalesce(false, true)", "true"),
        ("coalesce([], null)", "null"),
        ("coalesce([], [\"fallback\"])", "[\"fallback\"]"),
        ("coalesce(encoding.from_json(\"{}\"), false)", "false"),
        (
            "coalesce(sys.env(\"FERROALLOY_SURELY_UNSET\"), \"World!\")",
            "\"World!\"",
        ),
        ("constants.os", "\"linux\""),
    ]);
}

#[test]
fn combine_maps_and_group_by() {
    check(&[
        (
            "array.combine_maps([{\"a\" = \"a1\", \"b\" = \"b1\"}], [{\"a\" = \"a1\", \"c\" = \"c1\"}], [\"a\"])",
            "[{a: \"a1\", b: \"b1\", c: \"c1\"}]",
        ),
        (
            "array.combine_maps([{\"a\" = 1, \"b\" = 4.2}, {\"d\" = \"asdf\"}], [{\"a\" = 2, \"b\" = \"5.3\"}], [\"a\"], true)",
            "[{a: int 1, b: float 4.2}, {d: \"asdf\"}]",
        ),
        (
            "array.combine_maps([{\"a\" = 1}], [{\"a\" = \"1\"}], [\"a\"])",
            "[]",
        ),
        (
            "array.group_by([{\"type\" = \"fruit\", \"name\" = \"apple\"}, {\"name\" = \"x\"}], \"type\", false)",
            "[{type: \"fruit\", items: [{type: \"fruit\", name: \"apple\"}]}, {type: \"\", items: [{name: \"x\"}]}]",
        ),
    ]);
}

#[test]
fn function_errors_point_at_the_culprit() {
    check(&[
        (
            "string.join([\"a\"])",
            "1:1: string.join expected 2 args, got 1",
        ),
        (
            "string.format()",
            "1:1: string.format expected at least 1 args, got 0",
        ),
        (
            "array.concat([1], \"a\")",
            "1:19: \"a\" should be array, got string",
        ),
        (
            "string.join([\"a\", true], \",\")",
            "1:19: true should be string, got bool",
        ),
        (
            "string.to_upper([1])",
            "1:17: [1] should be string, got array",
        ),
        (
            "array.combine_maps([{\"a\" = \"a1\", \"b\" = \"b1\"}], \"a\", [\"a\"])",
            "1:48: \"a\" should be array, got string",
        ),
        (
            "array.combine_maps([{\"a\" = \"a1\", \"b\" = \"b1\"}], [\"a\"], [\"a\"])",
            "1:49: \"a\" should be object, got string",
        ),
        (
            "array.combine_maps([{\"a\" = \"a1\"}], [{\"a\" = \"a1\"}], [])",
            "1:52: [] combine_maps: merge conditions must not be empty",
        ),
        (
            "array.combine_maps([], [])",
            "1:1: combine_maps: expected 3 or 4 arguments, got 2",
        ),
        (
            "array.group_by([{\"name\" = \"alice\"}], \"age\")",
            "1:1: group_by: expected 3 arguments, got 2",
        ),
        (
            "array.group_by(\"not an array\", \"age\", false)",
            "1:16: \"not an array\" should be array, got string",
        ),
        (
            "array.group_by([{\"name\" = \"alice\"}], 123, false)",
            "1:38: 123 should be string, got number",
        ),
        (
            "array.group_by([{\"name\" = \"alice\"}], \"age\", \"not a bool\")",
            "1:45: \"not a bool\" should be bool, got string",
        ),
        (
            "array.group_by([\"not an object\"], \"age\", false)",
            "1:17: \"not an object\" should be object, got string",
        ),
        (
            "array.group_by([{\"name\" = \"alice\", \"age\" = 20}], \"age\", false)",
            "1:44: 20 should be string, got number",
        ),
        (
            "encoding.to_json(12)",
            "1:1: encoding.to_json jsonEncode only supports map",
        ),
        (
            "encoding.from_json(\"{\")",
            "1:1: encoding.from_json unexpected end of JSON input",
        ),
        (
            "encoding.url_decode(\"%zz\")",
            "1:1: encoding.url_decode invalid URL escape \"%zz\"",
        ),
        (
            "encoding.from_base64(\"!\")",
            "1:1: encoding.from_base64 illegal base64 data at input byte 0",
        ),
        ("string.nope", "1:8: field \"nope\" does not exist"),
    ]);
}

#[test]
fn nested_argument_values_without_literals_print_a_path() {
    let mut scope = Scope::new();
    scope.set(
        "list",
        Value::Array(vec![Value::string("a"), Value::Bool(true)]),
    );
    assert_eq!(
        eval_in("string.join(list, \",\")", &scope),
        "1:13: list[1] should be string, got bool"
    );
}

#[test]
fn secrets() {
    let mut scope = Scope::new();
    scope.set("secret", Value::secret("foo"));
    scope.set(
        "optional",
        Value::capsule(OptionalSecret {
            is_secret: false,
            value: "bar".into(),
        }),
    );
    let cases = [
        ("convert.nonsensitive(secret)", "\"foo\""),
        ("nonsensitive(secret)", "\"foo\""),
        ("convert.nonsensitive(optional)", "\"bar\""),
        ("convert.nonsensitive(\"x\" + secret + \"y\")", "\"xfooy\""),
        ("optional + \"!\"", "\"bar!\""),
        ("secret == \"foo\"", "true"),
        ("optional == \"bar\"", "true"),
        ("string.to_upper(optional)", "\"BAR\""),
        ("coalesce(optional, 1)", "capsule(\"bar\")"),
        (
            "string.to_upper(secret)",
            "1:17: secret secrets may not be converted into strings",
        ),
        (
            "secret - 1",
            "1:1: secret should be one of [number] for binop -, got capsule",
        ),
        ("secret + 1", "1:10: 1 should be capsule, got number"),
        (
            "convert.nonsensitive(1)",
            "1:22: 1 should be capsule, got number",
        ),
    ];
    for (src, want) in cases {
        assert_eq!(eval_in(src, &scope), want, "evaluating {src:?}");
    }
}

#[test]
fn scope_variables_shadow_and_extend_the_stdlib() {
    let mut scope = Scope::new();
    scope.set("module_path", Value::string("/etc/alloy"));
    scope.set("string", Value::int(5));
    assert_eq!(
        eval_in(
            "file.path_join(module_path, \"x\", \"..\", \"y.alloy\")",
            &scope
        ),
        "\"/etc/alloy/y.alloy\""
    );
    assert_eq!(eval_in("string + 1", &scope), "int 6");
}

#[test]
fn deprecated_aliases_still_work() {
    check(&[
        ("concat([1], [2])", "[int 1, int 2]"),
        ("json_decode(\"[1]\")", "[float 1]"),
        ("yaml_decode(\"[1]\")", "[int 1]"),
        ("split(\"a,b\", \",\")", "[\"a\", \"b\"]"),
        ("join([\"a\", \"b\"], \"-\")", "\"a-b\""),
        ("format(\"%d\", 3)", "\"3\""),
        ("trim_space(\" a \")", "\"a\""),
        ("to_upper(\"a\")", "\"A\""),
        ("env(\"FERROALLOY_SURELY_UNSET\")", "\"\""),
    ]);
    for name in ["env", "concat", "format", "trim_space", "base64_decode"] {
        assert!(stdlib::is_deprecated(name), "{name}");
        assert!(stdlib::is_identifier(name), "{name}");
    }
    assert!(!stdlib::is_deprecated("string"));
    assert_eq!(
        stdlib::DEPRECATED_WARNING,
        "this stdlib function is deprecated; please refer to the documentation for updated usage and alternatives"
    );
}

#[test]
fn experimental_functions_are_gated() {
    let ga = Scope::new();
    assert_eq!(
        eval_in("array.combine_maps([], [], [\"a\"])", &ga),
        "1:1: array.combine_maps is at stability level \"experimental\", which is below the minimum allowed stability level \"generally-available\". Use --stability.level command-line flag to enable \"experimental\" features"
    );
    let preview = Scope::new().with_min_stability(Stability::PublicPreview);
    assert!(eval_in("array.group_by([], \"a\", true)", &preview)
        .contains("array.group_by is at stability level \"experimental\", which is below the minimum allowed stability level \"public-preview\""));
    assert_eq!(eval_in("array.concat([1])", &ga), "[int 1]");
    assert_eq!(eval("array.group_by([], \"a\", true)"), "[]");
    // A scope variable named like the namespace is not the stdlib function.
    let mut shadow = Scope::new();
    shadow.set(
        "array",
        Value::Object(
            [("combine_maps".to_string(), Value::int(1))]
                .into_iter()
                .collect(),
        ),
    );
    assert_eq!(eval_in("array.combine_maps", &shadow), "int 1");
}
