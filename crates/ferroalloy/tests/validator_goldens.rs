//! Alloy's `validate` golden tests, run through the real binary: each txtar's
//! files are written to a fresh directory, `ferroalloy validate .` runs in it, and
//! standard error must be the `.diags` text byte for byte (then Alloy's
//! `Error: validation failed`), standard output one newline, exit code 1 — or no
//! output and exit code 0 when the `.diags` file is empty. Validation uses the
//! real component registry, so goldens that use components ferroalloy lacks are
//! skipped, naming them.

use std::path::Path;
use std::process::Command;

/// Goldens that use components ferroalloy does not have yet. Their
/// diagnostics depend on the component registry (an unknown component is an
/// error) and on the components' argument schemas, so they cannot pass until
/// every component listed is registered; then they must pass byte for byte.
/// (`local.missing`, which the goldens use as the unknown component, is not
/// listed: it never exists.)
const NEEDS_COMPONENTS: [(&str, &[&str]); 9] = [
    ("default/cycle", &["prometheus.relabel"]),
    (
        "default/invalid_declare",
        &["loki.source.file", "remote.http"],
    ),
    (
        "default/invalid_foreach",
        &[
            "loki.source.file",
            "prometheus.exporter.redis",
            "prometheus.scrape",
            "remote.http",
        ],
    ),
    (
        "default/invalid_properties",
        &["loki.source.file", "remote.http"],
    ),
    (
        "default/invalid_refs",
        &["discovery.kubernetes", "prometheus.scrape"],
    ),
    (
        "default/invalid_types",
        &["loki.source.file", "otelcol.auth.headers"],
    ),
    (
        "default/mixed",
        &["loki.process", "loki.source.file", "loki.write"],
    ),
    (
        "default/valid",
        &[
            "discovery.kubernetes",
            "loki.process",
            "loki.source.file",
            "loki.write",
            "otelcol.auth.headers",
            "otelcol.exporter.otlp",
            "prometheus.exporter.redis",
            "prometheus.relabel",
            "prometheus.remote_write",
            "prometheus.scrape",
        ],
    ),
    ("ga/non_ga", &["prometheus.scrape"]),
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

    let registry = components::registry();
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
        let missing: Vec<&str> = NEEDS_COMPONENTS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, needed)| {
                needed
                    .iter()
                    .copied()
                    .filter(|c| registry.get(c).is_none())
                    .collect()
            })
            .unwrap_or_default();
        match (missing.is_empty(), run_golden(txtar, stability)) {
            (true, Ok(())) => passed += 1,
            (true, Err(e)) => failures.push(format!("{name}: {e}")),
            (false, Err(_)) => {
                skipped += 1;
                println!("skipped {name}: needs {}", missing.join(", "));
            }
            (false, Ok(())) => failures.push(format!(
                "{name} passes although {} are missing: correct NEEDS_COMPONENTS",
                missing.join(", ")
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

/// `ferroalloy validate` on one configuration: (exit code, standard error).
fn validate_text(config: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("config.alloy"), config).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_ferroalloy"))
        .current_dir(dir.path())
        .args(["validate", "config.alloy"])
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn known_components_are_type_checked() {
    let (code, stderr) = validate_text(
        "local.file \"token\" {\n  filenam   = \"/etc/token\"\n  is_secret = \"yes\"\n}\n",
    );
    assert_eq!(code, Some(1), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("Error: "))
        .collect();
    assert_eq!(
        errors,
        [
            "Error: config.alloy:2:3: unrecognized attribute name \"filenam\"",
            "Error: config.alloy:3:15: expected bool, got string",
            "Error: config.alloy:1:1: missing required attribute \"filename\"",
            "Error: validation failed",
        ],
        "{stderr}"
    );
    let (code, stderr) = validate_text(
        "discovery.relabel \"x\" {\n  targets = [{\"a\" = \"b\"}]\n  rule {\n    action = \"keep\"\n  }\n}\n",
    );
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
}

/// The README's example configuration is formatted and valid.
#[test]
fn example_config_is_formatted_and_valid() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/config.alloy");
    for args in [
        ["fmt", "--test"],
        ["validate", "--stability.level=generally-available"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_ferroalloy"))
            .args(args)
            .arg(&example)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "ferroalloy {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
