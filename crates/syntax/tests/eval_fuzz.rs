//! Hostile input never panics the standard library: arbitrary text through
//! the parsers and formatters of `string.format`, `encoding.*` and `json_path`.

use proptest::prelude::*;
use syntax::stdlib;
use syntax::value::{Function, Value};

fn function(path: &str) -> Function {
    let mut parts = path.split('.');
    let mut v = stdlib::identifier(parts.next().unwrap_or_default()).expect("stdlib name");
    for part in parts {
        v = match v {
            Value::Object(mut o) => o.swap_remove(part).expect("member"),
            other => panic!("{other:?}"),
        };
    }
    match v {
        Value::Function(f) => f,
        other => panic!("{other:?}"),
    }
}

fn call(path: &str, args: Vec<Value>) {
    // Errors are fine; panics are not.
    let _ = (function(path).call)(&args);
}

fn arg() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::int),
        any::<u64>().prop_map(Value::uint),
        any::<f64>().prop_map(Value::float),
        ".{0,12}".prop_map(Value::string),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
        proptest::collection::vec(any::<i64>().prop_map(Value::int), 0..3).prop_map(Value::Array),
    ]
}

proptest! {
    #[test]
    fn format_never_panics(fmt in "(%[-+# 0]{0,3}[0-9*]{0,3}(\\.[0-9*]{0,2})?(\\[[0-9]\\])?[a-zA-Z%!]|[a-z ]){0,8}",
                           args in proptest::collection::vec(arg(), 0..4)) {
        let mut all = vec![Value::string(fmt)];
        all.extend(args);
        call("string.format", all);
    }

    #[test]
    fn decoders_never_panic(text in "\\PC{0,40}") {
        for f in ["encoding.from_json", "encoding.from_yaml", "encoding.from_base64",
                  "encoding.from_URLbase64", "encoding.url_decode"] {
            call(f, vec![Value::string(text.clone())]);
        }
    }

    #[test]
    fn json_shaped_text_never_panics(text in "[\\[\\]{}\",:0-9eE.+\\-a-z\\\\ ]{0,40}") {
        call("encoding.from_json", vec![Value::string(text.clone())]);
        call("json_path", vec![Value::string("{\"a\": [1, {\"b\": 2}]}"), Value::string(text)]);
    }

    #[test]
    fn json_paths_never_panic(path in "[$@.\\[\\]?()*:,'\"=!<>&|a-b0-9\\- ]{0,30}") {
        call("json_path", vec![Value::string("{\"a\": [1, {\"b\": 2}], \"b\": {\"a\": 3}}"), Value::string(path)]);
    }
}
