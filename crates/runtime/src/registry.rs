//! The registry of component types: which names exist, at which stability, with
//! which argument schemas. It is also what `validate` checks components against.

use crate::component::Registration;
use crate::validate::{Checked, Schemas};
use std::collections::BTreeMap;
use syntax::ast::{BlockStmt, Stmt};
use syntax::diag::SpanError;
use syntax::pos::Span;
use syntax::stability::Stability;

#[derive(Clone, Default)]
pub struct Registry {
    by_name: BTreeMap<&'static str, Registration>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Adds a component type; a second registration of a name replaces the first.
    pub fn register(&mut self, registration: Registration) {
        self.by_name.insert(registration.name, registration);
    }

    pub fn get(&self, name: &str) -> Option<&Registration> {
        self.by_name.get(name)
    }

    /// Component names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_name.keys().copied()
    }

    /// `Err` with Alloy's message when `name` is unknown or below `min` stability.
    pub fn lookup(&self, name: &str, min: Stability) -> Result<&Registration, String> {
        let registration = self.by_name.get(name).ok_or_else(|| {
            format!(
                "cannot find the definition of component name {}",
                syntax::scanner::go_quote(name.as_bytes())
            )
        })?;
        registration
            .stability
            .check_allowed(min, &format!("component {:?}", name))?;
        Ok(registration)
    }
}

impl Schemas for Registry {
    fn component(&self, name: &str, min: Stability) -> Result<(), String> {
        self.lookup(name, min).map(|_| ())
    }

    fn typecheck(&self, kind: Checked<'_>, block: &BlockStmt, body: &[&Stmt]) -> Vec<SpanError> {
        let Checked::Component(name) = kind else {
            return Vec::new();
        };
        match self.by_name.get(name) {
            Some(r) => syntax::decode::typecheck(
                &(r.arguments)(),
                body,
                Span::new(block.name_pos, block.rcurly),
            ),
            None => Vec::new(),
        }
    }
}
