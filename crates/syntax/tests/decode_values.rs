//! Converting attribute values into Rust types (SPEC §1.7, §1.9).

mod decode_support;

use decode_support::*;
use indexmap::IndexMap;
use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use syntax::decode::{Block, CapsuleOf, CapsuleType, Codec, PathSeg, ValueError};
use syntax::value::{CapsuleValue, OptionalSecret, Secret, Value};

fn err<T: Codec + std::fmt::Debug>(v: Value) -> String {
    T::decode(&v)
        .expect_err("conversion should fail")
        .to_string()
}

#[test]
fn numbers_and_strings_convert_both_ways() {
    assert_eq!(u32::decode(&s("12")).unwrap(), 12);
    assert_eq!(i64::decode(&s("-3")).unwrap(), -3);
    assert_eq!(f64::decode(&s("1e3")).unwrap(), 1000.0);
    assert_eq!(String::decode(&Value::float(3.9)).unwrap(), "3.9");
    assert_eq!(String::decode(&n(42)).unwrap(), "42");
    assert_eq!(err::<i64>(s("abc")), "expected number, got string");
    assert_eq!(err::<i64>(s(" 1")), "expected number, got string");
    assert_eq!(err::<u8>(Value::Bool(true)), "expected number, got bool");
}

#[test]
fn integers_narrow_without_overflow_checks() {
    assert_eq!(u8::decode(&n(300)).unwrap(), 44);
    assert_eq!(i32::decode(&Value::float(2.9)).unwrap(), 2);
    assert_eq!(u64::decode(&n(-1)).unwrap(), u64::MAX);
}

#[test]
fn bools_only_come_from_bools() {
    assert!(bool::decode(&Value::Bool(true)).unwrap());
    assert_eq!(err::<bool>(s("true")), "expected bool, got string");
    assert_eq!(
        err::<String>(Value::Bool(true)),
        "expected string, got bool"
    );
}

#[test]
fn null_is_the_zero_value() {
    assert_eq!(String::decode(&Value::Null).unwrap(), "");
    assert_eq!(i64::decode(&Value::Null).unwrap(), 0);
    assert!(!bool::decode(&Value::Null).unwrap());
    assert_eq!(
        Vec::<String>::decode(&Value::Null).unwrap(),
        Vec::<String>::new()
    );
    assert!(
        IndexMap::<String, i64>::decode(&Value::Null)
            .unwrap()
            .is_empty()
    );
    assert_eq!(Option::<i64>::decode(&Value::Null).unwrap(), None);
    assert_eq!(Option::<i64>::decode(&n(3)).unwrap(), Some(3));
}

#[test]
fn lists_convert_each_element_and_report_which() {
    assert_eq!(
        Vec::<String>::decode(&arr(vec![s("a"), n(1)])).unwrap(),
        ["a", "1"]
    );
    let e = Vec::<i64>::decode(&arr(vec![n(1), s("x")])).unwrap_err();
    assert_eq!(e.path, [PathSeg::Index(1)]);
    assert_eq!(e.to_string(), "expected number, got string");
    assert_eq!(err::<Vec<i64>>(s("wrong")), "expected array, got string");
    assert_eq!(<[i64; 2]>::decode(&arr(vec![n(1), n(2)])).unwrap(), [1, 2]);
    assert_eq!(
        err::<[i64; 2]>(arr(vec![n(1)])),
        "array must have exactly 2 elements, got 1"
    );
}

#[test]
fn objects_convert_into_maps() {
    let v = obj(vec![("b", n(2)), ("a", s("1"))]);
    let m = IndexMap::<String, i64>::decode(&v).unwrap();
    assert_eq!(
        m.keys().collect::<Vec<_>>(),
        ["b", "a"],
        "object order is kept"
    );
    assert_eq!(m["a"], 1);
    assert_eq!(HashMap::<String, i64>::decode(&v).unwrap()["b"], 2);
    let sorted = BTreeMap::<String, i64>::decode(&v).unwrap();
    assert_eq!(sorted.keys().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(
        err::<HashMap<String, i64>>(arr(vec![])),
        "expected object, got array"
    );

    let e = IndexMap::<String, i64>::decode(&obj(vec![("k", Value::Bool(false))])).unwrap_err();
    assert_eq!(e.path, [PathSeg::Field("k".into())]);
    // A map of lists of maps: the targets shape.
    let targets = arr(vec![obj(vec![("__address__", s("a:80"))])]);
    let t = Vec::<IndexMap<String, String>>::decode(&targets).unwrap();
    assert_eq!(t[0]["__address__"], "a:80");
}

#[derive(Debug, Clone, PartialEq, Block)]
struct Endpoint {
    #[alloy(attr)]
    url: String,
    #[alloy(attr, optional)]
    timeout_seconds: i64,
    #[alloy(block, optional)]
    auth: Option<Auth>,
}

impl Default for Endpoint {
    fn default() -> Endpoint {
        Endpoint {
            url: String::new(),
            timeout_seconds: 30,
            auth: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Block)]
struct Auth {
    #[alloy(attr)]
    username: String,
    #[alloy(attr, optional)]
    password: Secret,
}

#[test]
fn objects_convert_into_structs() {
    let v = obj(vec![
        ("url", s("http://x")),
        (
            "auth",
            obj(vec![("username", s("u")), ("password", s("p"))]),
        ),
    ]);
    let e = Endpoint::decode(&v).unwrap();
    assert_eq!(e.url, "http://x");
    assert_eq!(e.timeout_seconds, 30, "defaults apply to objects too");
    assert_eq!(e.auth.as_ref().unwrap().password.expose(), "p");

    let bad = obj(vec![("url", s("u")), ("nope", n(1))]);
    let e = Endpoint::decode(&bad).unwrap_err();
    assert_eq!(e.to_string(), r#"key "nope" does not exist"#);
    assert_eq!(e.path, [PathSeg::Field("nope".into())]);

    let nested = obj(vec![
        ("url", s("u")),
        ("auth", obj(vec![("username", Value::Bool(true))])),
    ]);
    let e = Endpoint::decode(&nested).unwrap_err();
    assert_eq!(
        e.path,
        [
            PathSeg::Field("auth".into()),
            PathSeg::Field("username".into())
        ]
    );
    assert_eq!(e.to_string(), "expected string, got bool");
    assert_eq!(err::<Endpoint>(s("x")), "expected object, got string");
}

#[test]
fn object_errors_point_at_the_field_literal() {
    // endpoint = { url = "u", nope = 1 }, `nope`'s value at 30.
    let expr = object(
        10,
        40,
        vec![("url", 12, lit(18, r#""u""#)), ("nope", 23, lit(30, "1"))],
    );
    let e = Endpoint::decode(&obj(vec![("url", s("u")), ("nope", n(1))])).unwrap_err();
    let located = e.locate(&expr);
    assert_eq!(located.span, span(30, 30));
    assert_eq!(located.message, r#"1 does not have field named "nope""#);
    let bare = e.locate_bare(&expr);
    assert_eq!(
        (bare.span, bare.message.as_str()),
        (span(30, 30), r#"key "nope" does not exist"#)
    );
}

#[test]
fn any_values_pass_through() {
    let v = obj(vec![("a", arr(vec![n(1), Value::Null]))]);
    let got = Value::decode(&v).unwrap();
    assert_eq!(got.encode().ty(), v.ty());
    assert!(matches!(Value::decode(&Value::Null).unwrap(), Value::Null));
}

#[test]
fn strings_become_secrets_but_secrets_never_strings() {
    assert_eq!(Secret::decode(&s("pw")).unwrap().expose(), "pw");
    assert_eq!(Secret::decode(&Value::secret("pw")).unwrap().expose(), "pw");
    assert_eq!(
        err::<String>(Value::secret("pw")),
        "secrets may not be converted into strings"
    );
    assert_eq!(err::<Secret>(n(1)), "expected capsule, got number");

    let hidden = Value::capsule(OptionalSecret {
        is_secret: true,
        value: "v".into(),
    });
    let plain = Value::capsule(OptionalSecret {
        is_secret: false,
        value: "v".into(),
    });
    assert_eq!(String::decode(&plain).unwrap(), "v");
    assert_eq!(
        err::<String>(hidden.clone()),
        "secrets may not be converted into strings"
    );
    assert_eq!(Secret::decode(&hidden).unwrap().expose(), "v");
    assert_eq!(Secret::decode(&plain).unwrap().expose(), "v");
    assert!(
        OptionalSecret::decode(&Value::secret("s"))
            .unwrap()
            .is_secret
    );
    assert!(!OptionalSecret::decode(&s("s")).unwrap().is_secret);
    // Encoding keeps the secret a capsule: it never turns into text.
    assert!(matches!(Secret::new("x").encode(), Value::Capsule(_)));
    assert_eq!(format!("{:?}", Secret::new("x")), "(secret)");
}

#[derive(Clone, Debug, PartialEq)]
struct Receiver(u32);

impl CapsuleValue for Receiver {
    fn capsule_type(&self) -> &'static str {
        "test.Receiver"
    }
    fn capsule_eq(&self, other: &dyn CapsuleValue) -> bool {
        other.as_any().downcast_ref::<Receiver>() == Some(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl CapsuleType for Receiver {
    const NAME: &'static str = "test.Receiver";
}

#[test]
fn capsules_only_of_their_own_type() {
    let got = Vec::<CapsuleOf<Receiver>>::decode(&arr(vec![Value::capsule(Receiver(1))])).unwrap();
    assert_eq!(got, [CapsuleOf(Receiver(1))]);
    assert_eq!(
        err::<CapsuleOf<Receiver>>(Value::secret("x")),
        r#"expected capsule("test.Receiver"), got capsule("alloytypes.Secret")"#
    );
    assert_eq!(
        err::<CapsuleOf<Receiver>>(s("x")),
        "expected capsule, got string"
    );
    let round = CapsuleOf::<Receiver>::decode(&CapsuleOf(Receiver(9)).encode()).unwrap();
    assert_eq!(round.0, Receiver(9));
}

#[test]
fn value_errors_below_a_reference_name_the_path() {
    let e = ValueError::message("boom").in_field("b").in_index(2);
    let runtime = e.locate(&ident(5, "env"));
    assert_eq!(
        (runtime.span, runtime.message.as_str()),
        (span(5, 7), "env[2].b boom")
    );
    assert_eq!(e.locate_bare(&ident(5, "env")).message, "[2].b boom");
}
