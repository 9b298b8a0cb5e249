//! The command line: `local`, `serve`, `status` and `resourcer-sim`.
//! `main.rs` only parses, sets up logging ([`init_tracing`]) and calls
//! [`run`].

pub mod logging;
pub mod status;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use thiserror::Error;

use crate::bot_config::BotConfig;
use crate::local;
use crate::local_mode::{self, LocalSession, SessionError};
use crate::runtime::RuntimeConfig;
use crate::secret::Secret;
use crate::serve::ServeOptions;
use crate::storage::{Storage, StorageQuota};
use logging::{LogError, LogFormat};
use status::StatusError;

/// Host for multi-team chat bots running as isolated WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "bothost", version, about)]
pub struct Cli {
    /// Log filter in tracing's `EnvFilter` syntax, e.g. `info` or
    /// `warn,bothost::admin=info`; wins over `RUST_LOG`, which is used only
    /// without it. Default: `info` (`warn` for `local` and `status`).
    #[arg(long, global = true, value_name = "FILTER", help_heading = "Logging")]
    pub log: Option<String>,
    /// Log line format on stderr; colour only when stderr is a terminal
    /// (and `NO_COLOR` is unset).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = LogFormat::Text,
        help_heading = "Logging"
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a bot against a simulated team: a terminal chat, or a script
    /// that prints a deterministic transcript. No Slack needed.
    Local(LocalArgs),
    /// Serve the teams listed in a config file over Slack.
    Serve(ServeArgs),
    /// Print the teams a running `bothost serve` serves, read from its
    /// admin API.
    Status(StatusArgs),
    /// Run a local Beep Boop resourcer to drive `serve` by hand.
    ResourcerSim(SimArgs),
    /// Create a bot project (Rust, Python or JS) that tests itself with `./test.sh`.
    New(crate::scaffold::NewArgs),
}

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Where to listen (loopback by default).
    #[arg(long, default_value = "127.0.0.1:9000")]
    pub bind: std::net::SocketAddr,
    /// Require this bot id in the auth frame (with --token).
    #[arg(long)]
    pub id: Option<String>,
    /// Require this token in the auth frame (with --id).
    #[arg(long)]
    pub token: Option<String>,
    /// Read no commands from stdin: just serve until Ctrl-C or SIGTERM
    /// (for scripts and service managers). Without it, closing stdin also
    /// leaves the simulator serving; only `quit` stops it early.
    #[arg(long)]
    pub no_console: bool,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "The config file's keys: README, section \"Serving Slack teams\"; \
    examples/bothost.toml is a commented starting point. Running it as a service (systemd, \
    a container): README, section \"Operations\"."
)]
pub struct ServeArgs {
    /// The config file.
    #[arg(long, default_value = "bothost.toml")]
    pub config: PathBuf,
    /// Seconds between INFO summaries of teams by status and reconnects
    /// (logged only when something changed); 0 turns them off.
    #[arg(long, default_value_t = 60, value_name = "SECS")]
    pub summary_secs: u64,
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Counters are host-wide (the host does not keep them per team); \
    they follow the table."
)]
pub struct StatusArgs {
    /// The admin API of the host (its `[admin]` bind address).
    #[arg(
        long,
        env = "BOTHOST_ADMIN_URL",
        default_value = "http://127.0.0.1:8088"
    )]
    pub url: String,
    /// The environment variable holding the admin bearer token.
    #[arg(long, default_value = "BOTHOST_ADMIN_TOKEN", value_name = "VAR")]
    pub token_env: String,
    /// Print the admin API's answer (`GET /teams`) as it came.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct LocalArgs {
    /// The bot component (`.wasm`, built for wasm32-wasip2).
    pub component: PathBuf,
    /// Replay this script instead of reading the terminal; `-` reads stdin.
    #[arg(long)]
    pub script: Option<PathBuf>,
    /// A config entry given to the bot (repeatable). The value is all
    /// after `=`, or a double-quoted string (`\"` and `\\` inside), as in
    /// `/config`: `--set 'prefix="You said: "'`. Replaces `-c`/`--config`
    /// (in `serve`, `--config` is the config file).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// The old name of `--set`, still accepted with a warning.
    #[arg(long = "config", short = 'c', value_name = "KEY=VALUE", hide = true)]
    pub config: Vec<String>,
    /// Directory for compiled components (default:
    /// `$XDG_CACHE_HOME/bothost` or `~/.cache/bothost`).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Compile the component every time and write nothing to disk
    /// (slower start; for read-only machines and clean measurements).
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
    /// Keep the bot's key-value state and timers in this database file
    /// (created with a key file beside it), so the next run finds them.
    /// Without it, nothing outlives the session. Not with `--script`: a
    /// script runs on a simulated clock, which real disk waits would let
    /// jump ahead.
    #[arg(long, value_name = "FILE", conflicts_with = "script")]
    pub state: Option<PathBuf>,
}

/// Why the command failed.
#[derive(Debug, Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Serve(#[from] crate::serve::ServeError),
    #[error(transparent)]
    Status(#[from] StatusError),
    #[error(transparent)]
    Log(#[from] LogError),
}

/// Logs go to stderr so transcripts and tables on stdout stay clean.
/// `local` and `status` log warnings only unless asked: their output is
/// the point.
///
/// # Errors
/// A log filter that does not parse.
pub fn init_tracing(cli: &Cli) -> Result<(), CliError> {
    let default = match cli.command {
        Command::Local(_) | Command::Status(_) | Command::New(_) => "warn",
        Command::Serve(_) | Command::ResourcerSim(_) => "info",
    };
    logging::init(cli.log.as_deref(), cli.log_format, default)?;
    Ok(())
}

/// Runs the parsed command to completion.
///
/// # Errors
/// Bad arguments, a bot that cannot be loaded, or I/O failures.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Local(args) => run_local(args),
        Command::Serve(args) => run_serve(&args),
        Command::Status(args) => run_status(&args),
        Command::ResourcerSim(args) => run_sim(&args),
        Command::New(args) => {
            crate::scaffold::run(&args).map_err(|e| CliError::Usage(e.to_string()))
        }
    }
}

fn run_status(args: &StatusArgs) -> Result<(), CliError> {
    let token = std::env::var(&args.token_env)
        .ok()
        .filter(|t| !t.is_empty())
        .map(Secret::new)
        .ok_or_else(|| StatusError::MissingToken {
            var: args.token_env.clone(),
        })?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let status = rt.block_on(status::fetch(&args.url, &token))?;
    if args.json {
        println!("{}", status.raw);
    } else {
        print!("{}", status::render(&status));
    }
    Ok(())
}

fn run_serve(args: &ServeArgs) -> Result<(), CliError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let env: crate::sources::EnvLookup =
            std::sync::Arc::new(|var: &str| std::env::var(var).ok());
        let options = ServeOptions {
            summary_every: (args.summary_secs > 0).then(|| Duration::from_secs(args.summary_secs)),
            compile_worker: std::env::current_exe().ok(),
        };
        crate::serve::serve(&args.config, env, &options, stop_signal()).await?;
        Ok(())
    })
}

/// Resolves on Ctrl-C or SIGTERM (what a service manager sends).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn run_sim(args: &SimArgs) -> Result<(), CliError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(async {
        let expected = match (&args.id, &args.token) {
            (Some(id), Some(token)) => {
                Some((id.clone(), crate::secret::Secret::new(token.clone())))
            }
            (None, None) => None,
            _ => return Err(CliError::Usage("--id and --token go together".into())),
        };
        let sim = crate::resourcer::Simulator::start(args.bind, expected).await?;
        let hint = if args.no_console {
            "no console; Ctrl-C or SIGTERM stops it"
        } else {
            "type help"
        };
        eprintln!("resourcer simulator on {} ({hint})", sim.url());
        eprintln!(
            "point a host at it: BEEPBOOP_RESOURCER={} BEEPBOOP_ID=… BEEPBOOP_TOKEN=…",
            sim.url()
        );
        if args.no_console {
            stop_signal().await;
        } else {
            let input = tokio::io::BufReader::new(tokio::io::stdin());
            tokio::select! {
                end = crate::resourcer::run_console(&sim, input, tokio::io::stdout()) => {
                    if end? == crate::resourcer::ConsoleEnd::InputClosed {
                        eprintln!("stdin closed; still serving until Ctrl-C or SIGTERM");
                        stop_signal().await;
                    }
                }
                () = stop_signal() => {}
            }
        }
        sim.shutdown().await;
        Ok(())
    });
    // A console read of stdin cannot be cancelled: do not wait for it (a
    // signal would otherwise need an Enter too).
    rt.shutdown_background();
    result
}

fn run_local(args: LocalArgs) -> Result<(), CliError> {
    if !args.config.is_empty() {
        eprintln!(
            "warning: `-c`/`--config` of `bothost local` is now `--set` (in `serve`, `--config` is the config file)"
        );
    }
    let entries: Vec<&String> = args.config.iter().chain(&args.set).collect();
    let config: BotConfig = local_mode::parse_config_args(&entries).map_err(CliError::Usage)?;
    let runtime = RuntimeConfig {
        max_teams: 4,
        cache_dir: if args.no_cache {
            None
        } else {
            args.cache_dir.or_else(crate::serve::default_cache_dir)
        },
        // Components not yet cached compile in a child under a ceiling.
        compile_worker: std::env::current_exe().ok(),
        ..RuntimeConfig::default()
    };
    // Opened before any runtime exists: it reads the key file and opens
    // the database (blocking work).
    let storage = open_local_state(args.state.as_deref(), &runtime.limits)?;
    match args.script {
        Some(path) => {
            let text = if path.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&path).map_err(|e| {
                    CliError::Usage(format!("cannot read script {}: {e}", path.display()))
                })?
            };
            let steps = local_mode::parse_script(&text).map_err(CliError::Usage)?;
            // A paused clock makes `/wait` instant and the transcript
            // independent of machine speed.
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()?;
            rt.block_on(async {
                let mut session =
                    LocalSession::start_with(&args.component, config, &runtime, storage).await?;
                let mut out = tokio::io::stdout();
                local_mode::run_script(&mut session, steps, &mut out).await?;
                let tail = session.close().await;
                print_lines(&tail);
                Ok(())
            })
        }
        None => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let mut session =
                    LocalSession::start_with(&args.component, config, &runtime, storage).await?;
                local_mode::run_terminal(&mut session).await?;
                let tail = session.close().await;
                print_lines(&tail);
                Ok(())
            })
        }
    }
}

/// The database of `bothost local --state`, with its key file beside it.
fn open_local_state(
    path: Option<&std::path::Path>,
    limits: &crate::limits::BotLimits,
) -> Result<Option<Storage>, CliError> {
    let Some(path) = path else { return Ok(None) };
    let env = |v: &str| std::env::var(v).ok();
    let storage = crate::serve::open_database(path, None, &env, StorageQuota::from(limits))
        .map_err(crate::serve::ServeError::from)?;
    Ok(Some(storage))
}

fn print_lines(lines: &[local::ChatLine]) {
    for line in lines {
        println!("{line}");
    }
}
