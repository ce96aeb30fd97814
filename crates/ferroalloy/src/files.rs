//! Reading configuration files, with Alloy's (Go's) wording for I/O errors.

use std::io::{self, Read};
use std::path::Path;
use syntax::SourceFile;

/// Go's `*PathError` text: `op path: reason`, the reason in lower case and
/// without Rust's `(os error N)` suffix.
pub fn io_error(op: &str, path: &Path, err: &io::Error) -> String {
    let text = err.to_string();
    let reason = match text.find(" (os error ") {
        Some(i) => &text[..i],
        None => &text,
    };
    let mut chars = reason.chars();
    let reason: String = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    format!("{op} {}: {reason}", path.display())
}

/// The bytes of `path`.
pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| io_error("open", path, &e))
}

pub fn read_stdin() -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| io_error("read", Path::new("/dev/stdin"), &e))?;
    Ok(bytes)
}

/// The configuration at `path`: the file itself, or every `*.alloy` file directly
/// inside the directory (not recursive), in name order. Files are named as Go's
/// `filepath.Join` names them, so diagnostics show the same paths as Alloy.
pub fn load(path: &Path) -> Result<Vec<SourceFile>, String> {
    let meta = std::fs::metadata(path).map_err(|e| io_error("stat", path, &e))?;
    if !meta.is_dir() {
        let name = path.to_string_lossy();
        return Ok(vec![SourceFile::new(name, read(path)?)]);
    }
    let entries = std::fs::read_dir(path).map_err(|e| io_error("open", path, &e))?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_error("readdirent", path, &e))?;
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let name = entry.file_name().to_string_lossy().into_owned();
        if !is_dir && name.ends_with(".alloy") {
            names.push(name);
        }
    }
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let joined =
                syntax::stdlib::join_paths([path.to_string_lossy().as_ref(), name.as_str()]);
            let bytes = read(Path::new(&joined))?;
            Ok(SourceFile::new(joined, bytes))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(dir: &str, name: &str) -> String {
        syntax::stdlib::join_paths([dir, name])
    }

    #[test]
    fn joins_like_go() {
        assert_eq!(join("./conf/", "a.alloy"), "conf/a.alloy");
        assert_eq!(join("/etc//alloy/../x", "a.alloy"), "/etc/x/a.alloy");
        assert_eq!(join("../..", "a.alloy"), "../../a.alloy");
        assert_eq!(join(".", "a.alloy"), "a.alloy");
    }

    #[test]
    fn io_errors_read_like_go() {
        let err = std::fs::metadata("/nonexistent/x").unwrap_err();
        assert_eq!(
            io_error("stat", Path::new("/nonexistent/x"), &err),
            "stat /nonexistent/x: no such file or directory"
        );
    }
}
