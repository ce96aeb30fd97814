//! Secrets in operators (SPEC §1.9), ported from Alloy's capsule-conversion
//! table: what `+` and `==` yield for every pairing of strings, secrets and
//! optional secrets, and which operators refuse them.

use syntax::eval::{Scope, eval_expr};
use syntax::value::{OptionalSecret, Secret, Value};
use syntax::{SourceFile, parser};

fn scope() -> Scope {
    let mut s = Scope::new();
    s.set("string_val", Value::string("hello"));
    let opt = |is_secret, value: &str| {
        Value::capsule(OptionalSecret {
            is_secret,
            value: value.into(),
        })
    };
    s.set("non_secret_val", opt(false, "world"));
    s.set("secret_val", opt(true, "secret"));
    s.set("secret_type_val", Value::secret("welcome"));
    s
}

/// The result as `string:x`, `secret:x`, `optional(secret?):x` or `bool:x`, or
/// the error message.
fn eval(src: &str) -> String {
    let file = SourceFile::new("", src.as_bytes());
    let expr = parser::parse_expression(&file).expect("parses");
    match eval_expr(&expr, &scope()) {
        Ok(Value::String(s)) => format!("string:{s}"),
        Ok(Value::Bool(b)) => format!("bool:{b}"),
        Ok(Value::Capsule(c)) => {
            if let Some(s) = c.downcast_ref::<Secret>() {
                format!("secret:{}", s.expose())
            } else if let Some(o) = c.downcast_ref::<OptionalSecret>() {
                format!("optional({}):{}", o.is_secret, o.value)
            } else {
                "other capsule".into()
            }
        }
        Ok(other) => format!("{other:?}"),
        Err(e) => e.message,
    }
}

#[test]
fn capsule_conversion_table() {
    let cases = [
        ("string_val + non_secret_val", "string:helloworld"),
        ("non_secret_val + string_val", "string:worldhello"),
        ("\"world\" == non_secret_val", "bool:true"),
        ("non_secret_val == \"world\"", "bool:true"),
        ("secret_val == secret_val", "bool:true"),
        ("non_secret_val == non_secret_val", "bool:true"),
        ("non_secret_val == secret_val", "bool:false"),
        (
            "secret_val - string_val",
            "secret_val should be one of [number] for binop -, got capsule",
        ),
        (
            "string_val - secret_val",
            "string_val should be one of [number] for binop -, got capsule",
        ),
        ("secret_val + string_val", "optional(true):secrethello"),
        (
            "non_secret_val + non_secret_val",
            "optional(false):worldworld",
        ),
        ("secret_val + non_secret_val", "optional(true):secretworld"),
        ("non_secret_val + secret_val", "optional(true):worldsecret"),
        ("non_secret_val + secret_type_val", "secret:worldwelcome"),
        ("secret_type_val + string_val", "secret:welcomehello"),
        ("secret_type_val + non_secret_val", "secret:welcomeworld"),
        ("secret_type_val + secret_val", "secret:welcomesecret"),
        ("secret_type_val + secret_type_val", "secret:welcomewelcome"),
        ("string_val + secret_val", "optional(true):hellosecret"),
        ("string_val + string_val", "string:hellohello"),
        ("string_val + secret_type_val", "secret:hellowelcome"),
        ("secret_type_val == \"welcome\"", "bool:true"),
        ("secret_type_val != \"x\"", "bool:true"),
        (
            "secret_type_val < \"x\"",
            "secret_type_val should be one of [number string] for binop <, got capsule",
        ),
    ];
    for (src, want) in cases {
        assert_eq!(eval(src), want, "evaluating {src:?}");
    }
}
