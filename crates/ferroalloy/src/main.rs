//! `ferroalloy`: an Alloy-compatible collector. This file only dispatches to the
//! subcommands; each lives in its own module.

mod cmd_fmt;
mod cmd_validate;
mod files;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ferroalloy",
    version,
    about = "An Alloy-compatible telemetry collector"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Format a configuration file
    #[command(visible_alias = "format")]
    Fmt(cmd_fmt::Args),
    /// Validate a configuration file or directory
    Validate(cmd_validate::Args),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Fmt(args) => cmd_fmt::run(&args),
        Command::Validate(args) => cmd_validate::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // As Alloy's command runner reports a failed command.
        Err(message) => {
            eprintln!("Error: {message}");
            ExitCode::FAILURE
        }
    }
}
