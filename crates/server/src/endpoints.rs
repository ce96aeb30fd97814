//! The operational endpoints: `/-/ready`, `/-/healthy` and `/-/reload`.

use crate::text::{go_error, line};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use runtime::health::HealthState;
use runtime::host::{Host, ReloadError};
use std::sync::Arc;

/// 200 once the first configuration load succeeded, 503 before.
pub async fn ready(State(host): State<Arc<dyn Host>>) -> Response {
    if host.is_ready() {
        line(StatusCode::OK, "Alloy is ready.")
    } else {
        line(StatusCode::SERVICE_UNAVAILABLE, "Alloy is not ready.")
    }
}

/// 500 naming the component types of the root module that are unhealthy;
/// exited and unknown components do not count, as upstream.
pub async fn healthy(State(host): State<Arc<dyn Host>>) -> Response {
    let unhealthy: Vec<String> = host
        .components("")
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.health.state == HealthState::Unhealthy)
        .map(|c| c.name)
        .collect();
    if unhealthy.is_empty() {
        line(StatusCode::OK, "All Alloy components are healthy.")
    } else {
        go_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("unhealthy components: {}", unhealthy.join(", ")),
        )
    }
}

/// Reloads the configuration from disk: 200 `config reloaded`, or 400 with the
/// diagnostics while the previous pipeline keeps running.
pub async fn reload(State(host): State<Arc<dyn Host>>) -> Response {
    tracing::info!("reload requested via /-/reload endpoint");
    match host.reload().await {
        Ok(()) => {
            tracing::info!("config reloaded");
            line(StatusCode::OK, "config reloaded")
        }
        Err(err) => {
            let text = describe_reload_error(&err);
            tracing::error!(err = %text, "failed to reload config");
            go_error(StatusCode::BAD_REQUEST, &text)
        }
    }
}

/// A failed reload as text: one `file:line:col: message` line per diagnostic,
/// then the source excerpts as `alloy run` prints them.
pub fn describe_reload_error(err: &ReloadError) -> String {
    match err {
        ReloadError::Other(message) => message.clone(),
        ReloadError::Diagnostics {
            diagnostics,
            sources,
        } => {
            let mut text: String = diagnostics.iter().map(|d| format!("{d}\n")).collect();
            text.push('\n');
            text.push_str(&syntax::diag::render(
                diagnostics,
                |name| sources.iter().find(|s| s.name() == name),
                false,
            ));
            text.trim_end().to_string()
        }
    }
}
