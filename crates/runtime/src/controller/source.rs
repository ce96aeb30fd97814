//! Reading configuration text from disk: one file, or every `*.alloy` file
//! directly inside a directory in name order (SPEC §1.1). Used for the main
//! configuration and for `import.file`.

use super::node::Located;
use crate::go_io::{path_error as io_error, read};
use crate::validate::{self, Parsed};
use std::path::Path;
use std::sync::Arc;
use syntax::diag::Diagnostics;
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

/// Each file parsed: its syntax tree, or the parser's diagnostics.
pub fn parse(sources: Vec<SourceFile>) -> Vec<Parsed> {
    sources
        .into_iter()
        .map(|source| {
            let (file, diags) = syntax::parser::parse_file(&source);
            let file = if diags.is_empty() {
                Ok(file)
            } else {
                Err(diags)
            };
            Parsed { source, file }
        })
        .collect()
}

/// The top-level blocks of `sources` once they parse and pass the structural
/// checks of `alloy validate`; else the errors and the files they point into.
pub(crate) fn check(
    sources: Vec<SourceFile>,
    options: &validate::Options<'_>,
) -> Result<Vec<Located>, (Diagnostics, Vec<SourceFile>)> {
    let parsed = parse(sources);
    let diagnostics = validate::validate(&parsed, options);
    if diagnostics.has_errors() {
        return Err((diagnostics, parsed.into_iter().map(|p| p.source).collect()));
    }
    Ok(parsed
        .into_iter()
        .filter_map(|p| p.file.ok().map(|f| (Arc::new(p.source), f.body)))
        .flat_map(|(file, body)| Located::blocks(file, body))
        .collect())
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
