//! `/api/v0/component/<id>/…`: requests handed to the component's own router
//! with the prefix and the ID stripped, so each component serves from its root.

use crate::text::not_found;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::response::Response;
use runtime::host::Host;
use std::sync::Arc;
use tower::ServiceExt;

pub const PREFIX: &str = "/api/v0/component/";

pub async fn component_handler(State(host): State<Arc<dyn Host>>, req: Request) -> Response {
    let path = req.uri().path().strip_prefix(PREFIX).unwrap_or_default();
    let Some((router, rest)) = find(host.as_ref(), path) else {
        return not_found();
    };
    let (mut parts, body) = req.into_parts();
    let target = match parts.uri.query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest,
    };
    let Ok(uri) = target.parse::<Uri>() else {
        return not_found();
    };
    parts.uri = uri;
    let req = Request::from_parts(parts, Body::new(body));
    match router.oneshot(req).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The component the path names and the path left for it. Component IDs of
/// modules contain `/`, so the longest prefix naming a component with a
/// handler wins, as upstream splits these paths.
fn find(host: &dyn Host, path: &str) -> Option<(axum::Router, String)> {
    let trailing_slash = path.ends_with('/');
    let path = path.trim_matches('/');
    if path.is_empty() {
        return None;
    }
    let mut end = path.len();
    loop {
        if let Some(router) = host.handler(&path[..end]) {
            let mut rest = format!("/{}", path[end..].trim_start_matches('/'));
            if trailing_slash && !rest.ends_with('/') {
                rest.push('/');
            }
            return Some((router, rest));
        }
        end = path[..end].rfind('/')?;
    }
}
