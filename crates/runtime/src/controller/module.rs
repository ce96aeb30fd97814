//! A module: the graph of one body of blocks (the root configuration, a custom
//! component's `declare` body, or an imported file) and its evaluation in
//! dependency order (SPEC §1.11–1.12).

use super::graph::{ModuleGraph, build_graph};
use super::node::{Kind, Located, Node};
use super::{Pass, Shared, Update};
use crate::component::{ApplyError, Options};
use parking_lot::Mutex;
use prometheus_client::registry::Registry as MetricsRegistry;
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::{Arc, Weak};
use std::time::Instant;
use syntax::decode::Block;
use syntax::diag::SpanError;
use syntax::eval::{Scope, eval_body};
use syntax::evaluated::EvaluatedBody;
use syntax::pos::{SourceFile, Span};
use syntax::value::{Object, Value};

/// A node whose exports changed, and whether it is to be re-evaluated itself.
pub type Change = (String, bool);

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ModuleKind {
    Root,
    /// The module of a custom component instance; its `export` blocks become
    /// the owner node's exports.
    Instance,
    /// The `declare` and `import` blocks of an imported text.
    Import,
}

pub struct Module {
    /// `""` for the root, `declare_name.label`, nested `a.b/c.d`.
    pub id: String,
    pub kind: ModuleKind,
    pub(super) shared: Arc<Shared>,
    /// The module and node that manage this one.
    owner: Option<(Weak<Module>, String)>,
    /// Where definitions not made here come from: the module a `declare` is in.
    pub(super) site: Option<Weak<Module>>,
    pub(super) module_path: Mutex<String>,
    graph: Mutex<Arc<ModuleGraph>>,
    /// The values a custom component instance was given.
    pub(super) arguments: Mutex<Object>,
    /// What a `foreach` instance sees besides its own nodes: the item and the
    /// exports of the outer nodes the template references.
    pub(super) outer: Mutex<Option<Arc<Scope>>>,
    pub(super) exports: Mutex<Object>,
    pub(super) this: Weak<Module>,
}

/// Why a node could not be evaluated: the health message, and where in the
/// node's file it went wrong (at the block's name when empty).
pub(super) struct EvalError {
    pub(super) message: String,
    pub(super) errors: Vec<SpanError>,
}

impl EvalError {
    pub(super) fn plain(message: impl Into<String>) -> EvalError {
        EvalError {
            message: message.into(),
            errors: Vec::new(),
        }
    }

    /// Errors of the node's own text: the message names the first one's place.
    pub(super) fn spanned(prefix: &str, errors: Vec<SpanError>, file: &SourceFile) -> EvalError {
        let first = errors
            .first()
            .map(|e| format!("{}: {}", file.position(e.span.start), e.message))
            .unwrap_or_default();
        EvalError {
            message: format!("{prefix}{first}"),
            errors,
        }
    }

    fn apply(error: ApplyError, file: &SourceFile) -> EvalError {
        match error {
            ApplyError::Decode(errors) => {
                EvalError::spanned("decoding configuration: ", errors, file)
            }
            ApplyError::Build(e) => EvalError::plain(format!("building component: {e}")),
            ApplyError::Update(e) => EvalError::plain(format!("updating component: {e}")),
        }
    }
}

#[derive(Block, Default)]
struct ArgumentBlock {
    #[alloy(attr, optional)]
    optional: bool,
    #[alloy(attr, optional)]
    default: Value,
    /// Documentation for readers of the `declare`; accepted, never used.
    #[alloy(attr, optional)]
    #[allow(dead_code)]
    comment: String,
}

#[derive(Block, Default)]
struct ExportBlock {
    #[alloy(attr)]
    value: Value,
}

impl Module {
    pub fn new(
        shared: Arc<Shared>,
        id: String,
        kind: ModuleKind,
        owner: Option<(Weak<Module>, String)>,
        site: Option<Weak<Module>>,
        module_path: String,
    ) -> Arc<Module> {
        let module = Arc::new_cyclic(|this| Module {
            id,
            kind,
            shared,
            owner,
            site,
            module_path: Mutex::new(module_path),
            graph: Mutex::new(Arc::new(ModuleGraph::default())),
            arguments: Mutex::new(Object::new()),
            outer: Mutex::new(None),
            exports: Mutex::new(Object::new()),
            this: this.clone(),
        });
        if kind != ModuleKind::Import {
            module.shared.register_module(&module);
        }
        module
    }

    pub fn graph(&self) -> Arc<ModuleGraph> {
        self.graph.lock().clone()
    }

    pub fn set_module_path(&self, path: String) {
        *self.module_path.lock() = path;
    }

    pub fn exports(&self) -> Object {
        self.exports.lock().clone()
    }

    /// The values a custom component instance was given.
    pub fn arguments(&self) -> Object {
        self.arguments.lock().clone()
    }

    /// The global ID of a node of this module.
    pub fn global_id(&self, local: &str) -> String {
        if self.id.is_empty() {
            local.to_string()
        } else {
            format!("{}/{local}", self.id)
        }
    }

    /// Replaces the graph with one built from `blocks`, keeping the nodes whose
    /// ID and kind are unchanged. Returns the nodes that are gone (still
    /// running: the caller stops them). On error the graph is unchanged.
    pub fn apply(&self, blocks: Vec<Located>, pass: &mut Pass) -> Option<Vec<Arc<Node>>> {
        let old = self.graph();
        let graph = match build_graph(
            &self.shared.registry,
            self.shared.min_stability,
            &old,
            blocks,
            &|name| {
                self.outer
                    .lock()
                    .as_ref()
                    .is_some_and(|o| o.variable(name).is_some())
            },
            |id| self.node_metrics(id),
        ) {
            Ok(graph) => graph,
            Err(errors) => {
                for (file, error) in errors {
                    pass.error(&file, error);
                }
                return None;
            }
        };
        let kept: HashSet<*const Node> = graph.nodes.iter().map(Arc::as_ptr).collect();
        let removed = old
            .nodes
            .iter()
            .filter(|n| !kept.contains(&Arc::as_ptr(n)))
            .cloned()
            .collect();
        *self.graph.lock() = Arc::new(graph);
        Some(removed)
    }

    /// A node's metrics registry, labelled as Alloy labels component metrics.
    fn node_metrics(&self, local_id: &str) -> MetricsRegistry {
        MetricsRegistry::with_labels(
            [
                (Cow::from("component_id"), Cow::from(local_id.to_string())),
                (
                    Cow::from("component_path"),
                    Cow::from(format!("/{}", self.id)),
                ),
            ]
            .into_iter(),
        )
    }

    /// Stops every node; returns the run loops to wait for.
    pub fn stop_all(&self) -> Vec<tokio::task::JoinHandle<()>> {
        self.graph().nodes.iter().flat_map(|n| n.stop()).collect()
    }

    /// Evaluates every node in dependency order.
    pub fn evaluate_all(&self, pass: &mut Pass) {
        let graph = self.graph();
        for &i in &graph.order {
            self.evaluate_node(&graph, i, pass);
        }
    }

    /// Evaluates what depends on the `changed` nodes (and, with `itself`, the
    /// nodes themselves), then tells the owner when something it sees changed.
    pub fn evaluate_changed(&self, changed: &[Change], pass: &mut Pass) {
        let graph = self.graph();
        let mut selected = vec![false; graph.nodes.len()];
        let mut queue = Vec::new();
        for (id, itself) in changed {
            let Some(i) = graph.get(id) else { continue };
            if *itself {
                selected[i] = true;
            }
            queue.push(i);
        }
        while let Some(i) = queue.pop() {
            for &dependant in &graph.dependants[i] {
                if !selected[dependant] {
                    selected[dependant] = true;
                    queue.push(dependant);
                }
            }
        }
        let exports_before = self.exports();
        for &i in &graph.order {
            if selected[i] {
                self.evaluate_node(&graph, i, pass);
            }
        }
        let Some((owner, node_id)) = &self.owner else {
            return;
        };
        let Some(owner) = owner.upgrade() else { return };
        let notify = match self.kind {
            ModuleKind::Instance => {
                let exports = self.exports();
                let changed = !syntax::value::ops::values_equal(
                    &Value::Object(exports_before),
                    &Value::Object(exports.clone()),
                );
                changed
                    && owner
                        .graph()
                        .node(node_id)
                        .is_some_and(|n| n.set_exports(Value::Object(exports)))
            }
            // Definitions changed: the owner's users rebuild from them.
            ModuleKind::Import => true,
            ModuleKind::Root => false,
        };
        if notify {
            self.shared.send(Update {
                module: Arc::downgrade(&owner),
                node: node_id.clone(),
                itself: false,
            });
        }
    }

    fn scope(&self, graph: &ModuleGraph, i: usize) -> Scope {
        let mut scope = match self.outer.lock().clone() {
            // A copy, not a child: the template's own exports merge into the
            // same top-level names (`testcomponents…`) as the outer ones.
            Some(outer) => (*outer).clone(),
            None => Scope::new().with_min_stability(self.shared.min_stability),
        };
        scope.set(
            "module_path",
            Value::string(self.module_path.lock().clone()),
        );
        for &d in &graph.deps[i] {
            let dep = &graph.nodes[d];
            let path: Vec<&str> = dep.id.split('.').collect();
            scope.set_path(&path, dep.exports());
        }
        scope
    }

    fn evaluate_node(&self, graph: &ModuleGraph, i: usize, pass: &mut Pass) {
        let node = &graph.nodes[i];
        let located = node.located();
        let scope = self.scope(graph, i);
        let started = Instant::now();
        let result = self.evaluate_kind(node, &located, &scope, pass);
        if matches!(node.kind, Kind::Builtin(_)) {
            self.shared
                .metrics
                .evaluation_seconds
                .observe(started.elapsed().as_secs_f64());
        }
        match result {
            Ok(()) => node.set_eval_health(&Ok(())),
            Err(e) => {
                node.set_eval_health(&Err(e.message.clone()));
                if e.errors.is_empty() {
                    let at = Span::at(located.block.name_pos);
                    pass.error(&located.file, SpanError::new(at, e.message));
                } else {
                    for error in e.errors {
                        pass.error(&located.file, error);
                    }
                }
            }
        }
    }

    fn evaluate_kind(
        &self,
        node: &Arc<Node>,
        located: &Located,
        scope: &Scope,
        pass: &mut Pass,
    ) -> Result<(), EvalError> {
        let block = &located.block;
        let file = &located.file;
        let span = Span::new(block.name_pos, block.rcurly);
        let body = || {
            eval_body(&block.body, scope)
                .map_err(|e| EvalError::spanned("decoding configuration: ", e, file))
        };
        match &node.kind {
            Kind::Builtin(registration) => {
                let body = body()?;
                if let Some(component) = node.component() {
                    return component
                        .update(&body, span)
                        .map(|_| ())
                        .map_err(|e| EvalError::apply(e, file));
                }
                let component = registration
                    .build(self.component_options(node), &body, span)
                    .map_err(|e| EvalError::apply(e, file))?;
                node.state.lock().component = Some(component);
                pass.started.push(node.clone());
                Ok(())
            }
            Kind::Custom => self.evaluate_custom(node, &body()?, pass),
            Kind::Declare => Ok(()),
            Kind::Argument => {
                let args = decode::<ArgumentBlock>(&body()?, span, file)?;
                let given = self.arguments.lock().get(&node.label).cloned();
                let value = match given {
                    Some(v) => v,
                    None if args.optional => args.default,
                    None => {
                        return Err(EvalError::plain(format!(
                            "missing required argument {:?} to module",
                            node.label
                        )));
                    }
                };
                node.set_exports(Value::Object(Object::from_iter([(
                    "value".to_string(),
                    value,
                )])));
                Ok(())
            }
            Kind::Export => {
                let export = decode::<ExportBlock>(&body()?, span, file)?;
                self.exports.lock().insert(node.label.clone(), export.value);
                Ok(())
            }
            Kind::ImportString => self.evaluate_import_string(node, &body()?, span, file, pass),
            Kind::ImportFile => self.evaluate_import_file(node, &body()?, span, file, pass),
            Kind::Foreach => self.evaluate_foreach(node, block, scope, file, pass),
            Kind::Service(service) => self
                .shared
                .config_blocks
                .publish(*service, &body()?, span)
                .map_err(|e| EvalError::spanned("decoding configuration: ", e, file)),
        }
    }

    fn component_options(&self, node: &Arc<Node>) -> Options {
        let global_id = self.global_id(&node.id);
        let module = self.this.clone();
        let weak_node = Arc::downgrade(node);
        let shared = self.shared.clone();
        let id = node.id.clone();
        Options::new(
            global_id.clone(),
            self.shared.storage_path.join(&global_id),
            self.shared.min_stability,
            node.metrics.clone(),
            Arc::new(move |exports| {
                let Some(node) = weak_node.upgrade() else {
                    return;
                };
                if node.set_exports(exports) {
                    shared.send(Update {
                        module: module.clone(),
                        node: id.clone(),
                        itself: false,
                    });
                }
            }),
        )
    }
}

/// Waits for components a module no longer has, so their ports and files are
/// free before replacements are built later in the same walk. Evaluation is
/// synchronous, so this blocks its thread, which only a multi-threaded runtime
/// allows; elsewhere the components are cancelled without waiting.
pub(super) fn stop_before_replacing(handles: Vec<tokio::task::JoinHandle<()>>) {
    use tokio::runtime::{Handle, RuntimeFlavor};
    if handles.is_empty() {
        return;
    }
    let Ok(runtime) = Handle::try_current() else {
        return;
    };
    if runtime.runtime_flavor() == RuntimeFlavor::MultiThread {
        tokio::task::block_in_place(|| {
            runtime.block_on(super::wait_for(handles, super::RELOAD_STOP_DEADLINE));
        });
    }
}

pub(super) fn decode<T: Block>(
    body: &EvaluatedBody,
    span: Span,
    file: &SourceFile,
) -> Result<T, EvalError> {
    T::decode_body(body, span).map_err(|e| EvalError::spanned("decoding configuration: ", e, file))
}
