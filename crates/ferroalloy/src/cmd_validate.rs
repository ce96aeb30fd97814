//! `ferroalloy validate`: checks a configuration without running it, printing
//! diagnostics as `alloy validate` does.

use runtime::controller::source;
use runtime::validate::{self, Options, Parsed};
use std::io::IsTerminal;
use std::path::PathBuf;
use syntax::stability::Stability;

#[derive(clap::Args)]
pub struct Args {
    /// A configuration file, or a directory of *.alloy files
    path: PathBuf,
    /// Minimum stability level of features to enable. Supported values: "generally-available", "public-preview", "experimental"
    #[arg(
        long = "stability.level",
        value_name = "stability_level",
        default_value = "generally-available"
    )]
    stability_level: Stability,
}

pub fn run(args: &Args) -> Result<(), String> {
    let parsed: Vec<Parsed> = source::parse(source::read_config(&args.path)?);
    // Unknown components are reported and known ones type-checked against
    // their argument schemas, as `alloy validate` does with its registry.
    let registry = components::registry();
    let options = Options {
        min_stability: args.stability_level,
        schemas: &registry,
    };
    let diags = validate::validate(&parsed, &options);
    if diags.is_empty() {
        return Ok(());
    }
    let text = syntax::diag::render(
        &diags,
        |name| {
            parsed
                .iter()
                .find(|p| p.source.name() == name)
                .map(|p| &p.source)
        },
        use_color(),
    );
    eprint!("{text}");
    // Alloy ends the report with a newline on standard output.
    println!();
    Err("validation failed".into())
}

/// Colour as Alloy's colour library decides: standard output is a terminal,
/// `NO_COLOR` is unset or empty, and `TERM` is not `dumb`.
fn use_color() -> bool {
    std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var_os("TERM").is_none_or(|v| v != "dumb")
}
