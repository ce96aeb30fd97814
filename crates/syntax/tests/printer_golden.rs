//! Alloy's formatter golden files: every `X.in` of the upstream printer test
//! data formats to `X.expect`, or fails with the text of `X.error`.
//!
//! As upstream's harness does, the expected text is compared with its trailing
//! whitespace trimmed; upstream compares it with the printer's output, to which
//! `alloy fmt` (and so `format_source`) adds one final newline.

use syntax::printer::format_source;

#[test]
fn printer_goldens() {
    let dir = testutil::shared("testdata/alloy/grafana-alloy/syntax/printer/testdata");
    let inputs = testutil::files_with_suffix(&dir, ".in");
    let (mut formatted, mut refused, mut failures) = (0, 0, Vec::new());
    for input in &inputs {
        let name = input
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let src = std::fs::read(input).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
        let result = format_source(&name, &src);
        let error_file = input.with_extension("error");
        if error_file.exists() {
            let want = read_text(&error_file).replace("\r\n", "\n");
            refused += 1;
            match result {
                Err(diags) if diags.to_string().contains(&want) => {}
                Err(diags) => failures.push(format!("{name}: error {diags:?} lacks {want:?}")),
                Ok(out) => failures.push(format!("{name}: formatted instead of failing:\n{out}")),
            }
            continue;
        }
        let want = format!(
            "{}\n",
            read_text(&input.with_extension("expect")).trim_end()
        );
        formatted += 1;
        match result {
            Ok(out) if out == want => {}
            Ok(out) => failures.push(format!("{name}: got\n{out}\n--- want\n{want}")),
            Err(diags) => failures.push(format!("{name}: {diags}")),
        }
    }
    println!(
        "printer goldens: {formatted} formatted, {refused} refused, {} failed",
        failures.len()
    );
    assert!(
        formatted >= 9 && refused >= 1,
        "golden files missing in {}",
        dir.display()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn read_text(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
