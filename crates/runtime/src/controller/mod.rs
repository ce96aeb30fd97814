//! The controller: loads the configuration into a graph of components, evaluates
//! it, runs the components and applies reloads (SPEC §1.11–1.13).
//!
//! Every configuration body is a [`module::Module`] (the root, each custom
//! component instance, each imported text). Evaluation is synchronous and
//! serialised by one lock; components publish exports from anywhere, and a
//! worker task re-evaluates what depends on them.

mod config_blocks;
mod custom;
mod foreach;
mod graph;
mod imports;
mod inspect;
mod metrics;
mod module;
mod node;
pub mod source;

use crate::component::BoxFuture;
use crate::health::HealthState;
use crate::host::{ComponentDetail, ComponentInfo, Host, ReloadError};
use crate::registry::Registry;
use crate::services::{HttpArguments, LiveDebuggingArguments, LoggingArguments, TracingArguments};
use crate::validate;
use config_blocks::ConfigBlocks;
use metrics::ControllerMetrics;
use module::{Change, Module, ModuleKind};
use node::{Kind, Located, Node};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;
use syntax::diag::{Diagnostics, SpanError};
use syntax::pos::SourceFile;
use syntax::stability::Stability;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// How long a reload waits for removed components to stop before building
/// their replacements.
pub(crate) const RELOAD_STOP_DEADLINE: Duration = Duration::from_secs(10);

/// What the controller is started with.
#[derive(Clone)]
pub struct ControllerOptions {
    /// A `.alloy` file, or a directory whose `*.alloy` files are loaded in lexical order.
    pub config_path: PathBuf,
    /// Where components keep state (`--storage.path`).
    pub storage_path: PathBuf,
    /// The lowest stability level the configuration may use.
    pub min_stability: Stability,
    pub registry: Registry,
}

/// "These nodes' exports changed": re-evaluate what depends on them (and,
/// with `itself`, the nodes themselves).
pub(crate) struct Update {
    module: Weak<Module>,
    node: String,
    itself: bool,
}

/// What every module of one controller shares.
pub(crate) struct Shared {
    registry: Registry,
    storage_path: PathBuf,
    min_stability: Stability,
    updates: mpsc::UnboundedSender<Update>,
    /// Modules by ID, for `Host::components`; the root is `""`.
    modules: Mutex<HashMap<String, Weak<Module>>>,
    config_blocks: ConfigBlocks,
    metrics: ControllerMetrics,
}

impl Shared {
    fn send(&self, update: Update) {
        // The receiver lives as long as the controller; after shutdown there is
        // nothing left to re-evaluate.
        let _ = self.updates.send(update);
    }

    fn register_module(&self, module: &Arc<Module>) {
        let mut modules = self.modules.lock();
        modules.retain(|_, m| m.strong_count() > 0);
        modules.insert(module.id.clone(), Arc::downgrade(module));
    }

    fn module(&self, id: &str) -> Option<Arc<Module>> {
        self.modules.lock().get(id).and_then(Weak::upgrade)
    }

    fn all_modules(&self) -> Vec<Arc<Module>> {
        let mut modules: Vec<Arc<Module>> = self
            .modules
            .lock()
            .values()
            .filter_map(Weak::upgrade)
            .collect();
        modules.sort_by(|a, b| a.id.cmp(&b.id));
        modules
    }
}

/// What one evaluation walk produced: errors, and components to start once the
/// walk is over.
#[derive(Default)]
pub(crate) struct Pass {
    diagnostics: Diagnostics,
    sources: Vec<SourceFile>,
    started: Vec<Arc<Node>>,
}

impl Pass {
    fn error(&mut self, file: &SourceFile, error: SpanError) {
        self.diagnostics.push(error.to_diagnostic(file));
        self.add_source(file.clone());
    }

    fn add_diagnostics(
        &mut self,
        diagnostics: Diagnostics,
        sources: impl IntoIterator<Item = SourceFile>,
    ) {
        self.diagnostics.extend(diagnostics);
        sources.into_iter().for_each(|s| self.add_source(s));
    }

    fn add_source(&mut self, file: SourceFile) {
        if !self.sources.iter().any(|s| s.name() == file.name()) {
            self.sources.push(file);
        }
    }

    /// Starts the new components and turns the errors into the result.
    fn finish(self) -> Result<(), ReloadError> {
        self.started.iter().for_each(|n| n.start());
        if self.diagnostics.has_errors() {
            return Err(ReloadError::Diagnostics {
                diagnostics: self.diagnostics,
                sources: self.sources,
            });
        }
        Ok(())
    }
}

/// A running configuration.
pub struct Controller {
    opts: ControllerOptions,
    shared: Arc<Shared>,
    root: Arc<Module>,
    /// Serialises loads and re-evaluations.
    evaluation: Arc<tokio::sync::Mutex<()>>,
    ready: AtomicBool,
    worker: Mutex<Option<JoinHandle<()>>>,
    this: Weak<Controller>,
}

impl Controller {
    /// Must be called inside a tokio runtime.
    pub fn new(opts: ControllerOptions) -> Arc<Controller> {
        let (updates, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            registry: opts.registry.clone(),
            storage_path: opts.storage_path.clone(),
            min_stability: opts.min_stability,
            updates,
            modules: Mutex::new(HashMap::new()),
            config_blocks: ConfigBlocks::new(),
            metrics: ControllerMetrics::new(),
        });
        let root = Module::new(
            shared.clone(),
            String::new(),
            ModuleKind::Root,
            None,
            None,
            source::module_path(&opts.config_path),
        );
        let evaluation = Arc::new(tokio::sync::Mutex::new(()));
        let worker = tokio::spawn(reevaluate(receiver, evaluation.clone()));
        Arc::new_cyclic(|this| Controller {
            opts,
            shared,
            root,
            evaluation,
            ready: AtomicBool::new(false),
            worker: Mutex::new(Some(worker)),
            this: this.clone(),
        })
    }

    /// Reads the configuration from disk and applies it (the first load and every reload).
    pub async fn load(&self) -> Result<(), ReloadError> {
        let result = self.apply().await;
        self.shared.metrics.record_load(result.is_ok());
        if result.is_ok() {
            self.ready.store(true, Ordering::SeqCst);
        }
        result
    }

    async fn apply(&self) -> Result<(), ReloadError> {
        let blocks = self.read()?;
        let _evaluating = self.evaluation.lock().await;
        let mut pass = Pass::default();
        self.root
            .set_module_path(source::module_path(&self.opts.config_path));
        let Some(removed) = self.root.apply(blocks, &mut pass) else {
            return pass.finish();
        };
        // Removed and renamed components release ports and files before their
        // replacements are built.
        let handles: Vec<JoinHandle<()>> = removed.iter().flat_map(|n| n.stop()).collect();
        wait_for(handles, RELOAD_STOP_DEADLINE).await;

        self.root.evaluate_all(&mut pass);
        let present: Vec<node::Service> = self
            .root
            .graph()
            .nodes
            .iter()
            .filter_map(|n| match n.kind {
                Kind::Service(s) => Some(s),
                _ => None,
            })
            .collect();
        self.shared.config_blocks.reset_absent(&present);
        pass.finish()
    }

    /// The blocks of the configuration on disk, once it parses and passes the
    /// structural checks of `alloy validate`.
    fn read(&self) -> Result<Vec<Located>, ReloadError> {
        let sources = source::read_config(&self.opts.config_path).map_err(ReloadError::Other)?;
        let options = validate::Options {
            min_stability: self.opts.min_stability,
            schemas: &self.opts.registry,
        };
        source::check(sources, &options).map_err(|(diagnostics, sources)| {
            ReloadError::Diagnostics {
                diagnostics,
                sources,
            }
        })
    }

    /// The evaluated `logging` block (defaults when absent).
    pub fn logging(&self) -> watch::Receiver<LoggingArguments> {
        self.shared.config_blocks.logging.subscribe()
    }

    /// The evaluated `http` block (defaults when absent).
    pub fn http(&self) -> watch::Receiver<HttpArguments> {
        self.shared.config_blocks.http.subscribe()
    }

    /// The evaluated `tracing` block (defaults when absent).
    pub fn tracing(&self) -> watch::Receiver<TracingArguments> {
        self.shared.config_blocks.tracing.subscribe()
    }

    /// The evaluated `livedebugging` block (defaults when absent).
    pub fn live_debugging(&self) -> watch::Receiver<LiveDebuggingArguments> {
        self.shared.config_blocks.live_debugging.subscribe()
    }

    /// Stops every component, waiting at most `deadline` for run loops to return.
    pub async fn shutdown(&self, deadline: Duration) {
        let _evaluating = self.evaluation.lock().await;
        if let Some(worker) = self.worker.lock().take() {
            worker.abort();
        }
        wait_for(self.root.stop_all(), deadline).await;
    }

    /// The module and local ID a global ID names.
    fn locate(&self, global_id: &str) -> Option<(Arc<Module>, String)> {
        let (module_id, local) = global_id.rsplit_once('/').unwrap_or(("", global_id));
        Some((self.shared.module(module_id)?, local.to_string()))
    }
}

/// Waits for run loops to return, all by the same deadline.
pub(crate) async fn wait_for(handles: Vec<JoinHandle<()>>, deadline: Duration) {
    let until = tokio::time::Instant::now() + deadline;
    for handle in handles {
        // A run loop still going at the deadline is left to finish on its own.
        let _ = tokio::time::timeout_at(until, handle).await;
    }
}

/// The worker: re-evaluates what depends on changed exports, a batch at a time.
async fn reevaluate(
    mut updates: mpsc::UnboundedReceiver<Update>,
    evaluation: Arc<tokio::sync::Mutex<()>>,
) {
    while let Some(first) = updates.recv().await {
        let mut batch = vec![first];
        while let Ok(update) = updates.try_recv() {
            batch.push(update);
        }
        let _evaluating = evaluation.lock().await;
        let mut groups: Vec<(Arc<Module>, Vec<Change>)> = Vec::new();
        for update in batch {
            let Some(module) = update.module.upgrade() else {
                continue;
            };
            let change = (update.node, update.itself);
            match groups.iter_mut().find(|(m, _)| Arc::ptr_eq(m, &module)) {
                Some((_, changes)) if changes.contains(&change) => {}
                Some((_, changes)) => changes.push(change),
                None => groups.push((module, vec![change])),
            }
        }
        for (module, changes) in groups {
            let mut pass = Pass::default();
            module.evaluate_changed(&changes, &mut pass);
            // Failures show in the nodes' health; there is no caller to tell.
            let _ = pass.finish();
        }
    }
}

impl Host for Controller {
    fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    fn components(&self, module_id: &str) -> Option<Vec<ComponentInfo>> {
        Some(inspect::components(&*self.shared.module(module_id)?))
    }

    fn component(&self, global_id: &str) -> Option<ComponentDetail> {
        let (module, local) = self.locate(global_id)?;
        inspect::detail(&module, &local)
    }

    fn handler(&self, global_id: &str) -> Option<axum::Router> {
        let (module, local) = self.locate(global_id)?;
        module.graph().node(&local)?.component()?.handler()
    }

    fn reload(&self) -> BoxFuture<Result<(), ReloadError>> {
        let this = self.this.upgrade();
        Box::pin(async move {
            match this {
                Some(controller) => controller.load().await,
                None => Err(ReloadError::Other("the controller has shut down".into())),
            }
        })
    }

    fn encode_component_metrics(&self, out: &mut String) {
        let mut counts = [
            (HealthState::Healthy.as_str(), 0),
            (HealthState::Unhealthy.as_str(), 0),
            (HealthState::Unknown.as_str(), 0),
            (HealthState::Exited.as_str(), 0),
        ];
        let mut expositions = Vec::new();
        for module in self.shared.all_modules() {
            for node in &module.graph().nodes {
                if !matches!(node.kind, Kind::Builtin(_)) {
                    continue;
                }
                let state = node.health().state.as_str();
                if let Some(count) = counts.iter_mut().find(|(s, _)| *s == state) {
                    count.1 += 1;
                }
                expositions.push(metrics::encode(&node.metrics.lock()));
            }
        }
        self.shared.metrics.set_running(&counts);
        expositions.push(self.shared.metrics.encode());
        out.push_str(&metrics::merge_families(
            expositions.iter().map(String::as_str),
        ));
    }
}
