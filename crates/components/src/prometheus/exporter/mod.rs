//! The contract every `prometheus.exporter.*` component shares (SPEC §2.0.5):
//! it serves its metrics from its own HTTP handler at `/metrics` (so at
//! `/api/v0/component/<id>/metrics`) and exports one scrape target pointing
//! there through the in-memory address, which `prometheus.scrape` reaches
//! without touching the network.

pub mod exposition;
pub mod self_;
pub mod unix;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use model::target::Target;
use syntax::decode::Block;

/// What an exporter exports: the targets a scrape consumes.
#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Exports {
    #[alloy(attr)]
    pub targets: Vec<Target>,
}

/// The content type of Prometheus's text exposition format.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The target of exporter `name` (`unix`, `self`, `redis`…) run as component
/// `id`, scraped for the machine or service `instance`.
pub fn target(id: &str, name: &str, instance: &str) -> Target {
    let address = runtime::inmemory::address();
    Target::from_pairs([
        ("__address__", address.as_str()),
        ("__scheme__", "http"),
        (
            "__metrics_path__",
            &format!("/api/v0/component/{id}/metrics"),
        ),
        ("instance", instance),
        ("job", &format!("integrations/{name}")),
        ("__meta_component_name", component_name(id)),
        ("__meta_component_id", id),
    ])
}

/// The component's type name: its global ID without the label
/// (`prometheus.exporter.unix.default` → `prometheus.exporter.unix`). Alloy
/// strips the last dotted part, except for an unlabelled
/// `prometheus.exporter.unix`, the only exporter whose label is optional.
fn component_name(id: &str) -> &str {
    if id == "prometheus.exporter.unix" {
        return id;
    }
    id.rsplit_once('.').map_or(id, |(name, _)| name)
}

/// The instance of exporters that describe the machine they run on: `$HOSTNAME`
/// when set, else the kernel's host name, else `unknown` (as Alloy).
pub fn default_instance() -> String {
    if let Some(hostname) = std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()) {
        return hostname;
    }
    let uname = rustix::system::uname();
    match uname.nodename().to_str() {
        Ok(name) if !name.is_empty() => name.to_string(),
        _ => "unknown".to_string(),
    }
}

/// A scrape response in the text exposition format.
pub fn text_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, TEXT_CONTENT_TYPE)], body).into_response()
}

/// A scrape that could not be answered.
pub fn error_response(message: String) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, message).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_carry_alloy_labels() {
        let target = target("prometheus.exporter.unix.host", "unix", "box");
        let pairs: Vec<_> = target.iter().collect();
        assert_eq!(
            pairs,
            [
                ("__address__", "alloy.internal:12345"),
                ("__meta_component_id", "prometheus.exporter.unix.host"),
                ("__meta_component_name", "prometheus.exporter.unix"),
                (
                    "__metrics_path__",
                    "/api/v0/component/prometheus.exporter.unix.host/metrics"
                ),
                ("__scheme__", "http"),
                ("instance", "box"),
                ("job", "integrations/unix"),
            ]
        );
    }

    #[test]
    fn component_names_drop_the_label() {
        assert_eq!(
            component_name("prometheus.exporter.unix"),
            "prometheus.exporter.unix"
        );
        assert_eq!(
            component_name("prometheus.exporter.self.a"),
            "prometheus.exporter.self"
        );
        assert_eq!(
            component_name("mod.label/prometheus.exporter.redis.r"),
            "mod.label/prometheus.exporter.redis"
        );
    }

    #[test]
    fn default_instance_is_never_empty() {
        assert!(!default_instance().is_empty());
    }
}
