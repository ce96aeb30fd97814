//! `otelcol.auth.*`: authenticators exported as an `otelcol.Handler` capsule and
//! passed as `auth` to receivers' server blocks (checking incoming requests) and
//! to exporters' `client` blocks (adding credentials to outgoing ones).

pub mod basic;
pub mod bearer;

use axum::http::HeaderMap;
use std::sync::Arc;

/// Both sides of an authentication scheme.
pub trait Authenticator: Send + Sync {
    /// Headers a client adds to every request (files are re-read each time, so
    /// rotated credentials apply). An error stops the request.
    fn client_headers(&self) -> Result<Vec<(String, String)>, String>;

    /// Checks an incoming request's headers (gRPC metadata are headers too).
    /// `Ok` carries what was learnt about the client (e.g. `username`), for
    /// `from_context = "auth.<name>"`; `Err` the reason, sent back as 401 /
    /// `UNAUTHENTICATED`.
    fn authenticate(&self, headers: &HeaderMap) -> Result<Vec<(String, String)>, String>;
}

/// An `otelcol.Handler` capsule: what `otelcol.auth.basic.X.handler` exports.
#[derive(Clone)]
pub struct Handler(pub Arc<dyn Authenticator>);

model::arc_capsule!(Handler, "otelcol.Handler", receiver = false);
