//! `ferroalloy fmt`: formats one file as `alloy fmt` does, with its flags,
//! messages and exit codes.

use runtime::go_io::{path_error, read};
use std::io::{Read, Write};
use std::path::Path;

#[derive(clap::Args)]
pub struct Args {
    /// Write result to (source) file instead of stdout
    #[arg(short, long)]
    write: bool,
    /// Exit with non-zero when changes would be made. Cannot be used with -w/--write
    #[arg(short, long)]
    test: bool,
    /// The file to format; standard input when absent or "-"
    file: Option<String>,
}

pub fn run(args: &Args) -> Result<(), String> {
    if args.write && args.test {
        return Err("cannot use -w/--write and -t/--test at the same time".into());
    }
    match args.file.as_deref().unwrap_or("-") {
        "-" => {
            if args.write {
                return Err("cannot use -w with standard input".into());
            }
            format("<stdin>", read_stdin()?, args, None)
        }
        name => {
            let path = Path::new(name);
            let meta = std::fs::metadata(path).map_err(|e| path_error("stat", path, &e))?;
            if meta.is_dir() {
                return Err("cannot format a directory".into());
            }
            format(name, read(path)?, args, Some(path))
        }
    }
}

/// Formats `bytes`; `path` is where `--write` puts the result.
fn format(name: &str, bytes: Vec<u8>, args: &Args, path: Option<&Path>) -> Result<(), String> {
    let formatted = match syntax::printer::format_source(name, &bytes) {
        Ok(text) => text,
        Err(diags) => {
            // Alloy prints each diagnostic on one line here, not the excerpt form.
            for d in &diags {
                eprintln!("{d}");
            }
            return Err("encountered errors during formatting".into());
        }
    };
    let unchanged = formatted.as_bytes() == bytes.as_slice();

    if args.test {
        return match unchanged {
            true => Ok(()),
            false => Err(format!("file {name} is not formatted correctly")),
        };
    }
    match path {
        Some(path) if args.write => {
            if unchanged {
                return Ok(());
            }
            std::fs::write(path, formatted).map_err(|e| path_error("open", path, &e))
        }
        _ => {
            let mut out = std::io::stdout().lock();
            out.write_all(formatted.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| path_error("write", Path::new("/dev/stdout"), &e))
        }
    }
}

fn read_stdin() -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| path_error("read", Path::new("/dev/stdin"), &e))?;
    Ok(bytes)
}
