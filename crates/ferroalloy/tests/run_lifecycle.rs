//! Starting and stopping `ferroalloy run`: the first load, bad configurations,
//! signals, Alloy's flags.

mod run_support;

use run_support::{Alloy, dir_with, run_to_exit};

const CONFIG: &str = "local.file \"a\" {\n  filename = \"data.txt\"\n}\n";

#[test]
fn sigterm_and_sigint_stop_cleanly() {
    for signal in ["TERM", "INT"] {
        let dir = dir_with(&[("main.alloy", CONFIG), ("data.txt", "x")]);
        let mut alloy = Alloy::start_ready(dir.path(), "main.alloy", &[]);
        alloy.signal(signal);
        let status = alloy.wait_exit();
        assert!(status.success(), "SIG{signal}: {status}\n{}", alloy.log());
    }
}

#[test]
fn bad_first_config_prints_every_diagnostic_and_exits_1() {
    let dir = dir_with(&[(
        "main.alloy",
        "local.file \"a\" {\n  bogus = 1\n}\n\nnope.component \"b\" {\n}\n",
    )]);
    let (status, stderr) = run_to_exit(dir.path(), "main.alloy");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("main.alloy:2:3: "), "{stderr}");
    assert!(stderr.contains("main.alloy:5:1: "), "{stderr}");
    assert!(stderr.contains("2 |   bogus = 1\n"), "{stderr}");
    assert!(
        stderr.contains("Error: could not perform the initial load successfully"),
        "{stderr}"
    );
}

#[test]
fn syntax_error_on_first_load() {
    let dir = dir_with(&[("main.alloy", "local.file \"a\" {\n")]);
    let (status, stderr) = run_to_exit(dir.path(), "main.alloy");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Error: main.alloy:"), "{stderr}");
}

#[test]
fn alloys_other_flags_are_accepted() {
    let dir = dir_with(&[("main.alloy", CONFIG), ("data.txt", "x")]);
    let alloy = Alloy::start_ready(
        dir.path(),
        "main.alloy",
        &[
            "--disable-reporting",
            "--server.http.enable-pprof=false",
            "--cluster.enabled=false",
            "--stability.level=experimental",
            "--storage.path=state",
            "--feature.component-shutdown-deadline=5s",
        ],
    );
    assert_eq!(alloy.get("/-/ready").status, 200);
}

#[test]
fn a_directory_of_files_is_one_config() {
    let dir = dir_with(&[
        ("a.alloy", CONFIG),
        (
            "b.alloy",
            "local.file \"b\" {\n  filename = \"data.txt\"\n}\n",
        ),
        ("data.txt", "x"),
    ]);
    let alloy = Alloy::start_ready(dir.path(), ".", &[]);
    assert_eq!(alloy.get("/api/v0/web/components/local.file.b").status, 200);
}

#[test]
fn logging_block_sets_the_format_and_level() {
    let dir = dir_with(&[("main.alloy", "logging {\n  format = \"json\"\n}\n")]);
    let alloy = Alloy::start_ready(dir.path(), "main.alloy", &[]);
    assert_eq!(alloy.post("/-/reload").status, 200);
    alloy.wait_for_log(|log| {
        log.lines()
            .any(|l| l.starts_with("{\"ts\":") && l.contains("\"msg\":\"config reloaded\""))
            .then_some(())
    });

    // At level warn, the next reload's info lines are not written.
    std::fs::write(
        dir.path().join("main.alloy"),
        "logging {\n  level = \"warn\"\n}\n",
    )
    .unwrap();
    assert_eq!(alloy.post("/-/reload").status, 200);
    // Both reloads so far announced themselves; the third must not.
    let requested = "reload requested via /-/reload endpoint";
    let quiet_from = alloy.wait_for_log(|log| {
        (log.matches(requested).count() == 2).then(|| log.rfind(requested).unwrap_or(0) + 1)
    });
    std::fs::write(
        dir.path().join("main.alloy"),
        "logging {\n  level = \"warn\"\n  bogus = 1\n}\n",
    )
    .unwrap();
    assert_eq!(alloy.post("/-/reload").status, 400);
    let later = alloy.wait_for_log(|log| {
        log[quiet_from..]
            .contains("failed to reload config")
            .then(|| log[quiet_from..].to_string())
    });
    assert!(!later.contains("reload requested"), "{later}");
    assert!(later.contains("level=error"), "{later}");
}
