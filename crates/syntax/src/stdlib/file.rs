//! `file`: path helpers (Unix rules, as Alloy on Linux).

use super::{args, object_of, variadic};
use crate::value::{CallError, Value};

pub fn namespace() -> Value {
    object_of(vec![(
        "path_join",
        variadic("file.path_join", 0, path_join),
    )])
}

/// `file.path_join(...)`.
fn path_join(a: &[Value]) -> Result<Value, CallError> {
    let parts = args::strings_from(a, 0)?;
    Ok(Value::String(join_paths(parts.iter().map(String::as_str))))
}

/// Go's `filepath.Join` (Unix): empty elements are skipped, the rest joined with
/// `/` and cleaned; nothing to join gives `""`. The runtime names configuration
/// files the same way, so diagnostics show the paths Alloy shows.
pub fn join_paths<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let parts: Vec<&str> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return String::new();
    }
    clean(&parts.join("/"))
}

/// Go's `path.Clean`: one slash between names, no `.`, `..` resolved lexically.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match out.last() {
                Some(&last) if last != ".." => {
                    out.pop();
                }
                _ if rooted => {}
                _ => out.push(".."),
            },
            name => out.push(name),
        }
    }
    let body = out.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(parts: &[&str]) -> String {
        let args: Vec<Value> = parts.iter().map(|p| Value::string(*p)).collect();
        match path_join(&args).unwrap() {
            Value::String(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn joins_and_cleans_like_go() {
        assert_eq!(join(&["this/is", "a/path"]), "this/is/a/path");
        assert_eq!(join(&[]), "");
        assert_eq!(join(&["", ""]), "");
        assert_eq!(join(&["a", ""]), "a");
        assert_eq!(join(&["/a/", "../b"]), "/b");
        assert_eq!(join(&["a", "..", ".."]), "..");
        assert_eq!(join(&["/", ".."]), "/");
        assert_eq!(join(&["a//b", "./c/"]), "a/b/c");
        assert_eq!(join(&["a", "..", "."]), ".");
        let e = path_join(&[Value::string("a"), Value::Bool(true)]).unwrap_err();
        assert_eq!(
            (e.arg, e.message.as_str()),
            (Some(1), "should be string, got bool")
        );
        let n = path_join(&[Value::int(1), Value::string("x")]).unwrap();
        assert!(matches!(n, Value::String(s) if s == "1/x"));
    }
}
