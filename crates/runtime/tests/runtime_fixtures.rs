//! Alloy's runtime fixtures (`internal/runtime/testdata`): each `main.alloy` is
//! loaded with its modules written beside it, `update/*` files are written while
//! it runs, `reload_config.alloy` is applied as a reload, and the exports of
//! `testcomponents.summation.sum` must reach the value upstream's
//! `import_test.go` waits for; error fixtures must fail with their message.

mod testcomponents;

use runtime::controller::{Controller, ControllerOptions};
use runtime::host::{Host, ReloadError};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use syntax::stability::Stability;
use syntax::value::Value;

/// A txtar archive: the comment, then `-- name --` sections.
struct Archive {
    comment: String,
    files: Vec<(String, String)>,
}

fn parse_txtar(text: &str) -> Archive {
    let mut comment = String::new();
    let mut files: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end_matches('\n');
        if let Some(name) = trimmed
            .strip_prefix("-- ")
            .and_then(|rest| rest.strip_suffix(" --"))
        {
            files.push((name.to_string(), String::new()));
        } else if let Some((_, data)) = files.last_mut() {
            data.push_str(line);
        } else {
            comment.push_str(line);
        }
    }
    // As Go's txtar, every file ends with a newline.
    for (_, data) in &mut files {
        if !data.is_empty() && !data.ends_with('\n') {
            data.push('\n');
        }
    }
    Archive {
        comment: comment.trim().to_string(),
        files,
    }
}

impl Archive {
    fn file(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.as_str())
    }
}

/// Why a fixture set is not run.
const SKIPPED_SETS: [(&str, &str); 2] = [
    (
        "import_http",
        "import.http is not implemented (needs an HTTP server fixture)",
    ),
    (
        "import_git",
        "import.git is not implemented (the fixtures need git repositories in tarballs)",
    ),
];

/// Single fixtures not run, with the reason.
const SKIPPED_FILES: [(&str, &str); 2] = [
    (
        "import_error_5.txtar",
        "community components (--feature.community-components.enabled) do not exist yet",
    ),
    (
        "import_error_6.txtar",
        "community components (--feature.community-components.enabled) do not exist yet",
    ),
];

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create directory");
    }
    std::fs::write(&path, text).expect("write fixture file");
}

fn controller(dir: &Path, min_stability: Stability) -> Arc<Controller> {
    Controller::new(ControllerOptions {
        config_path: dir.join("main.alloy"),
        storage_path: dir.join("data"),
        min_stability,
        registry: testcomponents::registry(),
    })
}

/// What upstream's tests wait for: the summation's last input (imports), the
/// summation receiver's total (foreach) or the string receivers' logs
/// (foreach_stringer), first, then after updates and reloads.
struct Goal {
    stability: Stability,
    first: (&'static str, Check),
    after: (&'static str, Check),
}

type Check = fn(&Controller, &Archive) -> bool;

fn goal(set: &str) -> Goal {
    match set {
        "foreach_stringer" => Goal {
            stability: Stability::Experimental,
            first: ("the expected logs", |c, archive| {
                logged(c, "log").as_deref() == archive.file("expected_debug_info.txt")
                    && archive
                        .file("expected_debug_info2.txt")
                        .is_none_or(|want| logged(c, "log2").as_deref() == Some(want))
            }),
            after: ("nothing more", |_, _| true),
        },
        _ if set.starts_with("foreach") => Goal {
            stability: Stability::Experimental,
            first: ("a received sum >= 10", |c, _| {
                received(c).is_some_and(|v| v >= 10)
            }),
            after: ("a received sum >= 30", |c, _| {
                received(c).is_some_and(|v| v >= 30)
            }),
        },
        _ => Goal {
            stability: Stability::PublicPreview,
            first: ("last_added >= 10", |c, _| {
                last_added(c).is_some_and(|v| v >= 10)
            }),
            after: ("last_added <= -10", |c, _| {
                last_added(c).is_some_and(|v| v <= -10)
            }),
        },
    }
}

/// The text a `testcomponents.string_receiver` received.
fn logged(controller: &Controller, label: &str) -> Option<String> {
    let id = format!("testcomponents.string_receiver.{label}");
    match controller.component(&id)?.debug_info {
        Value::String(text) => Some(text),
        _ => None,
    }
}

fn received(controller: &Controller) -> Option<i64> {
    match controller
        .component("testcomponents.summation_receiver.sum")?
        .debug_info
    {
        Value::Number(n) => Some(n.as_i64()),
        _ => None,
    }
}

fn last_added(controller: &Controller) -> Option<i64> {
    let detail = controller.component("testcomponents.summation.sum")?;
    let Value::Object(exports) = detail.exports else {
        return None;
    };
    match exports.get("last_added")? {
        Value::Number(n) => Some(n.as_i64()),
        _ => None,
    }
}

async fn eventually(what: &str, check: impl Fn() -> bool) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if check() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Err(format!("timed out waiting for {what}"))
}

fn error_text(error: &ReloadError) -> String {
    match error {
        ReloadError::Diagnostics { diagnostics, .. } => diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
            .join("\n"),
        ReloadError::Other(e) => e.clone(),
    }
}

/// Writes the archive's module files for `set` into `dir`.
fn write_modules(set: &str, archive: &Archive, dir: &Path) {
    for (name, data) in &archive.files {
        let skip = name == "main.alloy"
            || name == "error"
            || name == "reload_config.alloy"
            || name.starts_with("update/")
            || name == "added.alloy"
            || name.starts_with("utils/update_");
        if skip {
            continue;
        }
        if set == "import_file_folder" {
            write(&dir.join("tmpTest"), name, data);
        } else {
            write(dir, name, data);
        }
    }
}

/// The changes to make while the configuration runs.
fn apply_updates(set: &str, archive: &Archive, dir: &Path) -> bool {
    let mut any = false;
    for (name, data) in &archive.files {
        let target = if let Some(rest) = name.strip_prefix("update/") {
            rest.to_string()
        } else if name == "utils/update_module2.alloy" {
            "utils/module2.alloy".into()
        } else if name == "added.alloy" {
            name.clone()
        } else {
            continue;
        };
        any = true;
        let base = if set == "import_file_folder" {
            dir.join("tmpTest")
        } else {
            dir.to_path_buf()
        };
        write(&base, &target, data);
    }
    if set == "import_file_folder" {
        if archive.file("removed.alloy").is_some() {
            std::fs::remove_file(dir.join("tmpTest/removed.alloy")).expect("remove module");
        }
        // Upstream checks for -10 after every folder change.
        any = true;
    }
    any
}

async fn run_fixture(set: &str, archive: &Archive, dir: &Path) -> Result<(), String> {
    let main = archive.file("main.alloy").ok_or("no main.alloy")?;
    write(dir, "main.alloy", main);
    write_modules(set, archive, dir);
    std::env::set_current_dir(dir).map_err(|e| e.to_string())?;
    let goal = goal(set);
    let controller = controller(dir, goal.stability);
    let loaded = controller.load().await;
    let result = async {
        if let Some(expected) = archive.file("error") {
            let expected = expected.trim_end();
            return match &loaded {
                Err(e) if error_text(e).contains(expected) => Ok(()),
                Err(e) => Err(format!("error {:?} lacks {expected:?}", error_text(e))),
                Ok(()) => Err(format!("loaded, expected error {expected:?}")),
            };
        }
        loaded.map_err(|e| format!("load failed: {}", error_text(&e)))?;
        eventually(goal.first.0, || (goal.first.1)(&controller, archive)).await?;
        if apply_updates(set, archive, dir) {
            eventually(goal.after.0, || (goal.after.1)(&controller, archive))
                .await
                .map_err(|e| format!("{e}; components: {:#?}", controller.components("")))?;
        }
        if let Some(reload) = archive.file("reload_config.alloy") {
            write(dir, "main.alloy", reload);
            controller
                .load()
                .await
                .map_err(|e| format!("reload failed: {}", error_text(&e)))?;
            eventually(goal.after.0, || (goal.after.1)(&controller, archive)).await?;
        }
        Ok(())
    }
    .await;
    controller.shutdown(Duration::from_secs(5)).await;
    result
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_fixtures() {
    let root = testutil::shared("testdata/alloy/grafana-alloy/internal/runtime/testdata");
    let (mut passed, mut skipped, mut failures) = (0, 0, Vec::new());
    let mut sets: Vec<_> = std::fs::read_dir(&root)
        .expect("fixture directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    sets.sort();
    for set_dir in sets {
        let set = set_dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut files = testutil::files_with_suffix(&set_dir, ".txtar");
        files.sort();
        if let Some((_, reason)) = SKIPPED_SETS.iter().find(|(s, _)| *s == set) {
            println!("skipped {set} ({} fixtures): {reason}", files.len());
            skipped += files.len();
            continue;
        }
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            // FIXTURE=<file name> runs one fixture, for debugging.
            if std::env::var("FIXTURE").is_ok_and(|only| only != name) {
                continue;
            }
            if let Some((_, reason)) = SKIPPED_FILES.iter().find(|(f, _)| *f == name) {
                println!("skipped {set}/{name}: {reason}");
                skipped += 1;
                continue;
            }
            let archive = parse_txtar(&std::fs::read_to_string(&file).expect("fixture"));
            let dir = tempfile::tempdir().expect("temp dir");
            match run_fixture(&set, &archive, dir.path()).await {
                Ok(()) => passed += 1,
                Err(e) => failures.push(format!("{set}/{name} ({}): {e}", archive.comment)),
            }
        }
    }
    println!("runtime fixtures: {passed} passed, {skipped} skipped");
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
