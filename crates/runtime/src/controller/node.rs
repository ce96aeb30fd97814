//! One node of a module's graph: a top-level block with its kind, its current
//! block text, exports, health and — for builtin components — the running
//! instance.

use super::module::Module;
use crate::component::{DynComponent, Registration};
use crate::health::{Health, HealthState};
use parking_lot::Mutex;
use prometheus_client::registry::Registry as MetricsRegistry;
use std::path::PathBuf;
use std::sync::Arc;
use syntax::ast::{BlockStmt, Stmt};
use syntax::pos::SourceFile;
use syntax::value::Value;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The config blocks evaluated into the `services` argument types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    Logging,
    Tracing,
    Http,
    LiveDebugging,
    RemoteCfg,
}

impl Service {
    pub fn from_name(name: &str) -> Option<Service> {
        Some(match name {
            "logging" => Service::Logging,
            "tracing" => Service::Tracing,
            "http" => Service::Http,
            "livedebugging" => Service::LiveDebugging,
            "remotecfg" => Service::RemoteCfg,
            _ => return None,
        })
    }
}

#[derive(Clone)]
pub enum Kind {
    Builtin(Registration),
    /// An instance of a `declare`d or imported component, resolved when evaluated.
    Custom,
    Declare,
    Argument,
    Export,
    ImportString,
    ImportFile,
    /// `foreach`: one module per item of its collection.
    Foreach,
    Service(Service),
}

impl Kind {
    /// Whether two nodes with the same ID are the same kind of thing, so the
    /// old one can be kept across a reload.
    pub fn same_as(&self, other: &Kind) -> bool {
        match (self, other) {
            (Kind::Builtin(a), Kind::Builtin(b)) => a.name == b.name,
            (Kind::Service(a), Kind::Service(b)) => a == b,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

/// The block a node was last given, and the file it is in.
#[derive(Clone)]
pub struct Located {
    pub block: Arc<BlockStmt>,
    pub file: Arc<SourceFile>,
}

impl Located {
    /// The blocks of a body (attributes are not nodes), in `file`.
    pub fn blocks(
        file: Arc<SourceFile>,
        body: impl IntoIterator<Item = Stmt>,
    ) -> impl Iterator<Item = Located> {
        body.into_iter().filter_map(move |stmt| match stmt {
            Stmt::Block(b) => Some(Located {
                block: Arc::new(b),
                file: file.clone(),
            }),
            Stmt::Attribute(_) => None,
        })
    }
}

/// A component's run loop.
pub struct Running {
    pub token: CancellationToken,
    pub handle: JoinHandle<()>,
}

/// What a node holds beyond its block, depending on its kind.
#[derive(Default)]
pub struct NodeState {
    pub component: Option<Arc<dyn DynComponent>>,
    pub running: Option<Running>,
    /// The module a custom component or an import manages.
    pub child: Option<Arc<Module>>,
    /// A `foreach`'s modules, by item key.
    pub instances: Vec<(String, Arc<Module>)>,
    /// The `declare` block a custom component's module was built from.
    pub template: Option<Arc<BlockStmt>>,
    /// The text an import's module was built from, by file name.
    pub imported: Option<Vec<(String, Vec<u8>)>>,
    /// The path an `import.file` watches, and how often it is polled.
    pub watched: Option<(PathBuf, std::time::Duration)>,
    pub poller: Option<CancellationToken>,
}

pub struct Node {
    /// The local ID, e.g. `local.file.token`.
    pub id: String,
    /// The block name, e.g. `local.file`.
    pub name: String,
    pub label: String,
    pub kind: Kind,
    located: Mutex<Located>,
    exports: Mutex<Value>,
    eval_health: Mutex<Health>,
    run_health: Arc<Mutex<Health>>,
    pub state: Mutex<NodeState>,
    pub metrics: Arc<Mutex<MetricsRegistry>>,
}

impl Node {
    pub fn new(located: Located, kind: Kind, metrics: MetricsRegistry) -> Node {
        let block = &located.block;
        Node {
            id: block.id(),
            name: block.full_name(),
            label: block.label.clone(),
            kind,
            located: Mutex::new(located),
            exports: Mutex::new(Value::Null),
            eval_health: Mutex::new(Health::unknown()),
            run_health: Arc::new(Mutex::new(Health::unknown())),
            state: Mutex::new(NodeState::default()),
            metrics: Arc::new(Mutex::new(metrics)),
        }
    }

    pub fn located(&self) -> Located {
        self.located.lock().clone()
    }

    pub fn set_located(&self, located: Located) {
        *self.located.lock() = located;
    }

    pub fn exports(&self) -> Value {
        self.exports.lock().clone()
    }

    /// Stores new exports; `false` when they equal the current ones.
    pub fn set_exports(&self, exports: Value) -> bool {
        let mut current = self.exports.lock();
        if syntax::value::ops::values_equal(&current, &exports) {
            return false;
        }
        *current = exports;
        true
    }

    pub fn set_eval_health(&self, result: &Result<(), String>) {
        *self.eval_health.lock() = match result {
            Ok(()) => Health::healthy("component evaluated"),
            Err(e) => Health::unhealthy(format!("component evaluation failed: {e}")),
        };
    }

    pub fn component(&self) -> Option<Arc<dyn DynComponent>> {
        self.state.lock().component.clone()
    }

    pub fn child(&self) -> Option<Arc<Module>> {
        self.state.lock().child.clone()
    }

    /// The modules this node created and shows in the UI: a custom
    /// component's, or a `foreach`'s.
    pub fn created_modules(&self) -> Vec<Arc<Module>> {
        let state = self.state.lock();
        match self.kind {
            Kind::Custom => state.child.iter().cloned().collect(),
            Kind::Foreach => state.instances.iter().map(|(_, m)| m.clone()).collect(),
            _ => Vec::new(),
        }
    }

    /// Evaluation health, run health and the component's own, combined.
    pub fn health(&self) -> Health {
        let eval = self.eval_health.lock().clone();
        let run = self.run_health.lock().clone();
        let own = self.component().and_then(|c| c.health());
        let mut reports = vec![&eval];
        if matches!(self.kind, Kind::Builtin(_)) {
            reports.push(&run);
        }
        reports.extend(own.as_ref());
        Health::combine(reports)
    }

    /// Starts the component's run loop unless it runs already.
    pub fn start(&self) {
        let mut state = self.state.lock();
        let Some(component) = state.component.clone() else {
            return;
        };
        if state.running.is_some() {
            return;
        }
        let token = CancellationToken::new();
        let run_health = self.run_health.clone();
        let shutdown = token.clone();
        let handle = tokio::spawn(async move {
            *run_health.lock() = Health::healthy("started component");
            let result = component.run(shutdown).await;
            *run_health.lock() = match result {
                Ok(()) => Health::new(HealthState::Exited, "component shut down cleanly"),
                Err(e) => Health::new(
                    HealthState::Exited,
                    format!("component shut down with error: {e}"),
                ),
            };
        });
        state.running = Some(Running { token, handle });
    }

    /// Cancels the run loop, the import poller and everything in the node's
    /// module; returns the run loops to wait for.
    pub fn stop(&self) -> Vec<JoinHandle<()>> {
        let (running, poller, children) = {
            let mut state = self.state.lock();
            let children: Vec<Arc<Module>> = state
                .child
                .iter()
                .cloned()
                .chain(state.instances.iter().map(|(_, m)| m.clone()))
                .collect();
            (state.running.take(), state.poller.take(), children)
        };
        if let Some(poller) = poller {
            poller.cancel();
        }
        let mut handles = Vec::new();
        if let Some(running) = running {
            running.token.cancel();
            handles.push(running.handle);
        }
        for child in children {
            handles.extend(child.stop_all());
        }
        handles
    }
}
