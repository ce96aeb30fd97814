//! Reloading a running `ferroalloy run` through `/-/reload` and SIGHUP:
//! changed, renamed and broken configurations.

mod run_support;

use run_support::{Alloy, dir_with};
use std::path::Path;

fn local_file(label: &str) -> String {
    format!("local.file {label:?} {{\n  filename = \"data.txt\"\n}}\n")
}

fn ids(alloy: &Alloy) -> Vec<String> {
    let list = alloy.get("/api/v0/web/components").json();
    let mut ids: Vec<String> = list
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["localID"].as_str().map(String::from))
        .filter(|id| id.starts_with("local.file."))
        .collect();
    ids.sort();
    ids
}

fn start(config: &str) -> (tempfile::TempDir, Alloy) {
    let dir = dir_with(&[("main.alloy", config), ("data.txt", "x")]);
    let alloy = Alloy::start_ready(dir.path(), "main.alloy", &[]);
    (dir, alloy)
}

fn write_config(dir: &Path, config: &str) {
    std::fs::write(dir.join("main.alloy"), config).expect("write config");
}

#[test]
fn reload_applies_a_changed_config() {
    let (dir, alloy) = start(&local_file("a"));
    assert_eq!(ids(&alloy), ["local.file.a"]);
    write_config(dir.path(), &(local_file("a") + &local_file("b")));
    let reload = alloy.post("/-/reload");
    assert_eq!(
        (reload.status, reload.body.as_str()),
        (200, "config reloaded\n")
    );
    assert_eq!(ids(&alloy), ["local.file.a", "local.file.b"]);
    let again = alloy.get("/-/reload");
    assert_eq!(
        (again.status, again.body.as_str()),
        (200, "config reloaded\n")
    );
}

#[test]
fn renamed_component_replaces_the_old_one() {
    let (dir, alloy) = start(&local_file("old"));
    write_config(dir.path(), &local_file("new"));
    assert_eq!(alloy.post("/-/reload").status, 200);
    assert_eq!(ids(&alloy), ["local.file.new"]);
    let gone = alloy.get("/api/v0/web/components/local.file.old");
    assert_eq!(gone.status, 404);
}

#[test]
fn broken_reload_keeps_the_old_pipeline() {
    let (dir, alloy) = start(&local_file("a"));
    write_config(
        dir.path(),
        "local.file \"a\" {\n  filename = \"data.txt\"\n  bogus    = 1\n}\n",
    );
    let reload = alloy.post("/-/reload");
    assert_eq!(reload.status, 400);
    assert!(
        reload.body.starts_with("main.alloy:3:3: "),
        "{}",
        reload.body
    );
    // The source excerpt as `alloy run` renders it.
    assert!(
        reload.body.contains("3 |   bogus    = 1\n"),
        "{}",
        reload.body
    );
    alloy.wait_for_log(|log| log.contains("failed to reload config").then_some(()));
    assert_eq!(alloy.get("/-/ready").status, 200);
    assert_eq!(ids(&alloy), ["local.file.a"]);

    write_config(dir.path(), "local.file \"a\" {\n");
    let syntax = alloy.post("/-/reload");
    assert_eq!(syntax.status, 400);
    assert!(syntax.body.starts_with("main.alloy:"), "{}", syntax.body);
    assert_eq!(ids(&alloy), ["local.file.a"]);
}

#[test]
fn sighup_reloads() {
    let (dir, alloy) = start(&local_file("a"));
    write_config(dir.path(), &local_file("b"));
    alloy.signal("HUP");
    alloy.wait_until(|| ids(&alloy) == ["local.file.b"]);
    alloy.wait_for_log(|log| log.contains("reload requested via SIGHUP").then_some(()));
}
