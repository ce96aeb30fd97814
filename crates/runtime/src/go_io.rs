//! I/O errors worded as Go words them: Alloy's diagnostics and health messages
//! show Go's `*PathError` text (`open x: no such file or directory`).

use std::io;
use std::path::Path;

/// `op path: reason`, the reason in lower case and without Rust's
/// `(os error N)` suffix, as Go's `*PathError` prints.
pub fn path_error(op: &str, path: &Path, err: &io::Error) -> String {
    let text = err.to_string();
    let reason = text
        .find(" (os error ")
        .map_or(text.as_str(), |i| &text[..i]);
    let mut chars = reason.chars();
    let reason: String = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    format!("{op} {}: {reason}", path.display())
}

/// The bytes of `path`, or Go's `open` error.
pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| path_error("open", path, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_missing_files_as_go() {
        let err = std::fs::read("/nonexistent/x").unwrap_err();
        assert_eq!(
            path_error("open", Path::new("/nonexistent/x"), &err),
            "open /nonexistent/x: no such file or directory"
        );
        assert_eq!(
            read(Path::new("/nonexistent/x")).unwrap_err(),
            "open /nonexistent/x: no such file or directory"
        );
    }
}
