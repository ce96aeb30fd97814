//! The component model (ARCHITECTURE.md): typed arguments decoded from a block,
//! exports published for other blocks, an async run loop, `update` only when the
//! evaluated arguments changed, health and debug info, and an optional HTTP
//! handler mounted at `/api/v0/component/<id>/`.
//!
//! A component implements the typed [`Component`] trait; the controller drives it
//! through the type-erased [`DynComponent`] that [`Registration::of`] builds.

use crate::health::Health;
use parking_lot::Mutex;
use prometheus_client::registry::Registry as MetricsRegistry;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use syntax::decode::{Block, Codec, EncodedBody};
use syntax::diag::SpanError;
use syntax::evaluated::EvaluatedBody;
use syntax::pos::Span;
use syntax::stability::Stability;
use syntax::value::Value;
use tokio_util::sync::CancellationToken;

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Publishes a component's exports; the controller stores them and re-evaluates
/// the blocks that reference the component.
pub type ExportSink = Arc<dyn Fn(Value) + Send + Sync>;

/// What a component is given when it is built.
#[derive(Clone)]
pub struct Options {
    /// The global ID: the module path and the local ID, e.g. `local.file.token`
    /// at the root, `declare_name.label/local.file.token` inside a module.
    pub id: String,
    /// A folder of the component's own under `--storage.path`, for state that
    /// must survive restarts (WALs, positions). Created on first use by the
    /// component.
    pub data_path: PathBuf,
    /// The lowest stability level the configuration may use.
    pub min_stability: Stability,
    /// Where the component registers its metrics; they are exposed on `/metrics`
    /// labelled with `component_id` (and `component_path`).
    pub metrics: Arc<Mutex<MetricsRegistry>>,
    exports: ExportSink,
}

impl Options {
    pub fn new(
        id: impl Into<String>,
        data_path: PathBuf,
        min_stability: Stability,
        metrics: Arc<Mutex<MetricsRegistry>>,
        exports: ExportSink,
    ) -> Options {
        Options {
            id: id.into(),
            data_path,
            min_stability,
            metrics,
            exports,
        }
    }

    /// Publishes new exports (an exports struct, encoded as an object).
    pub fn export<E: Codec>(&self, exports: &E) {
        (self.exports)(exports.encode());
    }

    /// Publishes new exports given as a value.
    pub fn export_value(&self, exports: Value) {
        (self.exports)(exports);
    }
}

/// A component, typed by its arguments.
pub trait Component: Send + Sync + Sized + 'static {
    /// The block's arguments. `PartialEq` lets the controller skip `update` when
    /// a re-evaluation produced the same arguments.
    type Arguments: Block + Clone + PartialEq + Send + Sync + 'static;

    /// Builds the component from its first arguments. Exports known at once
    /// should be published here, so dependants can be evaluated before `run`.
    fn build(opts: Options, args: Self::Arguments) -> Result<Self, String>;

    /// Runs until `shutdown` is cancelled. Returning earlier means the component
    /// exited (with the error, if any).
    fn run(
        self: Arc<Self>,
        shutdown: CancellationToken,
    ) -> impl Future<Output = Result<(), String>> + Send;

    /// Applies new arguments; called only when they differ from the last ones.
    fn update(&self, args: Self::Arguments) -> Result<(), String>;

    /// The component's own view of its health, if it has one.
    fn health(&self) -> Option<Health> {
        None
    }

    /// Extra state shown on the component's page (targets, positions…).
    fn debug_info(&self) -> Option<Value> {
        None
    }

    /// An HTTP handler mounted at `/api/v0/component/<id>/`.
    fn handler(&self) -> Option<axum::Router> {
        None
    }
}

/// Why arguments could not be applied: Alloy words these
/// `decoding configuration: …`, `building component: …`, `updating component: …`.
#[derive(Debug, Clone, PartialEq)]
pub enum ApplyError {
    Decode(Vec<SpanError>),
    Build(String),
    Update(String),
}

/// A component as the controller sees it, whatever its argument type.
pub trait DynComponent: Send + Sync {
    fn run(&self, shutdown: CancellationToken) -> BoxFuture<Result<(), String>>;

    /// Decodes `body` and, when the arguments differ from the last ones, calls
    /// `update`. `Ok(true)` when the component was updated.
    fn update(&self, body: &EvaluatedBody, span: Span) -> Result<bool, ApplyError>;

    /// The current arguments, as attributes and blocks (for the UI and API).
    fn arguments(&self) -> EncodedBody;

    fn health(&self) -> Option<Health>;

    fn debug_info(&self) -> Option<Value>;

    fn handler(&self) -> Option<axum::Router>;
}

/// A typed component with its last applied arguments.
struct Instance<C: Component> {
    component: Arc<C>,
    arguments: Mutex<C::Arguments>,
}

impl<C: Component> DynComponent for Instance<C> {
    fn run(&self, shutdown: CancellationToken) -> BoxFuture<Result<(), String>> {
        Box::pin(self.component.clone().run(shutdown))
    }

    fn update(&self, body: &EvaluatedBody, span: Span) -> Result<bool, ApplyError> {
        let args = C::Arguments::decode_body(body, span).map_err(ApplyError::Decode)?;
        let mut current = self.arguments.lock();
        if *current == args {
            return Ok(false);
        }
        self.component
            .update(args.clone())
            .map_err(ApplyError::Update)?;
        *current = args;
        Ok(true)
    }

    fn arguments(&self) -> EncodedBody {
        self.arguments.lock().encode_body()
    }

    fn health(&self) -> Option<Health> {
        self.component.health()
    }

    fn debug_info(&self) -> Option<Value> {
        self.component.debug_info()
    }

    fn handler(&self) -> Option<axum::Router> {
        self.component.handler()
    }
}

type BuildFn = fn(Options, &EvaluatedBody, Span) -> Result<Arc<dyn DynComponent>, ApplyError>;

/// A component type known to the registry: its name, stability, argument schema
/// and how to build it.
#[derive(Clone)]
pub struct Registration {
    pub name: &'static str,
    pub stability: Stability,
    pub arguments: fn() -> syntax::decode::Schema,
    build: BuildFn,
}

impl Registration {
    /// The registration of component type `C` under `name`.
    pub fn of<C: Component>(name: &'static str, stability: Stability) -> Registration {
        Registration {
            name,
            stability,
            arguments: C::Arguments::schema,
            build: |opts, body, span| {
                let args = C::Arguments::decode_body(body, span).map_err(ApplyError::Decode)?;
                let component = C::build(opts, args.clone()).map_err(ApplyError::Build)?;
                Ok(Arc::new(Instance {
                    component: Arc::new(component),
                    arguments: Mutex::new(args),
                }))
            },
        }
    }

    /// Decodes `body` and builds a new instance.
    pub fn build(
        &self,
        opts: Options,
        body: &EvaluatedBody,
        span: Span,
    ) -> Result<Arc<dyn DynComponent>, ApplyError> {
        (self.build)(opts, body, span)
    }
}
