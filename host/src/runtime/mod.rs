//! The WebAssembly sandbox: engine, pooling, limits, epoch interruption,
//! WASI with nothing granted, compilation and instances. Together with the
//! capabilities (which implement the generated bindings) it is the only
//! code that knows wasmtime; it knows no capability itself: it is generic
//! over a [`World`], which the capabilities implement.
//!
//! One [`BotRuntime`] per host holds the engine, the linker, the epoch
//! ticker, and the compiled bots. Teams get an [`Instance`] each, from a
//! shared [`CompiledBot`].

mod clocks;
mod compiled;
mod engine;
mod error;
mod instance;
mod interrupt;
mod limiter;
mod output;
mod preflight;
mod stamp;
mod store;
pub mod worker;
mod world;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use wasmtime::Engine;
use wasmtime::component::Linker;

pub use compiled::{BotDigest, CompiledBot};
pub use engine::{EPOCH_TICK, RuntimeConfig};
pub use error::{CallError, RuntimeError};
pub use instance::{Call, CallGuard, Instance};
pub use interrupt::Interrupter;
pub use store::StoreData;
pub use world::{Generation, World};

use crate::bot_file::{BotFileError, read_bot_file};
use crate::ids::TeamId;
use crate::limits::BotLimits;
use crate::log_budget::LogBudget;
use engine::EpochTicker;

/// The engine, linker and compiled bots of one host.
pub struct BotRuntime<W: World> {
    engine: Engine,
    linker: Linker<StoreData<W::Host>>,
    limits: BotLimits,
    compiled: Mutex<HashMap<BotDigest, Arc<CompiledBot<W>>>>,
    /// Compilations at once (`limits.compile.concurrency`).
    compiles: Arc<tokio::sync::Semaphore>,
    stamps: stamp::Stamps,
    /// Compiles components not yet cached in a child process, when set.
    worker: Option<worker::Worker>,
    // Dropped last: stops the epoch thread.
    _ticker: EpochTicker,
}

impl<W: World> std::fmt::Debug for BotRuntime<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotRuntime")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl<W: World> BotRuntime<W> {
    /// Builds the engine and links WASI (granting nothing) plus the
    /// world's host functions.
    ///
    /// # Errors
    /// When wasmtime rejects the configuration (e.g. the pool cannot be
    /// reserved) or the cache directory cannot be set up.
    pub fn new(config: &RuntimeConfig) -> Result<Self, RuntimeError> {
        let engine = engine::build_engine(config)?;
        let mut linker = Linker::<StoreData<W::Host>>::new(&engine);
        let link = |e: wasmtime::Error| RuntimeError::Engine(format!("linking: {e:#}"));
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(link)?;
        W::add_to_linker(&mut linker).map_err(link)?;
        let ticker = EpochTicker::start(engine.clone())?;
        Ok(Self {
            engine,
            linker,
            limits: config.limits.clone(),
            compiled: Mutex::default(),
            compiles: Arc::new(tokio::sync::Semaphore::new(
                config.limits.compile.concurrency.max(1),
            )),
            stamps: stamp::Stamps::default(),
            worker: worker::Worker::of(config),
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
    pub async fn load(&self, path: &Path) -> Result<Arc<CompiledBot<W>>, RuntimeError> {
        // A file unchanged since it was last loaded (same size, time and
        // inode) is not read and hashed again.
        let read_err = |source| RuntimeError::Read {
            path: path.to_path_buf(),
            source,
        };
        let meta = tokio::fs::metadata(path).await.map_err(read_err)?;
        if meta.is_file()
            && let Some(hit) = self.stamps.digest(path, &meta).and_then(|d| self.cached(d))
        {
            return Ok(hit);
        }
        // Only regular files, read with a hard cap whatever the metadata
        // says (a device such as /dev/zero reports a size of 0).
        let limit = self.limits.component_bytes;
        let bytes = read_bot_file(path, limit).await.map_err(|e| match e {
            BotFileError::Io { path, source } => RuntimeError::Read { path, source },
            BotFileError::NotAFile { path, kind } => RuntimeError::NotAFile { path, kind },
            BotFileError::TooLarge { path, cap } => RuntimeError::TooLarge { path, limit: cap },
        })?;
        let bot = self.load_bytes(path, bytes).await?;
        self.stamps.record(path, &meta, bot.digest());
        Ok(bot)
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
    ) -> Result<Arc<CompiledBot<W>>, RuntimeError> {
        compiled::check_header(path, &bytes)?;
        let digest = BotDigest::of(&bytes);
        if let Some(hit) = self.cached(digest) {
            return Ok(hit);
        }
        // One compilation slot per `concurrency`, held until the compiler
        // is really done (a timed-out compile still occupies its thread),
        // so hostile components can never use more than that many cores.
        let permit = self
            .compiles
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| RuntimeError::Engine("runtime shut down".into()))?;
        if let Some(hit) = self.cached(digest) {
            return Ok(hit);
        }
        let (engine, linker, owned_path) =
            (self.engine.clone(), self.linker.clone(), path.to_path_buf());
        let limits = self.limits.compile.clone();
        let worker = self.worker.clone();
        let compile = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            preflight::check(&owned_path, &bytes, &limits)?;
            if let Some(worker) = worker {
                // Compiled under a ceiling into the shared cache first: the
                // compile below is then a cache hit.
                worker.compile(&owned_path, &bytes)?;
            }
            compiled::compile::<W>(&engine, &linker, &owned_path, &bytes)
        });
        let secs = self.limits.compile.timeout_secs;
        let compiled = match tokio::time::timeout(Duration::from_secs(secs), compile).await {
            Ok(joined) => joined.map_err(|e| RuntimeError::Invalid {
                path: path.to_path_buf(),
                reason: format!("compilation aborted: {e}"),
            })??,
            Err(_) => {
                return Err(RuntimeError::CompileTimeout {
                    path: path.to_path_buf(),
                    secs,
                });
            }
        };
        let compiled = Arc::new(compiled);
        let mut cache = self.lock_compiled();
        // Forget bots no team uses any more, so upgrades do not pile up.
        cache.retain(|_, bot| Arc::strong_count(bot) > 1);
        cache.insert(digest, compiled.clone());
        Ok(compiled)
    }

    /// Creates a new instance of `bot` for `team` holding `host`, its
    /// stdout and stderr written to the log under the team's `log` budget.
    /// No export is called.
    ///
    /// # Errors
    /// When the pool is exhausted, instantiation traps, or it runs past the
    /// wall-clock budget; the host state comes back with the error so the
    /// team keeps its timers.
    pub async fn instantiate(
        &self,
        bot: &CompiledBot<W>,
        team: &TeamId,
        host: W::Host,
        log: Arc<LogBudget>,
    ) -> Result<Instance<W>, (RuntimeError, W::Host)> {
        Instance::new(bot, team, host, &self.limits, log).await
    }

    fn cached(&self, digest: BotDigest) -> Option<Arc<CompiledBot<W>>> {
        self.lock_compiled().get(&digest).cloned()
    }

    fn lock_compiled(&self) -> std::sync::MutexGuard<'_, HashMap<BotDigest, Arc<CompiledBot<W>>>> {
        self.compiled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
