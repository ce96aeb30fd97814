//! Reading configuration text from disk: one file, or every `*.alloy` file
//! directly inside a directory in name order (SPEC §1.1). Used for the main
//! configuration and for `import.file`.

use std::io;
use std::path::Path;
use syntax::pos::SourceFile;

/// The files at `path`: the file itself, or the directory's `*.alloy` files (not
/// recursive), named as Go's `filepath.Join` names them.
pub fn read_config(path: &Path) -> Result<Vec<SourceFile>, String> {
    let meta = std::fs::metadata(path).map_err(|e| io_error("stat", path, &e))?;
    if !meta.is_dir() {
        return Ok(vec![SourceFile::new(path.to_string_lossy(), read(path)?)]);
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
            Ok(SourceFile::new(joined.clone(), read(Path::new(&joined))?))
        })
        .collect()
}

/// The directory a configuration's `module_path` names: the file's directory,
/// or the directory itself.
pub fn module_path(path: &Path) -> String {
    if path.is_dir() {
        return path.to_string_lossy().into_owned();
    }
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_string_lossy().into_owned(),
        _ => ".".into(),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| io_error("open", path, &e))
}

/// Go's `*PathError` text: `op path: reason`, the reason in lower case and
/// without Rust's `(os error N)` suffix.
pub fn io_error(op: &str, path: &Path, err: &io::Error) -> String {
    let text = err.to_string();
    let reason = text.find(" (os error ").map_or(text.as_str(), |i| &text[..i]);
    let mut chars = reason.chars();
    let reason: String = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    };
    format!("{op} {}: {reason}", path.display())
}
