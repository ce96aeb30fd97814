//! `array`: concatenation, joins of lists of objects, grouping.

use super::{args, object_of, variadic};
use crate::value::{CallError, Number, Object, PathStep, Type, Value};

pub fn namespace() -> Value {
    // All three are raw functions in Alloy: they check their own arguments.
    object_of(vec![
        ("concat", variadic("array.concat", 0, concat)),
        (
            "combine_maps",
            variadic("array.combine_maps", 0, combine_maps),
        ),
        ("group_by", variadic("array.group_by", 0, group_by)),
    ])
}

/// `array.concat(...)`: every argument must be an array.
fn concat(a: &[Value]) -> Result<Value, CallError> {
    let mut out = Vec::new();
    for (i, v) in a.iter().enumerate() {
        match v {
            Value::Array(items) => out.extend(items.iter().cloned()),
            other => return Err(args::type_error(i, Type::Array, other)),
        }
    }
    Ok(Value::Array(out))
}

/// An element as an object: objects, or capsules that convert to one.
fn as_object(v: &Value) -> Option<Object> {
    match v {
        Value::Object(o) => Some(o.clone()),
        Value::Capsule(c) => c.0.as_object(),
        _ => None,
    }
}

/// The objects of list argument `i`.
fn object_list(a: &[Value], i: usize) -> Result<Vec<Object>, CallError> {
    let Value::Array(items) = args::get(a, i) else {
        return Err(args::type_error(i, Type::Array, args::get(a, i)));
    };
    items
        .iter()
        .enumerate()
        .map(|(j, v)| {
            as_object(v)
                .ok_or_else(|| args::type_error(i, Type::Object, v).within(PathStep::Index(j)))
        })
        .collect()
}

/// Go's `reflect.Value.Equal` on the stored values: the same kind and value
/// (an int 1 is not a float 1.0), compared deeply for collections.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x, y) {
            (Number::Int(p), Number::Int(q)) => p == q,
            (Number::Uint(p), Number::Uint(q)) => p == q,
            (Number::Float(p), Number::Float(q)) => p == q,
            _ => false,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_value(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, p)| y.get(k).is_some_and(|q| same_value(p, q)))
        }
        (Value::Null, Value::Null) => true,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Capsule(x), Value::Capsule(y)) => x.0.capsule_eq(y.0.as_ref()),
        _ => false,
    }
}

/// `array.combine_maps(lhs, rhs, keys[, passthrough])`: a nested-loop join on
/// `keys` (all present and equal); the merged object takes rhs values. With
/// `passthrough`, an lhs element is also emitted once per rhs element it does
/// not match.
fn combine_maps(a: &[Value]) -> Result<Value, CallError> {
    if a.len() != 3 && a.len() != 4 {
        return Err(CallError::bare(format!(
            "combine_maps: expected 3 or 4 arguments, got {}",
            a.len()
        )));
    }
    let (lhs, rhs) = (object_list(a, 0)?, object_list(a, 1)?);
    let keys = match &a[2] {
        Value::Array(items) if items.is_empty() => {
            return Err(CallError::at_arg(
                2,
                "combine_maps: merge conditions must not be empty",
            ));
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(j, v)| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(args::type_error(2, Type::String, other).within(PathStep::Index(j))),
            })
            .collect::<Result<Vec<_>, _>>()?,
        other => return Err(args::type_error(2, Type::Array, other)),
    };
    let passthrough = match a.get(3) {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => return Err(args::type_error(3, Type::Bool, other)),
    };
    let mut out = Vec::new();
    for (i, left) in lhs.iter().enumerate() {
        for right in &rhs {
            let joins = keys.iter().all(|k| match (left.get(k), right.get(k)) {
                (Some(l), Some(r)) => same_value(l, r),
                _ => false,
            });
            if joins {
                let mut merged = left.clone();
                merged.extend(right.iter().map(|(k, v)| (k.clone(), v.clone())));
                out.push(Value::Object(merged));
            } else if passthrough {
                // The original element, unconverted, as Alloy passes it.
                if let Value::Array(items) = &a[0] {
                    out.push(items[i].clone());
                }
            }
        }
    }
    Ok(Value::Array(out))
}

/// `array.group_by(items, key, drop_missing)`: groups objects by the string
/// value of a top-level key, in order of first appearance (Alloy's order is
/// unspecified). Items without the key form the `""` group unless dropped.
fn group_by(a: &[Value]) -> Result<Value, CallError> {
    if a.len() != 3 {
        return Err(CallError::bare(format!(
            "group_by: expected 3 arguments, got {}",
            a.len()
        )));
    }
    let Value::Array(items) = &a[0] else {
        return Err(args::type_error(0, Type::Array, &a[0]));
    };
    let Value::String(key) = &a[1] else {
        return Err(args::type_error(1, Type::String, &a[1]));
    };
    let Value::Bool(drop_missing) = a[2] else {
        return Err(args::type_error(2, Type::Bool, &a[2]));
    };
    let mut groups: indexmap::IndexMap<String, Vec<Value>> = indexmap::IndexMap::new();
    for (i, item) in items.iter().enumerate() {
        let obj = as_object(item)
            .ok_or_else(|| args::type_error(0, Type::Object, item).within(PathStep::Index(i)))?;
        let group = match obj.get(key) {
            None if drop_missing => continue,
            None => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                return Err(args::type_error(0, Type::String, other)
                    .within(PathStep::Index(i))
                    .within(PathStep::Key(key.clone())));
            }
        };
        groups.entry(group).or_default().push(Value::Object(obj));
    }
    let result = groups
        .into_iter()
        .map(|(value, members)| {
            let mut g = Object::new();
            g.insert(key.clone(), Value::String(value));
            g.insert("items".to_string(), Value::Array(members));
            Value::Object(g)
        })
        .collect();
    Ok(Value::Array(result))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn s(v: &str) -> Value {
        Value::string(v)
    }

    fn arr(v: Vec<Value>) -> Value {
        Value::Array(v)
    }

    fn len(v: Value) -> usize {
        match v {
            Value::Array(a) => a.len(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn concat_checks_every_argument() {
        assert_eq!(len(concat(&[]).unwrap()), 0);
        let r = concat(&[
            arr(vec![Value::Bool(true), s("foo")]),
            arr(vec![]),
            arr(vec![Value::int(1)]),
        ]);
        assert_eq!(len(r.unwrap()), 3);
        let e = concat(&[arr(vec![]), s("x")]).unwrap_err();
        assert_eq!(
            (e.arg, e.message.as_str()),
            (Some(1), "should be array, got string")
        );
    }

    #[test]
    fn combine_maps_joins() {
        let lhs = arr(vec![obj(&[("a", Value::int(1)), ("b", Value::float(2.2))])]);
        let rhs = arr(vec![obj(&[("a", Value::int(1)), ("b", s("3.3"))])]);
        let r = combine_maps(&[lhs.clone(), rhs, arr(vec![s("a")])]).unwrap();
        let Value::Array(items) = r else { panic!() };
        assert_eq!(items.len(), 1);
        assert!(
            matches!(&items[0], Value::Object(o) if matches!(o.get("b"), Some(Value::String(x)) if x == "3.3"))
        );

        // Type-sensitive: int 1 does not join string "1" nor float 1.0.
        let rhs = arr(vec![
            obj(&[("a", s("1"))]),
            obj(&[("a", Value::float(1.0))]),
        ]);
        assert_eq!(
            len(combine_maps(&[lhs.clone(), rhs.clone(), arr(vec![s("a")])]).unwrap()),
            0
        );
        // Passthrough: once per unmatched rhs element.
        assert_eq!(
            len(combine_maps(&[lhs.clone(), rhs, arr(vec![s("a")]), Value::Bool(true)]).unwrap()),
            2
        );
        assert_eq!(
            len(combine_maps(&[
                lhs.clone(),
                arr(vec![]),
                arr(vec![s("a")]),
                Value::Bool(true)
            ])
            .unwrap()),
            0
        );
    }

    #[test]
    fn combine_maps_errors() {
        let lhs = arr(vec![obj(&[("a", s("a1"))])]);
        let e = combine_maps(&[lhs.clone(), s("a"), arr(vec![s("a")])]).unwrap_err();
        assert_eq!(
            (e.arg, e.message.as_str()),
            (Some(1), "should be array, got string")
        );
        let e = combine_maps(&[lhs.clone(), arr(vec![s("a")]), arr(vec![s("a")])]).unwrap_err();
        assert_eq!(e.message, "should be object, got string");
        assert_eq!(e.path, vec![PathStep::Index(0)]);
        let e = combine_maps(&[lhs.clone(), lhs.clone(), arr(vec![])]).unwrap_err();
        assert_eq!(
            (e.arg, e.message.as_str()),
            (Some(2), "combine_maps: merge conditions must not be empty")
        );
        let e = combine_maps(&[lhs.clone(), lhs.clone()]).unwrap_err();
        assert!(e.bare);
        assert_eq!(e.message, "combine_maps: expected 3 or 4 arguments, got 2");
        let e = combine_maps(&[lhs.clone(), lhs, arr(vec![s("a")]), s("x")]).unwrap_err();
        assert_eq!(
            (e.arg, e.message.as_str()),
            (Some(3), "should be bool, got string")
        );
    }

    #[test]
    fn group_by_groups_in_first_seen_order() {
        let items = arr(vec![
            obj(&[("name", s("alice")), ("age", s("20"))]),
            obj(&[("name", s("bob"))]),
            obj(&[("name", s("carol")), ("age", s("20"))]),
        ]);
        let r = group_by(&[items.clone(), s("age"), Value::Bool(false)]).unwrap();
        let Value::Array(groups) = r else { panic!() };
        assert_eq!(groups.len(), 2);
        let Value::Object(first) = &groups[0] else {
            panic!()
        };
        assert!(matches!(first.get("age"), Some(Value::String(x)) if x == "20"));
        assert!(matches!(first.get("items"), Some(Value::Array(m)) if m.len() == 2));
        assert_eq!(
            len(group_by(&[items, s("age"), Value::Bool(true)]).unwrap()),
            1
        );
        assert_eq!(
            len(group_by(&[arr(vec![]), s("age"), Value::Bool(false)]).unwrap()),
            0
        );
    }

    #[test]
    fn group_by_errors() {
        let e = group_by(&[arr(vec![]), s("age")]).unwrap_err();
        assert!(e.bare);
        assert_eq!(e.message, "group_by: expected 3 arguments, got 2");
        let e = group_by(&[s("x"), s("age"), Value::Bool(false)]).unwrap_err();
        assert_eq!(e.message, "should be array, got string");
        let e = group_by(&[arr(vec![]), Value::int(123), Value::Bool(false)]).unwrap_err();
        assert_eq!(
            (e.arg, e.message.as_str()),
            (Some(1), "should be string, got number")
        );
        let e = group_by(&[arr(vec![]), s("a"), s("x")]).unwrap_err();
        assert_eq!(
            (e.arg, e.message.as_str()),
            (Some(2), "should be bool, got string")
        );
        let e = group_by(&[arr(vec![s("x")]), s("a"), Value::Bool(false)]).unwrap_err();
        assert_eq!(e.message, "should be object, got string");
        let items = arr(vec![obj(&[("age", Value::int(20))])]);
        let e = group_by(&[items, s("age"), Value::Bool(false)]).unwrap_err();
        assert_eq!(e.message, "should be string, got number");
        assert_eq!(
            e.path,
            vec![PathStep::Index(0), PathStep::Key("age".into())]
        );
    }
}
