//! The `bothost` binary: parse the command line, set up logging, run.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = bothost::cli::Cli::parse();
    bothost::cli::init_tracing(&cli);
    match bothost::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bothost: {e}");
            ExitCode::FAILURE
        }
    }
}
