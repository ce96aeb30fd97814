//! `prometheus.exporter.self` (SPEC §2.22): a target for the process's own
//! metrics. Its handler answers with what the process serves on `/metrics`,
//! fetched from the process's router through the in-memory address.

use super::{Exports, default_instance, error_response, target};
use axum::body::Body;
use axum::http::Request;
use axum::response::Response;
use axum::routing::get;
use runtime::component::{Component, Options};
use runtime::inmemory;
use std::sync::Arc;
use syntax::decode::Block;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

#[derive(Clone, PartialEq, Debug, Default, Block)]
pub struct Arguments {}

pub struct SelfExporter;

impl Component for SelfExporter {
    type Arguments = Arguments;

    fn build(opts: Options, _args: Arguments) -> Result<SelfExporter, String> {
        opts.export(&Exports {
            targets: vec![target(&opts.id, "self", &default_instance())],
        });
        Ok(SelfExporter)
    }

    async fn run(self: Arc<Self>, shutdown: CancellationToken) -> Result<(), String> {
        shutdown.cancelled().await;
        Ok(())
    }

    fn update(&self, _args: Arguments) -> Result<(), String> {
        Ok(())
    }

    fn handler(&self) -> Option<axum::Router> {
        Some(axum::Router::new().route("/metrics", get(own_metrics)))
    }
}

/// The process's `/metrics`, asked of its own router.
async fn own_metrics() -> Response {
    let Some(router) = inmemory::router(&inmemory::address()) else {
        return error_response("the HTTP server is not running".into());
    };
    let request = Request::get("/metrics")
        .body(Body::empty())
        .expect("a constant request is valid");
    match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{field, options};
    use model::target::Target;
    use syntax::decode::Codec;

    #[test]
    fn exports_a_target_at_its_own_path() {
        let (opts, exports) = options("prometheus.exporter.self.alloy");
        SelfExporter::build(opts, Arguments {}).unwrap();
        let targets = Vec::<Target>::decode(field(&exports.last().unwrap(), "targets")).unwrap();
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].value("job"), "integrations/self");
        assert_eq!(
            targets[0].value("__metrics_path__"),
            "/api/v0/component/prometheus.exporter.self.alloy/metrics"
        );
        assert_eq!(targets[0].value("instance"), default_instance());
    }

    #[tokio::test]
    async fn serves_the_process_metrics() {
        let process = axum::Router::new().route("/metrics", get(|| async { "up 1\n" }));
        let _served = inmemory::serve(inmemory::DEFAULT_MEMORY_ADDR, process);
        let handler = SelfExporter.handler().unwrap();
        let response = handler
            .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        assert_eq!(&body[..], b"up 1\n");
    }
}
