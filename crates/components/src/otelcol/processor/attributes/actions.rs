//! The `action` blocks: configuration, checks in the Collector's words, and
//! their application to one attribute list.

use super::value::{ConfigValue, as_string, get, get_mut, put};
use model::otlp::ClientInfo;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use regex::Regex;
use syntax::decode::Block;

/// One `action` block as written.
#[derive(Clone, Debug, Default, PartialEq, Block)]
pub struct ActionArgs {
    #[alloy(attr)]
    pub key: String,
    #[alloy(attr)]
    pub action: String,
    #[alloy(attr, optional)]
    pub value: Option<ConfigValue>,
    #[alloy(attr, optional)]
    pub pattern: String,
    #[alloy(attr, optional)]
    pub from_attribute: String,
    #[alloy(attr, optional)]
    pub from_context: String,
    #[alloy(attr, optional)]
    pub converted_type: String,
}

/// Where insert, update and upsert take their value from.
#[derive(Debug)]
enum Source {
    Value(Any),
    Attribute(String),
    Context(String),
}

#[derive(Clone, Copy, Debug)]
enum Target {
    Int,
    Double,
    Str,
}

#[derive(Debug)]
enum Op {
    Insert(Source),
    Update(Source),
    Upsert(Source),
    Delete(Option<Regex>),
    Hash(Option<Regex>),
    /// The pattern and the names of its groups, in order.
    Extract(Regex, Vec<String>),
    Convert(Target),
}

/// A checked action, ready to apply.
#[derive(Debug)]
pub struct Action {
    key: String,
    op: Op,
}

fn compile(pattern: &str, i: usize) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|_| {
        format!(
            "error creating AttrProc. Field \"pattern\" has invalid pattern: \"{pattern}\" to be set at the {i}-th actions"
        )
    })
}

impl Action {
    /// Checks the `i`-th action as the Collector does.
    pub fn new(args: &ActionArgs, i: usize) -> Result<Action, String> {
        let action = args.action.to_lowercase();
        let sources = usize::from(args.value.is_some())
            + usize::from(!args.from_attribute.is_empty())
            + usize::from(!args.from_context.is_empty());
        let no_converted_type = || {
            if args.converted_type.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "error creating AttrProc. Action \"{action}\" does not use the \"converted_type\" field. This must not be specified for {i}-th action"
                ))
            }
        };
        match action.as_str() {
            "delete" | "hash" if args.key.is_empty() && args.pattern.is_empty() => {
                return Err(format!(
                    "error creating AttrProc due to missing required field (at least one of \"key\" and \"pattern\" have to be used) at the {i}-th actions"
                ));
            }
            "delete" | "hash" => {}
            _ if args.key.is_empty() => {
                return Err(format!(
                    "error creating AttrProc due to missing required field \"key\" at the {i}-th actions"
                ));
            }
            _ => {}
        }
        let op = match action.as_str() {
            "insert" | "update" | "upsert" => {
                if sources == 0 {
                    return Err(format!(
                        "error creating AttrProc. Either field \"value\", \"from_attribute\" or \"from_context\" setting must be specified for {i}-th action"
                    ));
                }
                if sources > 1 {
                    return Err(format!(
                        "error creating AttrProc due to multiple value sources being set at the {i}-th actions"
                    ));
                }
                if !args.pattern.is_empty() {
                    return Err(format!(
                        "error creating AttrProc. Action \"{action}\" does not use the \"pattern\" field. This must not be specified for {i}-th action"
                    ));
                }
                no_converted_type()?;
                let source = if let Some(value) = &args.value {
                    Source::Value(value.to_any())
                } else if !args.from_context.is_empty() {
                    Source::Context(args.from_context.clone())
                } else {
                    Source::Attribute(args.from_attribute.clone())
                };
                match action.as_str() {
                    "insert" => Op::Insert(source),
                    "update" => Op::Update(source),
                    _ => Op::Upsert(source),
                }
            }
            "delete" | "hash" => {
                if args.value.is_some() || !args.from_attribute.is_empty() {
                    return Err(format!(
                        "error creating AttrProc. Action \"{action}\" does not use \"value\" or \"from_attribute\" field. These must not be specified for {i}-th action"
                    ));
                }
                let pattern = if args.pattern.is_empty() {
                    None
                } else {
                    Some(compile(&args.pattern, i)?)
                };
                no_converted_type()?;
                if action == "delete" {
                    Op::Delete(pattern)
                } else {
                    Op::Hash(pattern)
                }
            }
            "extract" => {
                if sources > 0 {
                    return Err(format!(
                        "error creating AttrProc. Action \"{action}\" does not use a value source field. These must not be specified for {i}-th action"
                    ));
                }
                if args.pattern.is_empty() {
                    return Err(format!(
                        "error creating AttrProc due to missing required field \"pattern\" for action \"{action}\" at the {i}-th action"
                    ));
                }
                no_converted_type()?;
                let regex = compile(&args.pattern, i)?;
                let names: Vec<Option<&str>> = regex.capture_names().skip(1).collect();
                if names.is_empty() {
                    return Err(format!(
                        "error creating AttrProc. Field \"pattern\" contains no named matcher groups at the {i}-th actions"
                    ));
                }
                let names = names
                    .into_iter()
                    .map(|n| n.map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!(
                        "error creating AttrProc. Field \"pattern\" contains at least one unnamed matcher group at the {i}-th actions"
                    ))?;
                Op::Extract(regex, names)
            }
            "convert" => {
                if sources > 0 || !args.pattern.is_empty() {
                    return Err(format!(
                        "error creating AttrProc. Action \"{action}\" does not use value sources or \"pattern\" field. These must not be specified for {i}-th action"
                    ));
                }
                Op::Convert(match args.converted_type.as_str() {
                    "int" => Target::Int,
                    "double" => Target::Double,
                    "string" => Target::Str,
                    "" => {
                        return Err(format!(
                            "error creating AttrProc due to missing required field \"converted_type\" for action \"{action}\" at the {i}-th action"
                        ));
                    }
                    other => {
                        return Err(format!(
                            "error creating AttrProc due to invalid value \"{other}\" in field \"converted_type\" for action \"{action}\" at the {i}-th action"
                        ));
                    }
                })
            }
            _ => {
                return Err(format!(
                    "error creating AttrProc due to unsupported action {action:?} at the {i}-th actions"
                ));
            }
        };
        Ok(Action {
            key: args.key.clone(),
            op,
        })
    }

    /// Applies the action to one item's attributes.
    pub fn apply(&self, attributes: &mut Vec<KeyValue>, client: &ClientInfo) {
        match &self.op {
            Op::Insert(source) => {
                if get(attributes, &self.key).is_none()
                    && let Some(value) = source_value(source, attributes, client)
                {
                    put(attributes, &self.key, value);
                }
            }
            Op::Update(source) => {
                if get(attributes, &self.key).is_some()
                    && let Some(value) = source_value(source, attributes, client)
                {
                    put(attributes, &self.key, value);
                }
            }
            Op::Upsert(source) => {
                if let Some(value) = source_value(source, attributes, client) {
                    put(attributes, &self.key, value);
                }
            }
            Op::Delete(pattern) => {
                attributes.retain(|kv| {
                    kv.key != self.key && !pattern.as_ref().is_some_and(|p| p.is_match(&kv.key))
                });
            }
            Op::Hash(pattern) => {
                for kv in attributes.iter_mut() {
                    if kv.key == self.key || pattern.as_ref().is_some_and(|p| p.is_match(&kv.key)) {
                        let hashed = kv
                            .value
                            .as_ref()
                            .and_then(|v| v.value.as_ref())
                            .map(sha1_hex)
                            .unwrap_or_default();
                        kv.value = Some(opentelemetry_proto::tonic::common::v1::AnyValue {
                            value: Some(Any::StringValue(hashed)),
                        });
                    }
                }
            }
            Op::Extract(regex, names) => {
                let Some(Any::StringValue(text)) = get(attributes, &self.key) else {
                    return;
                };
                let Some(captures) = regex.captures(text) else {
                    return;
                };
                let found: Vec<String> = (1..=names.len())
                    .map(|i| captures.get(i).map_or("", |m| m.as_str()).to_owned())
                    .collect();
                for (name, value) in names.iter().zip(found) {
                    put(attributes, name, Any::StringValue(value));
                }
            }
            Op::Convert(target) => {
                let Some(kv) = get_mut(attributes, &self.key) else {
                    return;
                };
                let Some(value) = kv.value.as_mut().and_then(|v| v.value.as_mut()) else {
                    return;
                };
                if let Some(converted) = convert(value, *target) {
                    *value = converted;
                }
            }
        }
    }
}

fn source_value(source: &Source, attributes: &[KeyValue], client: &ClientInfo) -> Option<Any> {
    match source {
        Source::Value(v) => Some(v.clone()),
        Source::Attribute(key) => get(attributes, key).cloned(),
        Source::Context(key) => from_context(key, client).map(Any::StringValue),
    }
}

/// `client.address`, `metadata.<name>`, `auth.<name>`, or (as the Collector
/// still accepts) a bare metadata name; several values are joined with `;`.
fn from_context(key: &str, client: &ClientInfo) -> Option<String> {
    if key == "client.address" {
        return Some(
            client
                .address
                .map(|a| a.ip().to_string())
                .unwrap_or_default(),
        );
    }
    if let Some(name) = key.strip_prefix("auth.") {
        return client
            .auth
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone());
    }
    let name = key.strip_prefix("metadata.").unwrap_or(key);
    let values = client.metadata(name);
    (!values.is_empty()).then(|| values.join(";"))
}

/// SHA-1 of the value's bytes in hex, as the Collector hashes: strings as
/// UTF-8, booleans as one byte, numbers as 8 little-endian bytes; other types
/// become the empty string.
fn sha1_hex(value: &Any) -> String {
    let bytes: Vec<u8> = match value {
        Any::StringValue(s) => s.as_bytes().to_vec(),
        Any::BoolValue(b) => vec![u8::from(*b)],
        Any::IntValue(i) => i.to_le_bytes().to_vec(),
        Any::DoubleValue(d) => d.to_bits().to_le_bytes().to_vec(),
        _ => Vec::new(),
    };
    if bytes.is_empty() {
        return String::new();
    }
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &bytes);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// The converted value, or `None` when it does not convert (left unchanged,
/// as the Collector does).
fn convert(value: &Any, target: Target) -> Option<Any> {
    match target {
        Target::Int => Some(Any::IntValue(match value {
            Any::IntValue(i) => *i,
            Any::DoubleValue(d) => *d as i64,
            Any::BoolValue(b) => i64::from(*b),
            Any::StringValue(s) => s.parse().ok()?,
            _ => return None,
        })),
        Target::Double => Some(Any::DoubleValue(match value {
            Any::DoubleValue(d) => *d,
            Any::IntValue(i) => *i as f64,
            Any::BoolValue(b) => f64::from(u8::from(*b)),
            Any::StringValue(s) => s.parse().ok()?,
            _ => return None,
        })),
        Target::Str => Some(Any::StringValue(as_string(value))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::otelcol::processor::testing::kv;

    fn s(v: &str) -> Any {
        Any::StringValue(v.into())
    }

    fn action(key: &str, action: &str) -> ActionArgs {
        ActionArgs {
            key: key.into(),
            action: action.into(),
            ..ActionArgs::default()
        }
    }

    fn run(
        actions: &[ActionArgs],
        mut attributes: Vec<KeyValue>,
        client: &ClientInfo,
    ) -> Vec<KeyValue> {
        for (i, a) in actions.iter().enumerate() {
            Action::new(a, i).unwrap().apply(&mut attributes, client);
        }
        attributes
    }

    #[test]
    fn insert_update_upsert_from_value_attribute_and_context() {
        let client = ClientInfo {
            address: Some("10.1.2.3:5555".parse().unwrap()),
            metadata: vec![("x-tenant".into(), vec!["a".into(), "b".into()])],
            auth: vec![("username".into(), "bob".into())],
        };
        let with = |mut a: ActionArgs, f: fn(&mut ActionArgs)| {
            f(&mut a);
            a
        };
        let actions = [
            with(action("present", "insert"), |a| {
                a.value = Some(ConfigValue::Int(1))
            }),
            with(action("new", "insert"), |a| {
                a.value = Some(ConfigValue::Bool(true))
            }),
            with(action("present", "update"), |a| {
                a.from_attribute = "other".into()
            }),
            with(action("absent", "update"), |a| {
                a.value = Some(ConfigValue::Int(3))
            }),
            with(action("up", "upsert"), |a| {
                a.value = Some(ConfigValue::Double(1.5))
            }),
            with(action("tenant", "upsert"), |a| {
                a.from_context = "metadata.X-Tenant".into()
            }),
            with(action("user", "insert"), |a| {
                a.from_context = "auth.username".into()
            }),
            with(action("ip", "insert"), |a| {
                a.from_context = "client.address".into()
            }),
            with(action("none", "insert"), |a| {
                a.from_context = "metadata.missing".into()
            }),
        ];
        let out = run(
            &actions,
            vec![kv("present", s("old")), kv("other", s("o"))],
            &client,
        );
        assert_eq!(
            out,
            [
                kv("present", s("o")),
                kv("other", s("o")),
                kv("new", Any::BoolValue(true)),
                kv("up", Any::DoubleValue(1.5)),
                kv("tenant", s("a;b")),
                kv("user", s("bob")),
                kv("ip", s("10.1.2.3")),
            ]
        );
    }

    #[test]
    fn delete_and_hash_by_key_and_pattern() {
        let mut delete = action("password", "delete");
        delete.pattern = "^secret_".into();
        let mut hash = action("", "hash");
        hash.pattern = "^user".into();
        let out = run(
            &[delete, hash, action("n", "hash")],
            vec![
                kv("password", s("x")),
                kv("secret_a", s("y")),
                kv("keep", s("z")),
                kv("user.email", s("a@b.c")),
                kv("n", Any::IntValue(1)),
            ],
            &ClientInfo::default(),
        );
        assert_eq!(
            out,
            [
                kv("keep", s("z")),
                kv("user.email", s(&sha1_hex(&s("a@b.c")))),
                kv("n", s(&sha1_hex(&Any::IntValue(1)))),
            ]
        );
        // A known SHA-1: of "abc".
        assert_eq!(
            sha1_hex(&s("abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            sha1_hex(&Any::BoolValue(true)),
            "bf8b4530d8d246dd74ac53a13471bba17941dff7"
        );
    }

    #[test]
    fn extract_named_groups_as_the_collector_documents() {
        // The Collector's example (its separator group made non-capturing,
        // as an unnamed group is refused): split an HTTP URL into its parts.
        let mut extract = action("http.url", "extract");
        extract.pattern = r"^(?P<http_protocol>.*):\/\/(?P<http_domain>.*)\/(?P<http_path>.*)(?:\?|\&)(?P<http_query_params>.*)".into();
        let out = run(
            &[extract],
            vec![kv(
                "http.url",
                s("http://example.com/path?queryParam1=value1,queryParam2=value2"),
            )],
            &ClientInfo::default(),
        );
        assert_eq!(
            out,
            [
                kv(
                    "http.url",
                    s("http://example.com/path?queryParam1=value1,queryParam2=value2")
                ),
                kv("http_protocol", s("http")),
                kv("http_domain", s("example.com")),
                kv("http_path", s("path")),
                kv(
                    "http_query_params",
                    s("queryParam1=value1,queryParam2=value2")
                ),
            ]
        );
    }

    #[test]
    fn convert_between_types() {
        let convert = |key: &str, to: &str| {
            let mut a = action(key, "convert");
            a.converted_type = to.into();
            a
        };
        let out = run(
            &[
                convert("a", "int"),
                convert("b", "double"),
                convert("c", "string"),
                convert("d", "int"),
                convert("e", "int"),
            ],
            vec![
                kv("a", s("42")),
                kv("b", Any::IntValue(2)),
                kv("c", Any::BoolValue(true)),
                kv("d", s("not a number")),
                kv("e", Any::DoubleValue(3.9)),
            ],
            &ClientInfo::default(),
        );
        assert_eq!(
            out,
            [
                kv("a", Any::IntValue(42)),
                kv("b", Any::DoubleValue(2.0)),
                kv("c", s("true")),
                kv("d", s("not a number")),
                kv("e", Any::IntValue(3)),
            ]
        );
    }

    #[test]
    fn checks_in_the_collectors_words() {
        let err = |a: ActionArgs| Action::new(&a, 0).unwrap_err();
        assert_eq!(
            err(action("k", "insert")),
            "error creating AttrProc. Either field \"value\", \"from_attribute\" or \"from_context\" setting must be specified for 0-th action"
        );
        let mut two = action("k", "upsert");
        two.value = Some(ConfigValue::Int(1));
        two.from_attribute = "x".into();
        assert_eq!(
            err(two),
            "error creating AttrProc due to multiple value sources being set at the 0-th actions"
        );
        assert_eq!(
            err(action("", "delete")),
            "error creating AttrProc due to missing required field (at least one of \"key\" and \"pattern\" have to be used) at the 0-th actions"
        );
        let mut unnamed = action("k", "extract");
        unnamed.pattern = "(?P<a>x)(y)".into();
        assert_eq!(
            err(unnamed),
            "error creating AttrProc. Field \"pattern\" contains at least one unnamed matcher group at the 0-th actions"
        );
        assert_eq!(
            err(action("k", "extract")),
            "error creating AttrProc due to missing required field \"pattern\" for action \"extract\" at the 0-th action"
        );
        let mut bad_type = action("k", "convert");
        bad_type.converted_type = "bool".into();
        assert_eq!(
            err(bad_type),
            "error creating AttrProc due to invalid value \"bool\" in field \"converted_type\" for action \"convert\" at the 0-th action"
        );
        assert_eq!(
            err(action("k", "rename")),
            "error creating AttrProc due to unsupported action \"rename\" at the 0-th actions"
        );
    }
}
