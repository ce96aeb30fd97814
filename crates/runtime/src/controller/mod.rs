//! The controller: loads the configuration into a graph of components, evaluates
//! it, runs the components and applies reloads (SPEC §1.11–1.13).

use crate::component::BoxFuture;
use crate::host::{ComponentDetail, ComponentInfo, Host, ReloadError};
use crate::registry::Registry;
use crate::services::{HttpArguments, LoggingArguments};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use syntax::stability::Stability;
use tokio::sync::watch;

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

/// A running configuration.
pub struct Controller {
    opts: ControllerOptions,
    logging: watch::Sender<LoggingArguments>,
    http: watch::Sender<HttpArguments>,
}

impl Controller {
    /// Must be called inside a tokio runtime.
    pub fn new(opts: ControllerOptions) -> Arc<Controller> {
        Arc::new(Controller {
            opts,
            logging: watch::Sender::new(LoggingArguments::default()),
            http: watch::Sender::new(HttpArguments::default()),
        })
    }

    /// Reads the configuration from disk and applies it (the first load and every reload).
    pub async fn load(&self) -> Result<(), ReloadError> {
        Err(ReloadError::Other(format!(
            "loading {} is not implemented yet",
            self.opts.config_path.display()
        )))
    }

    /// The evaluated `logging` block (defaults when absent).
    pub fn logging(&self) -> watch::Receiver<LoggingArguments> {
        self.logging.subscribe()
    }

    /// The evaluated `http` block (defaults when absent).
    pub fn http(&self) -> watch::Receiver<HttpArguments> {
        self.http.subscribe()
    }

    /// Stops every component, waiting at most `deadline` for run loops to return.
    pub async fn shutdown(&self, deadline: Duration) {
        let _ = deadline;
    }
}

impl Host for Controller {
    fn is_ready(&self) -> bool {
        false
    }

    fn components(&self, _module_id: &str) -> Option<Vec<ComponentInfo>> {
        None
    }

    fn component(&self, _global_id: &str) -> Option<ComponentDetail> {
        None
    }

    fn handler(&self, _global_id: &str) -> Option<axum::Router> {
        None
    }

    fn reload(&self) -> BoxFuture<Result<(), ReloadError>> {
        Box::pin(async { Err(ReloadError::Other("reload is not implemented yet".into())) })
    }

    fn encode_component_metrics(&self, _out: &mut String) {}
}
