//! The UI's API under `<ui prefix>api/v0/web/` (SPEC §3.2): the components of
//! the root module or of a module, and one component with its arguments, exports
//! and debug info, in Alloy's JSON shape.

use crate::alloyjson;
use crate::json;
use crate::text::{go_error, not_found};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use runtime::host::{ComponentDetail, ComponentInfo, Host};
use std::sync::Arc;

/// `components`: the root module's components.
pub async fn root_components(State(host): State<Arc<dyn Host>>) -> Response {
    list(host.as_ref(), "")
}

/// `modules/{module id}/components`; module IDs may contain `/`, so the route
/// captures the rest of the path.
pub async fn module_components(
    State(host): State<Arc<dyn Host>>,
    Path(rest): Path<String>,
) -> Response {
    match rest.strip_suffix("/components") {
        Some(module_id) if !module_id.is_empty() => list(host.as_ref(), module_id),
        _ => not_found(),
    }
}

/// `components/{id}`: one component by global ID, 404 when unknown.
pub async fn component(State(host): State<Arc<dyn Host>>, Path(id): Path<String>) -> Response {
    match host.component(&id) {
        Some(detail) => json_response(detail_json(&detail)),
        None => not_found(),
    }
}

fn list(host: &dyn Host, module_id: &str) -> Response {
    let Some(components) = host.components(module_id) else {
        // Upstream answers an unknown module with its error text.
        return go_error(StatusCode::INTERNAL_SERVER_ERROR, "module not found");
    };
    let mut out = String::from("[");
    for (i, info) in components.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // The list carries no arguments, exports or debug info; upstream encodes
        // those missing values as empty bodies.
        write_component(&mut out, info, empty_body, empty_body, empty_body);
    }
    out.push(']');
    json_response(out)
}

fn detail_json(detail: &ComponentDetail) -> String {
    let mut out = String::new();
    write_component(
        &mut out,
        &detail.info,
        |out| alloyjson::body(out, &detail.arguments),
        |out| alloyjson::object_body(out, &detail.exports),
        |out| alloyjson::object_body(out, &detail.debug_info),
    );
    out
}

fn empty_body(out: &mut String) {
    out.push_str("[]");
}

/// One component object, keys in upstream's order.
fn write_component(
    out: &mut String,
    info: &ComponentInfo,
    arguments: impl FnOnce(&mut String),
    exports: impl FnOnce(&mut String),
    debug_info: impl FnOnce(&mut String),
) {
    out.push_str("{\"name\":");
    json::string(out, &info.name);
    out.push_str(",\"type\":\"block\",\"localID\":");
    json::string(out, &info.local_id);
    out.push_str(",\"moduleID\":");
    json::string(out, &info.module_id);
    if !info.label.is_empty() {
        out.push_str(",\"label\":");
        json::string(out, &info.label);
    }
    out.push_str(",\"referencesTo\":");
    json::strings(out, &info.references_to);
    out.push_str(",\"referencedBy\":");
    json::strings(out, &info.referenced_by);
    out.push_str(",\"dataFlowEdgesTo\":");
    json::strings(out, &info.data_flow_edges_to);
    out.push_str(",\"health\":{\"state\":");
    json::string(out, info.health.state.as_str());
    out.push_str(",\"message\":");
    json::string(out, &info.health.message);
    out.push_str(",\"updatedTime\":");
    json::time(out, info.health.updated);
    out.push_str("},\"original\":\"\",\"arguments\":");
    arguments(out);
    out.push_str(",\"exports\":");
    exports(out);
    out.push_str(",\"debugInfo\":");
    debug_info(out);
    if !info.created_module_ids.is_empty() {
        out.push_str(",\"createdModuleIDs\":");
        json::strings(out, &info.created_module_ids);
    }
    out.push_str(",\"liveDebuggingEnabled\":");
    out.push_str(if info.live_debugging_enabled {
        "true"
    } else {
        "false"
    });
    out.push('}');
}

fn json_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}
