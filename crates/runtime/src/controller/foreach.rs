//! `foreach`: one module per item of a collection, built from the `template`
//! block, seeing the item and the outer nodes the template references.

use super::Pass;
use super::module::{EvalError, Module, ModuleKind, decode, stop_before_replacing};
use super::node::{Located, Node};
use std::sync::Arc;
use syntax::ast::{BlockStmt, Stmt};
use syntax::decode::Block;
use syntax::eval::{Scope, eval_body};
use syntax::pos::{SourceFile, Span};
use syntax::value::{Number, Value};

#[derive(Block, Default)]
struct ForeachArguments {
    #[alloy(attr)]
    collection: Vec<Value>,
    #[alloy(attr)]
    var: String,
    /// The field of object items that names their module.
    #[alloy(attr, optional)]
    id: String,
    #[alloy(attr, optional)]
    hash_string_id: bool,
    /// Per-instance metrics; accepted, instances are always labelled.
    #[alloy(attr, optional)]
    #[allow(dead_code)]
    enable_metrics: bool,
}

impl Module {
    /// A `foreach`: one module per item, built from the `template` block, that
    /// sees the item as `var` and the outer nodes the template references.
    pub(super) fn evaluate_foreach(
        &self,
        node: &Arc<Node>,
        block: &BlockStmt,
        scope: &Scope,
        file: &Arc<SourceFile>,
        pass: &mut Pass,
    ) -> Result<(), EvalError> {
        let (templates, arguments): (Vec<&Stmt>, Vec<&Stmt>) = block
            .body
            .iter()
            .partition(|s| matches!(s, Stmt::Block(b) if b.full_name() == "template"));
        let Some(Stmt::Block(template)) = templates.first() else {
            return Err(EvalError::plain("missing required block \"template\""));
        };
        let arguments: Vec<Stmt> = arguments.into_iter().cloned().collect();
        let body = eval_body(&arguments, scope)
            .map_err(|e| EvalError::spanned("decoding configuration: ", e, file))?;
        let span = Span::new(block.name_pos, block.rcurly);
        let args = decode::<ForeachArguments>(&body, span, file)?;

        let template = Arc::new(template.clone());
        let (old, template_changed) = {
            let mut state = node.state.lock();
            let changed = state.template.as_deref() != Some(&*template);
            state.template = Some(template.clone());
            (std::mem::take(&mut state.instances), changed)
        };
        let mut instances: Vec<(String, Arc<Module>)> = Vec::new();
        for item in &args.collection {
            let base = item_key(&args, item);
            // Repeated items: the second `5` is `5_1`, the third `5_2`.
            let repeats = instances
                .iter()
                .filter(|(k, _)| k == &base || k.starts_with(&format!("{base}_")))
                .count();
            let key = if repeats == 0 {
                base
            } else {
                format!("{base}_{repeats}")
            };
            let mut outer = scope.clone();
            outer.set(args.var.clone(), item.clone());
            let existing = old.iter().find(|(k, _)| *k == key).map(|(_, m)| m.clone());
            let fresh = existing.is_none();
            let instance = existing.unwrap_or_else(|| {
                Module::new(
                    self.shared.clone(),
                    format!("{}/foreach_{key}", self.global_id(&node.id)),
                    ModuleKind::Instance,
                    None,
                    self.this.upgrade().map(|m| Arc::downgrade(&m)),
                    self.module_path.lock().clone(),
                )
            });
            *instance.outer.lock() = Some(Arc::new(outer));
            if fresh || template_changed {
                let blocks = Located::blocks(file.clone(), template.body.clone()).collect();
                if let Some(removed) = instance.apply(blocks, pass) {
                    stop_before_replacing(removed.iter().flat_map(|n| n.stop()).collect());
                }
            }
            instance.evaluate_all(pass);
            instances.push((key, instance));
        }
        for (key, module) in &old {
            if !instances.iter().any(|(k, _)| k == key) {
                stop_before_replacing(module.stop_all());
            }
        }
        node.state.lock().instances = instances;
        Ok(())
    }
}

/// What names a `foreach` item's module: the item's `id` field, else the item
/// itself, so a changed collection gets new modules for new items (as Alloy's
/// cache does). Long or structured names are hashed.
fn item_key(args: &ForeachArguments, item: &Value) -> String {
    let named = match item {
        Value::Object(o) if !args.id.is_empty() => o.get(&args.id).unwrap_or(item),
        _ => item,
    };
    let text = match named {
        Value::String(s) => s.clone(),
        Value::Number(Number::Int(i)) => i.to_string(),
        Value::Number(Number::Uint(u)) => u.to_string(),
        Value::Number(Number::Float(f)) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        other => format!("{other:?}"),
    };
    let simple = text.len() <= 32
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if simple && !args.hash_string_id {
        return text;
    }
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}
