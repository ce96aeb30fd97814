//! Plain-text answers written as Go's `net/http` writes them, since clients and
//! scripts written for Alloy compare these bodies.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A line of text with status `code` (Go's `fmt.Fprintln` after `WriteHeader`).
pub fn line(code: StatusCode, text: &str) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{text}\n"),
    )
        .into_response()
}

/// Go's `http.Error`: the text and a newline, marked as not to be sniffed.
pub fn go_error(code: StatusCode, text: &str) -> Response {
    let mut response = line(code, text);
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Go's `http.NotFound`.
pub fn not_found() -> Response {
    go_error(StatusCode::NOT_FOUND, "404 page not found")
}
