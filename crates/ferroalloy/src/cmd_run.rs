//! `ferroalloy run`: loads a configuration, runs its pipeline and serves the
//! HTTP server until SIGTERM or SIGINT; reloads on SIGHUP and `/-/reload`.

use crate::logging::{self, LogHandle};
use clap::{Arg, ArgAction, ArgMatches, Command};
use runtime::controller::{Controller, ControllerOptions};
use runtime::host::{Host, ReloadError};
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use syntax::decode::GoDuration;
use syntax::stability::Stability;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio_util::sync::CancellationToken;

#[derive(clap::Args)]
pub struct Args {
    /// A configuration file, or a directory of *.alloy files
    path: PathBuf,
    /// Address to listen for HTTP traffic on
    #[arg(
        long = "server.http.listen-addr",
        value_name = "addr",
        default_value = "127.0.0.1:12345"
    )]
    listen_addr: String,
    /// Prefix to serve the HTTP UI at
    #[arg(
        long = "server.http.ui-path-prefix",
        value_name = "prefix",
        default_value = "/"
    )]
    ui_path_prefix: String,
    /// Base directory where components can store data
    #[arg(
        long = "storage.path",
        value_name = "path",
        default_value = "data-alloy/"
    )]
    storage_path: PathBuf,
    /// Minimum stability level of features to enable. Supported values: "generally-available", "public-preview", "experimental"
    #[arg(
        long = "stability.level",
        value_name = "stability_level",
        default_value = "generally-available"
    )]
    stability_level: Stability,
    /// The format of the source file. Supported formats: 'alloy'
    #[arg(long = "config.format", value_name = "format", default_value = "alloy")]
    config_format: String,
    /// Maximum duration to wait for a component to shut down before giving up and logging an error
    #[arg(
        long = "feature.component-shutdown-deadline",
        value_name = "duration",
        default_value = "10m"
    )]
    shutdown_deadline: GoDuration,
    /// Address to listen for in-memory HTTP traffic on
    #[arg(
        long = "server.http.memory-addr",
        value_name = "address",
        default_value = runtime::inmemory::DEFAULT_MEMORY_ADDR
    )]
    memory_addr: String,
    #[command(flatten)]
    ignored: IgnoredFlags,
}

/// Alloy's other `run` flags (SPEC §3.4). They are accepted so command lines
/// written for Alloy work; none has an effect yet.
const IGNORED_FLAGS: &[&str] = &[
    "server.http.enable-pprof",
    "server.http.disable-support-bundle",
    "server.http.enable-graphql",
    "server.http.enable-graphql-playground",
    "disable-reporting",
    "config.bypass-conversion-errors",
    "config.extra-args",
    "feature.community-components.enabled",
    "feature.prometheus.direct-fanout.enabled",
    "windows.priority",
    "cluster.enabled",
    "cluster.node-name",
    "cluster.advertise-address",
    "cluster.advertise-interfaces",
    "cluster.join-addresses",
    "cluster.discover-peers",
    "cluster.rejoin-interval",
    "cluster.max-join-peers",
    "cluster.name",
    "cluster.enable-tls",
    "cluster.tls-ca-path",
    "cluster.tls-cert-path",
    "cluster.tls-key-path",
    "cluster.tls-server-name",
    "cluster.wait-for-size",
    "cluster.wait-timeout",
];

/// The ignored flags given on the command line, with their values.
struct IgnoredFlags(Vec<(&'static str, String)>);

impl clap::FromArgMatches for IgnoredFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let given = IGNORED_FLAGS
            .iter()
            .filter_map(|&name| {
                let value = matches.get_one::<String>(name)?;
                Some((name, value.clone()))
            })
            .collect();
        Ok(IgnoredFlags(given))
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for IgnoredFlags {
    fn augment_args(cmd: Command) -> Command {
        IGNORED_FLAGS.iter().fold(cmd, |cmd, &name| {
            // Go's flags take `--flag`, `--flag=value` and `--flag value` for
            // booleans and strings alike.
            cmd.arg(
                Arg::new(name)
                    .long(name)
                    .value_name("value")
                    .num_args(0..=1)
                    .default_missing_value("true")
                    .action(ArgAction::Set)
                    .help("Accepted for compatibility with Alloy; no effect yet"),
            )
        })
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

pub fn run(args: &Args) -> Result<(), String> {
    if args.config_format != "alloy" {
        return Err(format!(
            "config.format {:?} is not supported yet: only alloy configurations can be run",
            args.config_format
        ));
    }
    let deadline = args
        .shutdown_deadline
        .to_std()
        .ok_or("--feature.component-shutdown-deadline must not be negative")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("failed to start the async runtime: {e}"))?;
    runtime.block_on(serve(args, deadline))
}

async fn serve(args: &Args, deadline: Duration) -> Result<(), String> {
    let log = logging::init();
    for (flag, value) in &args.ignored.0 {
        tracing::debug!(flag = *flag, value = %value, "flag accepted for compatibility; it has no effect yet");
    }
    let controller = Controller::new(ControllerOptions {
        config_path: args.path.clone(),
        storage_path: args.storage_path.clone(),
        min_stability: args.stability_level,
        registry: components::registry(),
    });

    let listener = tokio::net::TcpListener::bind(&args.listen_addr)
        .await
        .map_err(|e| format!("failed to listen on {}: {e}", args.listen_addr))?;
    let addr: SocketAddr = listener
        .local_addr()
        .map_err(|e| format!("failed to listen on {}: {e}", args.listen_addr))?;
    tracing::info!(addr = %addr, "now listening for http traffic");

    let stop_http = CancellationToken::new();
    let host: Arc<dyn Host> = controller.clone();
    let router = server::router(host, &args.ui_path_prefix);
    let _in_memory = runtime::inmemory::serve_process(&args.memory_addr, router.clone());
    let http = tokio::spawn(server::serve(
        listener,
        router,
        server::Security::follow(controller.http()),
        stop_http.clone(),
        deadline,
    ));

    // Installed before the first load: a SIGTERM during it waits for the load
    // instead of killing the process.
    let signals = Signals::install()?;
    // Followed before the first load, so its own logs already obey the block.
    follow_logging(&controller, log);
    if let Err(err) = controller.load().await {
        print_first_load_error(&err);
        stop_http.cancel();
        return Err("could not perform the initial load successfully".into());
    }

    signals.serve(&controller).await;

    tracing::info!("shutting down");
    stop_http.cancel();
    controller.shutdown(deadline).await;
    let _ = http.await;
    Ok(())
}

/// Prints every diagnostic of a failed first load as `alloy run` does.
fn print_first_load_error(err: &ReloadError) {
    match err {
        ReloadError::Diagnostics {
            diagnostics,
            sources,
        } => {
            let color = std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let text = syntax::diag::render(
                diagnostics,
                |name| sources.iter().find(|s| s.name() == name),
                color,
            );
            eprintln!("{text}");
        }
        ReloadError::Other(message) => eprintln!("{message}"),
    }
}

/// Applies the `logging` block now and after every reload that changes it.
fn follow_logging(controller: &Controller, log: LogHandle) {
    let mut logging = controller.logging();
    log.apply(&logging.borrow_and_update());
    tokio::spawn(async move {
        while logging.changed().await.is_ok() {
            log.apply(&logging.borrow_and_update());
        }
    });
}

/// The signals `run` handles.
struct Signals {
    hangup: Signal,
    terminate: Signal,
    interrupt: Signal,
}

impl Signals {
    fn install() -> Result<Signals, String> {
        let install = |kind| signal(kind).map_err(|e| format!("failed to handle signals: {e}"));
        Ok(Signals {
            hangup: install(SignalKind::hangup())?,
            terminate: install(SignalKind::terminate())?,
            interrupt: install(SignalKind::interrupt())?,
        })
    }

    /// Reloads on SIGHUP; returns on SIGTERM or SIGINT.
    async fn serve(mut self, controller: &Controller) {
        loop {
            tokio::select! {
                _ = self.hangup.recv() => {
                    tracing::info!("reload requested via SIGHUP");
                    match controller.load().await {
                        Ok(()) => tracing::info!("config reloaded"),
                        Err(err) => tracing::error!(
                            err = %server::describe_reload_error(&err),
                            "failed to reload config"
                        ),
                    }
                }
                _ = self.terminate.recv() => return,
                _ = self.interrupt.recv() => return,
            }
        }
    }
}
