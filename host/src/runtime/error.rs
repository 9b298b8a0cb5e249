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
    #[error("{path}: component is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("{path}: not a WebAssembly file (no `\\0asm` header)")]
    NotWasm { path: PathBuf },
    #[error(
        "{path}: this is a core WebAssembly module, not a component; build the bot for \
         `wasm32-wasip2` (or run `wasm-tools component new`)"
    )]
    CoreModule { path: PathBuf },
    #[error("{path}: invalid component: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("{path}: does not match the `bothost:bot/bot` world: {reason}")]
    WrongWorld { path: PathBuf, reason: String },
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
    /// The instance was poisoned by an earlier failure.
    #[error("bot instance is poisoned by an earlier failure")]
    Poisoned,
}
