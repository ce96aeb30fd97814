//! `ferroalloy`: an Alloy-compatible collector. This file only dispatches to the
//! subcommands; each lives in its own module.

mod cmd_fmt;
mod cmd_run;
mod cmd_validate;
mod logging;

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
    /// Run a configuration file or directory
    Run(cmd_run::Args),
    /// Validate a configuration file or directory
    Validate(cmd_validate::Args),
}

fn main() -> ExitCode {
    // The one TLS provider of the process (ring); rustls users that build
    // configurations without naming a provider rely on it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let result = match Cli::parse().command {
        Command::Fmt(args) => cmd_fmt::run(&args),
        Command::Run(args) => cmd_run::run(&args),
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
