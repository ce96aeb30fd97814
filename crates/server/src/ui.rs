//! The UI's static files, embedded from `ui/` at build time (debug builds too),
//! served under the UI prefix. Paths that name no file fall back to
//! `index.html`, so the single-page app's client routes (`/component/<id>`,
//! `/graph`) load on refresh.

use crate::text::not_found;
use axum::http::{HeaderValue, Method, Request, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use std::borrow::Cow;

#[derive(RustEmbed)]
// Relative to this crate's manifest.
#[folder = "../../ui/"]
struct Assets;

/// Serves `req` if it is a GET or HEAD under `prefix` (which ends in `/`).
pub fn serve<B>(prefix: &str, req: &Request<B>) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return not_found();
    }
    let Some(rel) = req.uri().path().strip_prefix(prefix).or_else(|| {
        // The prefix without its trailing slash is the UI's root too.
        (req.uri().path() == prefix.trim_end_matches('/')).then_some("")
    }) else {
        return not_found();
    };
    // The API has its own routes; an unknown API path is an error, not a page.
    if rel.starts_with("api/") {
        return not_found();
    }
    match Assets::get(rel).filter(|_| !rel.is_empty() && rel != "index.html") {
        Some(file) => {
            let mime = file.metadata.mimetype().to_string();
            asset(mime, file.data)
        }
        None => index(prefix),
    }
}

fn index(prefix: &str) -> Response {
    let Some(file) = Assets::get("index.html") else {
        return not_found();
    };
    // The page resolves its assets and API calls against <base>; the prefix is
    // known here, whatever client route the address shows.
    let html = String::from_utf8_lossy(&file.data).replacen(
        "<head>",
        &format!("<head>\n<base href=\"{prefix}\">"),
        1,
    );
    asset(
        "text/html; charset=utf-8".to_string(),
        Cow::Owned(html.into_bytes()),
    )
}

fn asset(mime: String, data: Cow<'static, [u8]>) -> Response {
    let mut response = data.into_owned().into_response();
    if let Ok(value) = HeaderValue::from_str(&mime) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}
