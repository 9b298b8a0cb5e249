//! Errors of the runtime, worded for the operator who loaded the bot.

use std::path::PathBuf;

use thiserror::Error;

/// Why a bot could not be loaded, instantiated or called.
#[derive(Debug, Error)]
pub enum RuntimeError {
    #[error("wasmtime engine: {0}")]
    Engine(String),
    #[error("cannot read bot component {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: component is over the {limit}-byte limit")]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("bot component {path} is {kind}, not a regular file")]
    NotAFile { path: PathBuf, kind: &'static str },
    #[error("{path}: not a WebAssembly file (no `\\0asm` header)")]
    NotWasm { path: PathBuf },
    #[error(
        "{path}: this is a core WebAssembly module, not a component; build the bot for \
         `wasm32-wasip2` (or run `wasm-tools component new`)"
    )]
    CoreModule { path: PathBuf },
    #[error("{path}: invalid component: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("{path}: does not match the `{world}` world: {reason}")]
    WrongWorld {
        path: PathBuf,
        world: &'static str,
        reason: String,
    },
    #[error("{path}: refused before compiling: {what}")]
    OverLimit { path: PathBuf, what: String },
    #[error("{path}: compilation took longer than {secs} s (`limits.compile.timeout_secs`)")]
    CompileTimeout { path: PathBuf, secs: u64 },
    #[error("cannot instantiate bot: {0}")]
    Instantiate(String),
}

/// How a call into a bot failed (the bot's own `bot-error` is not a call
/// failure; it is returned as a value).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CallError {
    /// The guest trapped (panic, out-of-bounds, CPU budget exhausted, …).
    /// The instance is poisoned.
    #[error("bot trapped: {0}")]
    Trap(String),
    /// The call ran past its wall-clock budget. The instance is poisoned.
    #[error("bot call timed out after {0} ms")]
    Timeout(u64),
    /// The host ended the call (an operator updated or removed the team
    /// while it ran). The instance is poisoned.
    #[error("bot call interrupted by the host")]
    Interrupted,
    /// The instance was poisoned by an earlier failure.
    #[error("bot instance is poisoned by an earlier failure")]
    Poisoned,
}
