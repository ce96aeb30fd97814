//! Test support: where the shared test data lives, generated configurations and
//! TLS certificates.

pub mod alloy_gen;
pub mod tls;

use std::path::{Path, PathBuf};

/// The shared folder: `$FERROALLOY_SHARED`, or `../shared` beside the workspace.
/// A missing folder fails the test (never a silent skip).
pub fn shared_dir() -> PathBuf {
    let dir = match std::env::var_os("FERROALLOY_SHARED") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    assert!(
        dir.join("testdata").is_dir(),
        "shared test data not found at {} (set FERROALLOY_SHARED)",
        dir.display()
    );
    dir
}

/// A path inside the shared folder.
pub fn shared(rel: &str) -> PathBuf {
    shared_dir().join(rel)
}

/// Every file under `dir` (recursively) whose name ends with `suffix`, sorted.
pub fn files_with_suffix(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(suffix) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
