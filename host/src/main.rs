//! The `bothost` binary: parse the command line, set up logging, run.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
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
