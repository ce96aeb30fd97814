//! Alloy's `validate` golden tests, run through the real binary: each txtar's
//! files are written to a fresh directory, `ferroalloy validate .` runs in it, and
//! standard error must be the `.diags` text byte for byte (then Alloy's
//! `Error: validation failed`), standard output one newline, exit code 1 — or no
//! output and exit code 0 when the `.diags` file is empty.

use std::path::Path;
use std::process::Command;

/// Goldens that need component or block schemas (the component registry and the
/// argument type checks arrive with the runtime), with what is missing.
const NEEDS_SCHEMAS: [(&str, &str); 6] = [
    (
        "default/invalid_declare",
        "argument/export argument checks and the component registry",
    ),
    (
        "default/invalid_foreach",
        "foreach argument checks and the component registry",
    ),
    (
        "default/invalid_properties",
        "config block, import and component argument checks",
    ),
    ("default/invalid_types", "component argument type checks"),
    (
        "default/missing",
        "the component registry (unknown components)",
    ),
    (
        "default/mixed",
        "the component registry (unknown components)",
    ),
];

/// The files of a txtar archive: `-- name --` lines start a file, whose content
/// runs to the next such line; a missing final newline is added, as Go's txtar does.
fn txtar_files(text: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        if let Some(name) = bare
            .strip_prefix("-- ")
            .and_then(|rest| rest.strip_suffix(" --"))
        {
            files.push((name.trim().to_string(), String::new()));
        } else if let Some((_, data)) = files.last_mut() {
            data.push_str(line);
        }
    }
    for (_, data) in &mut files {
        if !data.is_empty() && !data.ends_with('\n') {
            data.push('\n');
        }
    }
    files
}

/// Runs one golden; `Err` describes the mismatch.
fn run_golden(txtar: &Path, stability: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(txtar).map_err(|e| e.to_string())?;
    let want = std::fs::read_to_string(txtar.with_extension("diags")).map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    for (name, data) in txtar_files(&text) {
        std::fs::write(dir.path().join(name), data).map_err(|e| e.to_string())?;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_ferroalloy"))
        .current_dir(dir.path())
        .args(["validate", ".", &format!("--stability.level={stability}")])
        .output()
        .map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (want_stderr, want_stdout, want_code) = if want.is_empty() {
        (String::new(), "", 0)
    } else {
        (format!("{want}Error: validation failed\n"), "\n", 1)
    };
    if stderr != want_stderr || stdout != want_stdout || out.status.code() != Some(want_code) {
        return Err(format!(
            "exit {:?} (want {want_code}); stdout {stdout:?}\n--- stderr ---\n{stderr}--- want ---\n{want_stderr}",
            out.status.code()
        ));
    }
    Ok(())
}

#[test]
fn validator_goldens() {
    let root = testutil::shared("testdata/alloy/grafana-alloy/internal/validator/testdata");
    let goldens = testutil::files_with_suffix(&root, ".txtar");
    assert_eq!(goldens.len(), 13, "expected Alloy's 13 validator goldens");

    let (mut passed, mut skipped, mut failures) = (0, 0, Vec::new());
    for txtar in &goldens {
        let rel = txtar.strip_prefix(&root).expect("under the root");
        let name = rel.with_extension("").to_string_lossy().replace('\\', "/");
        // Alloy runs `ga/` at generally-available and `default/` at experimental.
        let stability = if name.starts_with("ga/") {
            "generally-available"
        } else {
            "experimental"
        };
        let result = run_golden(txtar, stability);
        match (NEEDS_SCHEMAS.iter().find(|(n, _)| *n == name), result) {
            (None, Ok(())) => passed += 1,
            (None, Err(e)) => failures.push(format!("{name}: {e}")),
            (Some((_, why)), Err(_)) => {
                skipped += 1;
                println!("skipped {name}: needs {why}");
            }
            (Some(_), Ok(())) => failures.push(format!(
                "{name} passes now: take it off the NEEDS_SCHEMAS list"
            )),
        }
    }
    println!("validator goldens: {passed}/13 passed, {skipped} skipped");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(passed + skipped, goldens.len());
}

#[test]
fn txtar_sections() {
    let files = txtar_files("comment\n-- a.alloy --\nx\n\n-- b.alloy --\ny");
    assert_eq!(
        files,
        vec![
            ("a.alloy".to_string(), "x\n\n".to_string()),
            ("b.alloy".to_string(), "y\n".to_string())
        ]
    );
}
