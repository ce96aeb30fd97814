//! What the HTTP server and the UI see of a running configuration. The controller
//! implements [`Host`]; the server knows components only through it
//! (ARCHITECTURE.md: "the server knows components only through the runtime").

use crate::component::BoxFuture;
use crate::health::Health;
use syntax::decode::EncodedBody;
use syntax::diag::Diagnostics;
use syntax::value::Value;

/// One component (or config block) of a module, as `/api/v0/web/components` lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentInfo {
    /// The block name, e.g. `prometheus.remote_write`.
    pub name: String,
    /// The ID within its module, e.g. `prometheus.remote_write.default`.
    pub local_id: String,
    /// `""` for the root module; e.g. `declare_name.label`, nested as `a.b/c.d`.
    pub module_id: String,
    /// Empty when the block has no label.
    pub label: String,
    /// Local IDs of the nodes this one references, sorted.
    pub references_to: Vec<String>,
    /// Local IDs of the nodes that reference this one, sorted.
    pub referenced_by: Vec<String>,
    /// Local IDs that data flows to from this node (SPEC §1.11), sorted.
    pub data_flow_edges_to: Vec<String>,
    pub health: Health,
    /// Module IDs this node created (custom components, imports), sorted.
    pub created_module_ids: Vec<String>,
    pub live_debugging_enabled: bool,
}

impl ComponentInfo {
    /// The global ID: `module_id/local_id`, or `local_id` at the root.
    pub fn global_id(&self) -> String {
        if self.module_id.is_empty() {
            self.local_id.clone()
        } else {
            format!("{}/{}", self.module_id, self.local_id)
        }
    }
}

/// One component with its arguments, exports and debug info.
#[derive(Clone, Debug)]
pub struct ComponentDetail {
    pub info: ComponentInfo,
    pub arguments: EncodedBody,
    /// An object of export names to values (`Value::Null` when there are none).
    pub exports: Value,
    /// `Value::Null` when the component gives none.
    pub debug_info: Value,
}

/// Why a reload failed: configuration diagnostics (with the sources to render
/// them), or another error such as an unreadable file.
#[derive(Clone, Debug)]
pub enum ReloadError {
    Diagnostics {
        diagnostics: Diagnostics,
        /// The files the diagnostics point into, for rendering excerpts.
        sources: Vec<syntax::pos::SourceFile>,
    },
    Other(String),
}

/// A running configuration, as the HTTP server uses it.
pub trait Host: Send + Sync {
    /// `true` once the first configuration load succeeded.
    fn is_ready(&self) -> bool;

    /// The components of a module (`""` = root), in the graph's order; `None` when
    /// the module does not exist.
    fn components(&self, module_id: &str) -> Option<Vec<ComponentInfo>>;

    /// One component by global ID (`local_id` or `module_id/local_id`).
    fn component(&self, global_id: &str) -> Option<ComponentDetail>;

    /// The HTTP handler a component mounts at `/api/v0/component/<global id>/`.
    fn handler(&self, global_id: &str) -> Option<axum::Router>;

    /// Re-reads the configuration from disk and applies it. On failure the
    /// previous pipeline keeps running.
    fn reload(&self) -> BoxFuture<Result<(), ReloadError>>;

    /// Appends every component's metrics, labelled with `component_id` and
    /// `component_path`, in the OpenMetrics text format without `# EOF`.
    fn encode_component_metrics(&self, out: &mut String);
}
