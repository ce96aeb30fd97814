//! Evaluation scopes: named values with a parent chain, the standard library as
//! the last fallback, and the minimum stability level the evaluation allows.

use crate::stability::Stability;
use crate::stdlib;
use crate::value::{Object, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// Named values visible to an expression. Lookups try this scope, then its
/// parents, then the standard library. `module_path`, component exports,
/// `argument` and foreach variables are all plain variables set by the caller.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    variables: HashMap<String, Value>,
    parent: Option<Arc<Scope>>,
    min_stability: Stability,
}

impl Scope {
    /// An empty root scope allowing only generally-available features.
    pub fn new() -> Scope {
        Scope::default()
    }

    /// A root scope holding `variables`.
    pub fn with_variables(variables: impl IntoIterator<Item = (String, Value)>) -> Scope {
        Scope {
            variables: variables.into_iter().collect(),
            ..Scope::default()
        }
    }

    /// An empty scope whose lookups fall back to `parent`; it inherits the
    /// parent's minimum stability level.
    pub fn child(parent: Arc<Scope>) -> Scope {
        Scope {
            min_stability: parent.min_stability,
            variables: HashMap::new(),
            parent: Some(parent),
        }
    }

    /// Set the minimum stability level features used by expressions must have.
    pub fn with_min_stability(mut self, level: Stability) -> Scope {
        self.min_stability = level;
        self
    }

    pub fn min_stability(&self) -> Stability {
        self.min_stability
    }

    /// Define or replace a variable in this scope.
    pub fn set(&mut self, name: impl Into<String>, value: Value) {
        self.variables.insert(name.into(), value);
    }

    /// Define a value under a dotted path, as component exports are reached:
    /// `set_path(&["prometheus", "remote_write", "default"], exports)` makes
    /// `prometheus.remote_write.default` resolve to `exports`, merging with
    /// whatever else already sits under `prometheus`. A non-object in the way
    /// is replaced.
    pub fn set_path(&mut self, path: &[&str], value: Value) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        let mut slot = self.variables.entry(first.to_string()).or_default();
        for name in rest {
            if !matches!(slot, Value::Object(_)) {
                *slot = Value::Object(Object::new());
            }
            let Value::Object(o) = slot else { return };
            slot = o.entry(name.to_string()).or_default();
        }
        *slot = value;
    }

    /// A variable of this scope or its parents (not the standard library).
    pub fn variable(&self, name: &str) -> Option<&Value> {
        let mut scope = Some(self);
        while let Some(s) = scope {
            if let Some(v) = s.variables.get(name) {
                return Some(v);
            }
            scope = s.parent.as_deref();
        }
        None
    }

    /// What an identifier means: a variable, else a standard-library name.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        self.variable(name)
            .cloned()
            .or_else(|| stdlib::identifier(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_walk_parents_then_stdlib() {
        let mut root = Scope::new();
        root.set("a", Value::int(1));
        let root = Arc::new(root.with_min_stability(Stability::Experimental));
        let mut child = Scope::child(root);
        child.set("b", Value::int(2));
        assert!(child.lookup("a").is_some());
        assert!(child.lookup("b").is_some());
        assert!(child.lookup("sys").is_some());
        assert!(child.variable("sys").is_none());
        assert!(child.lookup("nope").is_none());
        assert_eq!(child.min_stability(), Stability::Experimental);
    }

    #[test]
    fn dotted_paths_build_nested_objects() {
        let mut scope = Scope::new();
        scope.set_path(&["prometheus", "remote_write", "default"], Value::int(1));
        scope.set_path(&["prometheus", "scrape", "a"], Value::int(2));
        scope.set_path(&["local", "file", "x"], Value::int(3));
        scope.set_path(&["local", "file"], Value::int(4));
        scope.set_path(&["local", "file", "y"], Value::int(5));
        let Some(Value::Object(p)) = scope.variable("prometheus") else {
            panic!("prometheus is an object")
        };
        assert_eq!(p.len(), 2);
        let Some(Value::Object(l)) = scope.variable("local") else {
            panic!("local is an object")
        };
        let Some(Value::Object(f)) = l.get("file") else {
            panic!("file is an object again")
        };
        assert_eq!(f.keys().collect::<Vec<_>>(), ["y"]);
    }
}
