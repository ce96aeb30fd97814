//! The evaluator through the real parser: precedence, number semantics,
//! operators and their type errors, indexing and access errors with positions.

mod eval_support;

use eval_support::{eval, eval_in};
use syntax::eval::Scope;
use syntax::value::Value;

fn check(cases: &[(&str, &str)]) {
    for (src, want) in cases {
        assert_eq!(eval(src), *want, "evaluating {src:?}");
    }
}

#[test]
fn spec_vectors() {
    check(&[
        ("3 ^ 5", "int 243"),
        ("3 ^ 0", "int 1"),
        ("0 ^ 1", "int 0"),
        ("3 + 5 * 2", "int 13"),
        ("42.0 ^ -2", "float 0.0005668934240362812"),
        ("5 % 3", "int 2"),
        ("3.0 / 5.0", "float 0.6"),
        ("{ a = 15 }.a", "int 15"),
        ("{}[\"foo\"]", "null"),
        ("[[1,2,3]][0][2]", "int 3"),
    ]);
}

#[test]
fn precedence_and_associativity() {
    check(&[
        ("2 ^ 3 ^ 2", "int 512"),
        ("-2 ^ 2", "int 4"),
        ("(3 + 5) * 2", "int 16"),
        ("10 - 4 - 3", "int 3"),
        ("2 * 3 % 4", "int 2"),
        ("1 + 2 == 3 && 2 < 3 || false", "true"),
        ("!true == false", "true"),
        ("--1", "int 1"),
        ("!!true", "true"),
        ("1 < 2 == true", "true"),
    ]);
}

#[test]
fn number_kinds_and_quirks() {
    check(&[
        ("1 / 2", "int 0"),
        ("-7 / 2", "int -3"),
        ("-7 % 3", "int -1"),
        ("7.5 % 2", "float 1.5"),
        ("1 / 2.0", "float 0.5"),
        ("010", "int 8"),
        ("0777", "int 511"),
        ("08", "float 8"),
        ("010 + 1", "int 9"),
        ("9223372036854775807 + 1", "int -9223372036854775808"),
        ("18446744073709551615", "uint 18446744073709551615"),
        ("123456789012345678890", "float 123456789012345680000"),
        ("2 ^ -1", "int 2"),
        ("1 ^ -5", "int 1"),
        ("2.0 ^ -1", "float 0.5"),
        ("-(18446744073709551615)", "int 1"),
        ("1e21", "float 1000000000000000000000"),
        (
            "1e400",
            "1:1: strconv.ParseFloat: parsing \"1e400\": value out of range",
        ),
        (".5 + 1.", "float 1.5"),
        ("3 == 3.0", "true"),
        ("1e+2 == 100", "true"),
        ("1 != \"1\"", "true"),
        ("null == null", "true"),
        ("[1, [2]] == [1, [2]]", "true"),
        ("{a = 1, b = 2} == {b = 2, a = 1}", "true"),
        ("{a = 1} == {a = 2}", "false"),
        ("\"a\" < \"b\"", "true"),
        ("\"abc\" >= \"abd\"", "false"),
        ("\"a\" + \"b\"", "\"ab\""),
        ("{a = 1, a = 2}.a", "int 2"),
    ]);
}

#[test]
fn number_to_string_formatting() {
    check(&[
        (
            "string.join([1e21, .9, 3.9, 24, -0.5], \",\")",
            "\"1000000000000000000000,0.9,3.9,24,-0.5\"",
        ),
        ("string.join([1 / 3.0], \"\")", "\"0.3333333333333333\""),
    ]);
}

#[test]
fn operator_type_errors() {
    check(&[
        (
            "\"a\" - 1",
            "1:1: \"a\" should be one of [number] for binop -, got string",
        ),
        ("1 + \"a\"", "1:5: \"a\" should be number, got string"),
        (
            "1 + true",
            "1:5: true should be one of [number string capsule] for binop +, got bool",
        ),
        (
            "[1] * 2",
            "1:1: [1] should be one of [number] for binop *, got array",
        ),
        (
            "{ a = 1, \"b\" = [1,2] } * 2",
            "1:1: {a = 1, \"b\" = [1, 2]} should be one of [number] for binop *, got object",
        ),
        (
            "1 && true",
            "1:1: 1 should be one of [bool] for binop &&, got number",
        ),
        (
            "true || 1",
            "1:9: 1 should be one of [bool] for binop ||, got number",
        ),
        ("1 < \"a\"", "1:5: \"a\" should be number, got string"),
        (
            "{} < {}",
            "1:1: {} should be one of [number string] for binop <, got object",
        ),
        ("1 / 0", "1:5: 0 divide by zero error"),
        ("1 % 0", "1:5: 0 divide by zero error"),
        ("1.5 / 0.0", "1:7: 0.0 divide by zero error"),
        ("1 / (2 - 2)", "1:5: (2 - 2) divide by zero error"),
        ("!1", "1:2: 1 should be bool, got number"),
        ("-\"a\"", "1:2: \"a\" should be number, got string"),
        (
            "null + 1",
            "1:1:  should be one of [number string capsule] for binop +, got null",
        ),
    ]);
}

#[test]
fn logical_operators_evaluate_both_sides() {
    check(&[
        ("false && (1 / 0 == 0)", "1:15: 0 divide by zero error"),
        ("true || nope", "1:9: identifier \"nope\" does not exist"),
        ("false && true", "false"),
        ("false || true", "true"),
    ]);
}

#[test]
fn access_and_index_errors_with_positions() {
    let mut scope = Scope::new();
    scope.set("x", Value::int(1));
    scope.set(
        "obj",
        Value::Object([("k".to_string(), Value::int(1))].into_iter().collect()),
    );
    let cases = [
        ("{ a = 15 }.b", "1:12: field \"b\" does not exist"),
        ("foobar", "1:1: identifier \"foobar\" does not exist"),
        ("obj.k", "int 1"),
        ("obj.missing", "1:5: field \"missing\" does not exist"),
        ("obj[\"missing\"]", "null"),
        (
            "x.foo",
            "1:1: x cannot access field \"foo\" on value of type number",
        ),
        (
            "[1, 2][5]",
            "1:8: 5 index 5 is out of range of array with length 2",
        ),
        (
            "[1, 2][-1]",
            "1:8: -1 index -1 is out of range of array with length 2",
        ),
        ("[1, 2][1.9]", "int 2"),
        ("[1][\"a\"]", "1:5: \"a\" should be number, got string"),
        ("obj[0]", "1:5: 0 should be string, got number"),
        ("true[0]", "1:1: true expected object or array, got bool"),
        ("x[0]", "1:1: x expected object or array, got number"),
        ("x(1)", "1:1: x should be function, got number"),
        (
            "\"s\".len",
            "1:1: \"s\" cannot access field \"len\" on value of type string",
        ),
    ];
    for (src, want) in cases {
        assert_eq!(eval_in(src, &scope), want, "evaluating {src:?}");
    }
}

#[test]
fn string_literals_are_unquoted() {
    check(&[
        (r#""a\tb\u00e9""#, "\"a\\tbé\""),
        (r#""\x41\101""#, "\"AA\""),
        (r#""\xff""#, "\"\u{fffd}\""),
        ("`raw\\n`", "\"raw\\\\n\""),
    ]);
}

/// A host value that exposes fields, like some component exports.
#[derive(Debug)]
struct Exports;

impl syntax::value::CapsuleValue for Exports {
    fn capsule_type(&self) -> &'static str {
        "test.Exports"
    }

    fn capsule_eq(&self, other: &dyn syntax::value::CapsuleValue) -> bool {
        other.as_any().is::<Exports>()
    }

    fn as_object(&self) -> Option<syntax::value::Object> {
        Some([("a".to_string(), Value::int(1))].into_iter().collect())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[test]
fn capsules_with_an_object_view_support_access_and_index() {
    let mut scope = Scope::new();
    scope.set("cap", Value::capsule(Exports));
    scope.set("secret", Value::secret("s"));
    let cases = [
        ("cap.a", "int 1"),
        ("cap[\"a\"]", "int 1"),
        ("cap[\"zz\"]", "null"),
        ("cap.b", "1:5: field \"b\" does not exist"),
        ("cap[0]", "1:5: 0 should be string, got number"),
        ("cap == cap", "true"),
        (
            "secret.x",
            "1:1: secret expected object or array or a capsule convertible to an object, got capsule",
        ),
        (
            "secret[\"x\"]",
            "1:1: secret expected object or array or a capsule convertible to an object, got capsule",
        ),
    ];
    for (src, want) in cases {
        assert_eq!(eval_in(src, &scope), want, "evaluating {src:?}");
    }
}
