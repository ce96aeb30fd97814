//! The `fmt` and `validate` subcommands through the real binary: output streams,
//! messages and exit codes as Alloy's.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const UNFORMATTED: &str = "logging {\nlevel=\"info\"\n  format = \"logfmt\"\n}\n";
const FORMATTED: &str = "logging {\n\tlevel  = \"info\"\n\tformat = \"logfmt\"\n}\n";

fn run(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferroalloy"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ferroalloy");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("ferroalloy output")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, data) in files {
        std::fs::write(dir.path().join(name), data).expect("write file");
    }
    dir
}

#[test]
fn fmt_reads_stdin_without_a_file_or_with_dash() {
    let dir = dir_with(&[]);
    for args in [&["fmt"][..], &["fmt", "-"]] {
        let out = run(dir.path(), args, UNFORMATTED);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), FORMATTED);
        assert_eq!(text(&out.stderr), "");
    }
}

#[test]
fn fmt_prints_a_file_and_leaves_it_alone() {
    let dir = dir_with(&[("c.alloy", UNFORMATTED)]);
    let out = run(dir.path(), &["fmt", "c.alloy"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), FORMATTED);
    let on_disk = std::fs::read_to_string(dir.path().join("c.alloy")).expect("read");
    assert_eq!(on_disk, UNFORMATTED);
}

#[test]
fn fmt_write_rewrites_in_place() {
    let dir = dir_with(&[("c.alloy", UNFORMATTED)]);
    let out = run(dir.path(), &["fmt", "--write", "c.alloy"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
    let on_disk = std::fs::read_to_string(dir.path().join("c.alloy")).expect("read");
    assert_eq!(on_disk, FORMATTED);

    let out = run(dir.path(), &["fmt", "-w", "-"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "Error: cannot use -w with standard input\n"
    );
}

#[test]
fn fmt_test_fails_only_on_unformatted_files() {
    let dir = dir_with(&[("bad.alloy", UNFORMATTED), ("good.alloy", FORMATTED)]);
    let out = run(dir.path(), &["fmt", "--test", "good.alloy"], "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "");

    let out = run(dir.path(), &["fmt", "-t", "bad.alloy"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "Error: file bad.alloy is not formatted correctly\n"
    );

    let out = run(dir.path(), &["fmt", "-t"], UNFORMATTED);
    assert_eq!(
        text(&out.stderr),
        "Error: file <stdin> is not formatted correctly\n"
    );

    let out = run(dir.path(), &["fmt", "-t", "-w", "good.alloy"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "Error: cannot use -w/--write and -t/--test at the same time\n"
    );
}

#[test]
fn fmt_reports_syntax_errors_and_bad_paths() {
    let dir = dir_with(&[]);
    let out = run(dir.path(), &["fmt"], "a = \n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "<stdin>:2:1: expected expression, got EOF\n\
         Error: encountered errors during formatting\n"
    );

    let out = run(dir.path(), &["fmt", "missing.alloy"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "Error: stat missing.alloy: no such file or directory\n"
    );

    let out = run(dir.path(), &["fmt", "."], "");
    assert_eq!(text(&out.stderr), "Error: cannot format a directory\n");
}

#[test]
fn validate_a_valid_file_and_directory() {
    let dir = dir_with(&[
        ("a.alloy", "local.file \"a\" {\n\tfilename = \"/x\"\n}\n"),
        (
            "b.alloy",
            "local.file \"b\" {\n\tfilename = local.file.a.content\n}\n",
        ),
        ("notes.txt", "not alloy {"),
    ]);
    for path in ["a.alloy", "."] {
        let out = run(dir.path(), &["validate", path], "");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "");
        assert_eq!(text(&out.stderr), "");
    }
    // Alone, b.alloy references a component that is not there.
    let out = run(dir.path(), &["validate", "b.alloy"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "\n");
    assert_eq!(
        text(&out.stderr),
        "Error: b.alloy:2:13: component \"local.file.a.content\" does not exist or is out of scope\n\
         \n\
         1 | local.file \"b\" {\n\
         2 |     filename = local.file.a.content\n  \
           |                ^^^^^^^^^^^^^^^^^^^^\n\
         3 | }\n\
         Error: validation failed\n"
    );
}

#[test]
fn validate_names_directory_files_as_alloy_does() {
    let dir = dir_with(&[]);
    let conf = dir.path().join("conf");
    std::fs::create_dir_all(conf.join("nested")).expect("mkdir");
    std::fs::write(conf.join("main.alloy"), "x = 1\n").expect("write");
    // Not read: directories are not walked recursively.
    std::fs::write(conf.join("nested/broken.alloy"), "{").expect("write");
    let out = run(dir.path(), &["validate", "./conf/"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "Error: conf/main.alloy:1:1: unrecognized attribute x\n\
         \n\
         1 | x = 1\n  \
           | ^\n\
         2 | \n\
         Error: validation failed\n"
    );

    let out = run(dir.path(), &["validate", "nope"], "");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "Error: stat nope: no such file or directory\n"
    );
}

#[test]
fn validate_gates_experimental_features() {
    let dir = dir_with(&[(
        "main.alloy",
        "local.file \"a\" {\n\tfilename = array.group_by([], \"k\", true)\n}\n",
    )]);
    let out = run(dir.path(), &["validate", "main.alloy"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with(
            "Error: main.alloy:2:13: array.group_by is at stability level \"experimental\""
        ),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        dir.path(),
        &["validate", "--stability.level=experimental", "main.alloy"],
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
