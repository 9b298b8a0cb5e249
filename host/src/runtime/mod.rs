//! The WebAssembly runtime: the only module that knows wasmtime.
//!
//! One [`BotRuntime`] per host holds the engine, the linker with every host
//! capability, the epoch ticker, and the compiled bots. Teams get a
//! [`BotInstance`] each, from a shared [`CompiledBot`].

pub(crate) mod bindings;
mod clocks;
mod compiled;
pub(crate) mod convert;
mod engine;
mod error;
mod instance;
mod limiter;
pub(crate) mod output;
mod state;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use thiserror::Error;
use wasmtime::Engine;
use wasmtime::component::{HasSelf, Linker};

pub use compiled::{BotDigest, CompiledBot};
pub use engine::{EPOCH_TICK, RuntimeConfig};
pub use error::{CallError, RuntimeError};
pub use instance::{BotInstance, CallResult};

use crate::capabilities::Capabilities;
use crate::limits::BotLimits;
use engine::EpochTicker;
use state::BotState;

/// A bot's own report that an export failed (the WIT `bot-error`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BotFailure {
    #[error("invalid config: {0}")]
    InvalidConfig(String),
    #[error("{0}")]
    Failed(String),
}

/// The engine, linker and compiled bots of one host.
pub struct BotRuntime {
    engine: Engine,
    linker: Linker<BotState>,
    limits: BotLimits,
    compiled: Mutex<HashMap<BotDigest, Arc<CompiledBot>>>,
    // Dropped last: stops the epoch thread.
    _ticker: EpochTicker,
}

impl std::fmt::Debug for BotRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotRuntime")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl BotRuntime {
    /// Builds the engine and links WASI (granting nothing) plus the bot
    /// capabilities.
    ///
    /// # Errors
    /// When wasmtime rejects the configuration (e.g. the pool cannot be
    /// reserved) or the cache directory cannot be set up.
    pub fn new(config: &RuntimeConfig) -> Result<Self, RuntimeError> {
        let engine = engine::build_engine(config)?;
        let mut linker = Linker::<BotState>::new(&engine);
        let link = |e: wasmtime::Error| RuntimeError::Engine(format!("linking: {e:#}"));
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(link)?;
        bindings::Bot::add_to_linker::<_, HasSelf<Capabilities>>(&mut linker, |s| &mut s.caps)
            .map_err(link)?;
        let ticker = EpochTicker::start(engine.clone())?;
        Ok(Self {
            engine,
            linker,
            limits: config.limits.clone(),
            compiled: Mutex::default(),
            _ticker: ticker,
        })
    }

    /// The limits every instance gets.
    pub fn limits(&self) -> &BotLimits {
        &self.limits
    }

    /// Loads a bot component from a file: size-checked, header-checked,
    /// compiled on a blocking thread (or taken from the on-disk cache), and
    /// checked against the `bot` world. Components with the same bytes are
    /// compiled once.
    ///
    /// # Errors
    /// A [`RuntimeError`] naming the file and what is wrong with it.
    pub async fn load(&self, path: &Path) -> Result<Arc<CompiledBot>, RuntimeError> {
        let read_err = |source| RuntimeError::Read {
            path: path.to_path_buf(),
            source,
        };
        let size = tokio::fs::metadata(path).await.map_err(read_err)?.len();
        let limit = self.limits.component_bytes;
        if size > limit {
            return Err(RuntimeError::TooLarge {
                path: path.to_path_buf(),
                size,
                limit,
            });
        }
        let bytes = tokio::fs::read(path).await.map_err(read_err)?;
        self.load_bytes(path, bytes).await
    }

    /// Like [`load`](Self::load), from bytes already in memory; `path` only
    /// names the bot in messages.
    ///
    /// # Errors
    /// A [`RuntimeError`] saying what is wrong with the component.
    pub async fn load_bytes(
        &self,
        path: &Path,
        bytes: Vec<u8>,
    ) -> Result<Arc<CompiledBot>, RuntimeError> {
        compiled::check_header(path, &bytes)?;
        let digest = BotDigest::of(&bytes);
        if let Some(hit) = self.cached(digest) {
            return Ok(hit);
        }
        let (engine, linker, owned_path) =
            (self.engine.clone(), self.linker.clone(), path.to_path_buf());
        let compiled = tokio::task::spawn_blocking(move || {
            compiled::compile(&engine, &linker, &owned_path, &bytes)
        })
        .await
        .map_err(|e| RuntimeError::Invalid {
            path: path.to_path_buf(),
            reason: format!("compilation aborted: {e}"),
        })??;
        let compiled = Arc::new(compiled);
        let mut cache = self.lock_compiled();
        // Forget bots no team uses any more, so upgrades do not pile up.
        cache.retain(|_, bot| Arc::strong_count(bot) > 1);
        cache.insert(digest, compiled.clone());
        Ok(compiled)
    }

    /// Creates a new instance of `bot` for one team. `init` is not called.
    ///
    /// # Errors
    /// When the pool is exhausted, instantiation traps, or it runs past the
    /// wall-clock budget; the capabilities come back with the error so the
    /// team keeps its timers.
    pub async fn instantiate(
        &self,
        bot: &CompiledBot,
        caps: Capabilities,
    ) -> Result<BotInstance, (RuntimeError, Capabilities)> {
        BotInstance::new(bot, caps, &self.limits).await
    }

    fn cached(&self, digest: BotDigest) -> Option<Arc<CompiledBot>> {
        self.lock_compiled().get(&digest).cloned()
    }

    fn lock_compiled(&self) -> std::sync::MutexGuard<'_, HashMap<BotDigest, Arc<CompiledBot>>> {
        self.compiled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
