//! The `bothost` binary: parse the command line, set up logging, run.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // The compile worker the host starts itself (not a user command: it
    // takes its settings from the environment and the component on stdin).
    if std::env::args_os().nth(1).as_deref()
        == Some(std::ffi::OsStr::new(
            bothost::runtime::worker::WORKER_SUBCOMMAND,
        ))
    {
        let code = bothost::runtime::worker::run_worker();
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let cli = bothost::cli::Cli::parse();
    if let Err(e) = bothost::cli::init_tracing(&cli) {
        eprintln!("bothost: {e}");
        return ExitCode::FAILURE;
    }
    match bothost::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bothost: {e}");
            ExitCode::FAILURE
        }
    }
}
