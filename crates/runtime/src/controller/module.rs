//! A module: the graph of one body of blocks (the root configuration, a custom
//! component's `declare` body, or an imported file) and its evaluation in
//! dependency order (SPEC §1.11–1.12).

use super::graph::{ModuleGraph, build_graph};
use super::node::{Kind, Located, Node};
use super::{Pass, Shared, Update, source};
use crate::component::{ApplyError, Options};
use crate::validate;
use parking_lot::Mutex;
use prometheus_client::registry::Registry as MetricsRegistry;
use std::borrow::Cow;
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use syntax::ast::Stmt;
use syntax::decode::{Block, GoDuration};
use syntax::diag::SpanError;
use syntax::eval::{Scope, eval_body};
use syntax::evaluated::{Entry, EvaluatedBody};
use syntax::pos::{SourceFile, Span};
use syntax::stability::Stability;
use syntax::value::{Number, Object, OptionalSecret, Value};
use tokio_util::sync::CancellationToken;

/// How often `import.file` looks at its file when it watches for changes
/// (Alloy's default `fsnotify` detector); `detector = "poll"` uses `poll_frequency`.
const WATCH_INTERVAL: Duration = Duration::from_millis(250);

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
    shared: Arc<Shared>,
    /// The module and node that manage this one.
    owner: Option<(Weak<Module>, String)>,
    /// Where definitions not made here come from: the module a `declare` is in.
    site: Option<Weak<Module>>,
    module_path: Mutex<String>,
    graph: Mutex<Arc<ModuleGraph>>,
    /// The values a custom component instance was given.
    arguments: Mutex<Object>,
    /// What a `foreach` instance sees besides its own nodes: the item and the
    /// exports of the outer nodes the template references.
    outer: Mutex<Option<Arc<Scope>>>,
    exports: Mutex<Object>,
    this: Weak<Module>,
}

/// Why a node could not be evaluated: the health message, and where in the
/// node's file it went wrong (at the block's name when empty).
struct EvalError {
    message: String,
    errors: Vec<SpanError>,
}

impl EvalError {
    fn plain(message: impl Into<String>) -> EvalError {
        EvalError {
            message: message.into(),
            errors: Vec::new(),
        }
    }

    /// Errors of the node's own text: the message names the first one's place.
    fn spanned(prefix: &str, errors: Vec<SpanError>, file: &SourceFile) -> EvalError {
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

#[derive(Block, Default)]
struct ImportStringArguments {
    #[alloy(attr)]
    content: OptionalSecret,
}

#[derive(Block)]
struct ImportFileArguments {
    #[alloy(attr)]
    filename: String,
    #[alloy(attr, optional)]
    detector: String,
    #[alloy(attr, optional)]
    poll_frequency: GoDuration,
}

impl Default for ImportFileArguments {
    fn default() -> ImportFileArguments {
        ImportFileArguments {
            filename: String::new(),
            detector: "fsnotify".into(),
            poll_frequency: GoDuration::from_std(Duration::from_secs(60)),
        }
    }
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
            Kind::ImportString => {
                let args = decode::<ImportStringArguments>(&body()?, span, file)?;
                let text = vec![(node.id.clone(), args.content.value.into_bytes())];
                let module_path = self.module_path.lock().clone();
                self.load_import(node, text, module_path, pass)
            }
            Kind::ImportFile => {
                let args = decode::<ImportFileArguments>(&body()?, span, file)?;
                let path = Path::new(&args.filename);
                let interval = if args.detector == "poll" {
                    args.poll_frequency.to_std().unwrap_or(WATCH_INTERVAL)
                } else {
                    WATCH_INTERVAL
                };
                node.state.lock().watched = Some((path.to_path_buf(), interval));
                self.watch(node);
                let files = read_texts(path).map_err(EvalError::plain)?;
                self.load_import(node, files, source::module_path(path), pass)
            }
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

    /// A custom component: (re)builds its module from the `declare` block when
    /// that changed, passes the arguments and evaluates the module.
    fn evaluate_custom(
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

    /// A `foreach`: one module per item, built from the `template` block, that
    /// sees the item as `var` and the outer nodes the template references.
    fn evaluate_foreach(
        &self,
        node: &Arc<Node>,
        block: &syntax::ast::BlockStmt,
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

    /// Loads the text of an import into the import's module, unless it is
    /// what the module was built from.
    fn load_import(
        &self,
        node: &Arc<Node>,
        texts: Vec<(String, Vec<u8>)>,
        module_path: String,
        pass: &mut Pass,
    ) -> Result<(), EvalError> {
        let (child, unchanged) = {
            let state = node.state.lock();
            (state.child.clone(), state.imported.as_ref() == Some(&texts))
        };
        if unchanged && child.is_some() {
            return Ok(());
        }
        let sources = texts
            .iter()
            .map(|(name, bytes)| SourceFile::new(name.clone(), bytes.clone()))
            .collect();
        // Stability is checked when a component is instantiated: an imported
        // `declare` nobody uses may hold components below the level.
        let options = validate::Options {
            min_stability: self.shared.min_stability,
            schemas: &AnyStability(&self.shared.registry),
        };
        let blocks = match source::check(sources, &options) {
            Ok(blocks) => blocks,
            Err((diagnostics, sources)) => {
                let first = diagnostics
                    .iter()
                    .find(|d| d.severity == syntax::diag::Severity::Error)
                    .map(|d| format!("{}: {}", d.start, d.message))
                    .unwrap_or_default();
                pass.add_diagnostics(diagnostics, sources);
                return Err(EvalError::plain(format!("importing module: {first}")));
            }
        };
        let child = child.unwrap_or_else(|| {
            let child = Module::new(
                self.shared.clone(),
                self.global_id(&node.id),
                ModuleKind::Import,
                Some((self.this.clone(), node.id.clone())),
                None,
                module_path.clone(),
            );
            node.state.lock().child = Some(child.clone());
            child
        });
        child.set_module_path(module_path);
        let removed = child
            .apply(blocks, pass)
            .ok_or_else(|| EvalError::plain("importing module failed"))?;
        stop_before_replacing(removed.iter().flat_map(|n| n.stop()).collect());
        child.evaluate_all(pass);
        node.state.lock().imported = Some(texts);
        Ok(())
    }

    /// Starts polling an `import.file`'s file, once: a change re-evaluates the
    /// import and what uses it.
    fn watch(&self, node: &Arc<Node>) {
        let mut state = node.state.lock();
        if state.poller.is_some() {
            return;
        }
        let token = CancellationToken::new();
        state.poller = Some(token.clone());
        let mut last = state.imported.clone();
        drop(state);
        let weak_node = Arc::downgrade(node);
        let module = self.this.clone();
        let shared = self.shared.clone();
        tokio::spawn(async move {
            loop {
                let interval = match weak_node.upgrade() {
                    Some(n) => n
                        .state
                        .lock()
                        .watched
                        .as_ref()
                        .map_or(WATCH_INTERVAL, |w| w.1),
                    None => return,
                };
                tokio::select! {
                    () = token.cancelled() => return,
                    () = tokio::time::sleep(interval) => {}
                }
                let Some(node) = weak_node.upgrade() else {
                    return;
                };
                let Some((path, _)) = node.state.lock().watched.clone() else {
                    continue;
                };
                let current = read_texts(&path).ok();
                if last.is_none() {
                    last = node.state.lock().imported.clone();
                }
                if current.is_some() && current != last {
                    last = current;
                    shared.send(Update {
                        module: module.clone(),
                        node: node.id.clone(),
                        itself: true,
                    });
                }
            }
        });
    }
}

/// Waits for components a module no longer has, so their ports and files are
/// free before replacements are built later in the same walk. Evaluation is
/// synchronous, so this blocks its thread, which only a multi-threaded runtime
/// allows; elsewhere the components are cancelled without waiting.
fn stop_before_replacing(handles: Vec<tokio::task::JoinHandle<()>>) {
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

/// The registry's schemas without the stability gate.
struct AnyStability<'a>(&'a crate::registry::Registry);

impl validate::Schemas for AnyStability<'_> {
    fn component(&self, name: &str, _: Stability) -> Result<(), String> {
        self.0.component(name, Stability::Experimental)
    }

    fn typecheck(
        &self,
        kind: validate::Checked<'_>,
        block: &syntax::ast::BlockStmt,
        body: &[&Stmt],
    ) -> Vec<SpanError> {
        self.0.typecheck(kind, block, body)
    }
}

/// The files of `path` as (name, bytes).
fn read_texts(path: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    Ok(source::read_config(path)?
        .into_iter()
        .map(|f| (f.name().to_string(), f.bytes().to_vec()))
        .collect())
}

fn decode<T: Block>(body: &EvaluatedBody, span: Span, file: &SourceFile) -> Result<T, EvalError> {
    T::decode_body(body, span).map_err(|e| EvalError::spanned("decoding configuration: ", e, file))
}
