//! The HTTP server on :12345 (SPEC §3.1–3.2): `/-/ready`, `/-/healthy`,
//! `/-/reload`, `/metrics`, the UI and its API under the UI prefix, and the
//! components' own handlers under `/api/v0/component/<id>/`. It knows the
//! running configuration only through [`runtime::host::Host`].

mod alloyjson;
mod api;
mod auth;
mod endpoints;
mod json;
mod listen;
mod metrics;
mod mount;
mod text;
mod tls;
mod ui;

pub use endpoints::describe_reload_error;
pub use listen::{Security, serve};

use axum::Router;
use axum::extract::Request;
use axum::routing::{any, get};
use runtime::host::Host;
use std::sync::Arc;
use tower_http::compression::CompressionLayer;

/// The routes of the server. `ui_prefix` is where the UI and its API live
/// (`--server.http.ui-path-prefix`); it is normalized to start and end with `/`.
pub fn router(host: Arc<dyn Host>, ui_prefix: &str) -> Router {
    let prefix = normalize_prefix(ui_prefix);
    let web = format!("{prefix}api/v0/web");
    let web_api = Router::new()
        .route(&format!("{web}/components"), get(api::root_components))
        .route(&format!("{web}/components/{{*id}}"), get(api::component))
        .route(
            &format!("{web}/modules/{{*rest}}"),
            get(api::module_components),
        )
        .layer(CompressionLayer::new());
    Router::new()
        .route("/-/ready", get(endpoints::ready))
        .route("/ready", get(endpoints::ready))
        .route("/-/healthy", get(endpoints::healthy))
        .route("/-/reload", get(endpoints::reload).post(endpoints::reload))
        .route("/metrics", get(metrics::metrics))
        .route(
            &format!("{}{{*rest}}", mount::PREFIX),
            any(mount::component_handler),
        )
        .merge(web_api)
        .fallback(move |req: Request| async move { ui::serve(&prefix, &req) })
        .with_state(host)
}

/// `/`-delimited on both ends: `alloy` and `/alloy` become `/alloy/`.
fn normalize_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        "/".into()
    } else {
        format!("/{trimmed}/")
    }
}
