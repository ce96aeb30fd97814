//! The component types ferroalloy knows, one module per Alloy namespace and one
//! file per component; [`registry`] lists them for the runtime and `validate`.

pub mod discovery;
pub mod local;
pub mod otelcol;
pub mod prometheus;

#[cfg(test)]
mod testing;

use runtime::component::Registration;
use runtime::registry::Registry;
use syntax::stability::Stability;

/// Every component type, with its stability.
pub fn registry() -> Registry {
    let mut registry = Registry::new();
    registry.register(Registration::of::<discovery::relabel::DiscoveryRelabel>(
        "discovery.relabel",
        Stability::GenerallyAvailable,
    ));
    registry.register(Registration::of::<local::file::LocalFile>(
        "local.file",
        Stability::GenerallyAvailable,
    ));
    registry.register(Registration::of::<local::file_match::LocalFileMatch>(
        "local.file_match",
        Stability::GenerallyAvailable,
    ));
    registry.register(Registration::of::<prometheus::remote_write::RemoteWrite>(
        "prometheus.remote_write",
        Stability::GenerallyAvailable,
    ));
    registry.register(Registration::of::<prometheus::receive_http::ReceiveHttp>(
        "prometheus.receive_http",
        Stability::GenerallyAvailable,
    ));
    registry
}
