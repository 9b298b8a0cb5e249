//! The command line: `bothost local` today, `bothost serve` as transports
//! land. `main.rs` only parses, sets up logging and calls [`run`].

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use thiserror::Error;
use tracing_subscriber::EnvFilter;

use crate::local::{self, LocalSession, SessionError};
use crate::profile::BotConfig;
use crate::runtime::RuntimeConfig;

/// Host for multi-team chat bots running as isolated WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "bothost", version, about)]
pub struct Cli {
    /// Log filter (tracing `EnvFilter` syntax); `RUST_LOG` overrides it.
    #[arg(long, global = true)]
    pub log: Option<String>,
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
    /// Run a local Beep Boop resourcer to drive `serve` by hand.
    ResourcerSim(SimArgs),
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
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The config file (see README: Configuration).
    #[arg(long, default_value = "bothost.toml")]
    pub config: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct LocalArgs {
    /// The bot component (`.wasm`, built for wasm32-wasip2).
    pub component: PathBuf,
    /// Replay this script instead of reading the terminal; `-` reads stdin.
    #[arg(long)]
    pub script: Option<PathBuf>,
    /// Custom config given to the bot, `key=value` (repeatable).
    #[arg(long = "config", short = 'c', value_name = "KEY=VALUE")]
    pub config: Vec<String>,
    /// Directory for compiled components (default: the user's cache
    /// directory); `--no-cache` compiles every time.
    #[arg(long)]
    pub cache_dir: Option<PathBuf>,
    #[arg(long, conflicts_with = "cache_dir")]
    pub no_cache: bool,
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
    App(#[from] crate::app::AppError),
}

/// Logs go to stderr so transcripts on stdout stay clean. Local runs log
/// warnings only unless asked.
pub fn init_tracing(cli: &Cli) {
    let default = match cli.command {
        Command::Local(_) => "warn",
        Command::Serve(_) | Command::ResourcerSim(_) => "info",
    };
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(cli.log.as_deref().unwrap_or(default)))
        .unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs the parsed command to completion.
///
/// # Errors
/// Bad arguments, a bot that cannot be loaded, or I/O failures.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Local(args) => run_local(args),
        Command::Serve(args) => run_serve(&args),
        Command::ResourcerSim(args) => run_sim(&args),
    }
}

fn run_serve(args: &ServeArgs) -> Result<(), CliError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let env: crate::sources::EnvLookup =
            std::sync::Arc::new(|var: &str| std::env::var(var).ok());
        crate::app::serve(&args.config, env, stop_signal()).await?;
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
    rt.block_on(async {
        let expected = match (&args.id, &args.token) {
            (Some(id), Some(token)) => {
                Some((id.clone(), crate::secret::Secret::new(token.clone())))
            }
            (None, None) => None,
            _ => return Err(CliError::Usage("--id and --token go together".into())),
        };
        let sim = crate::resourcer::Simulator::start(args.bind, expected).await?;
        eprintln!("resourcer simulator on {} (type help)", sim.url());
        eprintln!(
            "point a host at it: BEEPBOOP_RESOURCER={} BEEPBOOP_ID=… BEEPBOOP_TOKEN=…",
            sim.url()
        );
        let input = tokio::io::BufReader::new(tokio::io::stdin());
        crate::resourcer::run_console(&sim, input, tokio::io::stdout()).await?;
        sim.shutdown().await;
        Ok(())
    })
}

fn run_local(args: LocalArgs) -> Result<(), CliError> {
    let config: BotConfig = local::parse_config(&args.config.join(" ")).map_err(CliError::Usage)?;
    let runtime = RuntimeConfig {
        max_teams: 4,
        cache_dir: if args.no_cache {
            None
        } else {
            args.cache_dir.or_else(crate::app::default_cache_dir)
        },
        ..RuntimeConfig::default()
    };
    match args.script {
        Some(path) => {
            let text = if path.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(&path).map_err(|e| {
                    CliError::Usage(format!("cannot read script {}: {e}", path.display()))
                })?
            };
            let steps = local::parse_script(&text).map_err(CliError::Usage)?;
            // A paused clock makes `/wait` instant and the transcript
            // independent of machine speed.
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()?;
            rt.block_on(async {
                let mut session = LocalSession::start(&args.component, config, &runtime).await?;
                let mut out = tokio::io::stdout();
                local::run_script(&mut session, steps, &mut out).await?;
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
                let mut session = LocalSession::start(&args.component, config, &runtime).await?;
                local::run_terminal(&mut session).await?;
                let tail = session.close().await;
                print_lines(&tail);
                Ok(())
            })
        }
    }
}

fn print_lines(lines: &[local::ChatLine]) {
    for line in lines {
        println!("{line}");
    }
}
