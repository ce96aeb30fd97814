//! Custom components: instances of a `declare`d or imported component, each
//! with a module built from the `declare` body, given the instance's arguments.

use super::Pass;
use super::module::{EvalError, Module, ModuleKind, stop_before_replacing};
use super::node::{Located, Node};
use std::sync::{Arc, Weak};
use syntax::diag::SpanError;
use syntax::evaluated::{Entry, EvaluatedBody};
use syntax::value::{Object, Value};

impl Module {
    /// A custom component: (re)builds its module from the `declare` block when
    /// that changed, passes the arguments and evaluates the module.
    pub(super) fn evaluate_custom(
        &self,
        node: &Arc<Node>,
        body: &EvaluatedBody,
        pass: &mut Pass,
    ) -> Result<(), EvalError> {
        let (declare, site) = self.find_declare(&node.name).map_err(EvalError::plain)?;
        let template = declare.located();
        let child = node.child().unwrap_or_else(|| {
            let child = Module::new(
                self.shared.clone(),
                self.global_id(&node.id),
                ModuleKind::Instance,
                Some((self.this.clone(), node.id.clone())),
                Some(Arc::downgrade(&site)),
                site.module_path.lock().clone(),
            );
            node.state.lock().child = Some(child.clone());
            child
        });
        let current = node.state.lock().template.clone();
        if current.as_deref() != Some(&*template.block) {
            let blocks =
                Located::blocks(template.file.clone(), template.block.body.clone()).collect();
            let removed = child.apply(blocks, pass).ok_or_else(|| {
                EvalError::plain(format!("loading custom component {:?} failed", node.name))
            })?;
            stop_before_replacing(removed.iter().flat_map(|n| n.stop()).collect());
            node.state.lock().template = Some(template.block.clone());
        }

        let mut arguments = Object::new();
        let declared = child.graph();
        for entry in &body.entries {
            if let Entry::Attribute(a) = entry {
                if declared.get(&format!("argument.{}", a.name)).is_none() {
                    return Err(EvalError {
                        message: format!(
                            "Provided argument {:?} is not defined in the module",
                            a.name
                        ),
                        errors: vec![SpanError::new(
                            a.span,
                            format!(
                                "Provided argument {:?} is not defined in the module",
                                a.name
                            ),
                        )],
                    });
                }
                arguments.insert(a.name.clone(), a.value.clone());
            }
        }
        *child.arguments.lock() = arguments;
        child.exports.lock().clear();
        child.evaluate_all(pass);
        node.set_exports(Value::Object(child.exports()));
        Ok(())
    }

    /// The `declare` block a custom component name means here: a local
    /// `declare`, a `declare` of a local import (`namespace.name`), or one
    /// visible where this module's own `declare` was written.
    fn find_declare(&self, name: &str) -> Result<(Arc<Node>, Arc<Module>), String> {
        let graph = self.graph();
        if let (Some(node), Some(this)) =
            (graph.node(&format!("declare.{name}")), self.this.upgrade())
        {
            return Ok((node, this));
        }
        if let Some((namespace, rest)) = name.split_once('.') {
            let import = ["import.file", "import.string"]
                .iter()
                .find_map(|kind| graph.node(&format!("{kind}.{namespace}")));
            if let Some(import) = import {
                let content = import.child();
                let found = content.as_ref().and_then(|c| {
                    c.graph()
                        .node(&format!("declare.{rest}"))
                        .map(|d| (d, c.clone()))
                });
                return found.ok_or_else(|| {
                    format!(
                        "Failed to build component: loading custom component controller: custom component config not found in the registry, namespace: {namespace:?}, componentName: {rest:?}"
                    )
                });
            }
        }
        match self.site.as_ref().and_then(Weak::upgrade) {
            Some(site) => site.find_declare(name),
            None => Err(format!(
                "cannot find the definition of component name {}",
                syntax::scanner::go_quote(name.as_bytes())
            )),
        }
    }
}
