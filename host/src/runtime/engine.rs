//! The one wasmtime `Engine` of the host, its configuration, and the epoch
//! ticker that lets the host interrupt guests that run too long.

use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{
    Cache, CacheConfig, Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig,
};

use super::error::RuntimeError;
use super::store::{MAX_INSTANCES, MAX_MEMORIES, MAX_TABLES, PER_TEAM};
use crate::limits::BotLimits;

/// One epoch tick. A call's CPU budget is counted in these.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// How the runtime is set up.
#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// Teams that can hold a live instance at once; sizes the pooling
    /// allocator. Pool slots are reserved address space, not memory.
    pub max_teams: u32,
    /// Where compiled components are cached, keyed by content hash.
    /// `None` compiles every time.
    pub cache_dir: Option<PathBuf>,
    /// Limits applied to every bot.
    pub limits: BotLimits,
    /// The `bothost` binary, to compile components not yet cached in a
    /// child process under a memory and CPU ceiling (see
    /// [`worker`](super::worker)); `None` compiles in this process. Needs
    /// `cache_dir`.
    pub compile_worker: Option<PathBuf>,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            max_teams: 1000,
            cache_dir: None,
            limits: BotLimits::default(),
            compile_worker: None,
        }
    }
}

/// Reservations above this many pool slots would exhaust the address space
/// with wasmtime's default 4 GiB reservation per memory; beyond it each
/// memory reserves only its limit (at the cost of explicit bounds checks).
const LARGE_POOL: u32 = 2048;

pub(super) fn build_engine(config: &RuntimeConfig) -> Result<Engine, RuntimeError> {
    let mut wasm = Config::new();
    // Copy-on-write memory images: a Python or JS bot's initial memory (13
    // and 1.5 MiB, snapshotted at build time) is mapped, not copied, so an
    // idle team costs only the pages it wrote.
    wasm.epoch_interruption(true)
        .memory_init_cow(true)
        .concurrency_support(false)
        .max_wasm_stack(512 * 1024)
        .async_stack_size(1024 * 1024);

    let teams = config.max_teams.max(1);
    let memory = usize::try_from(config.limits.memory_bytes).unwrap_or(usize::MAX);
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(teams)
        .total_core_instances(teams.saturating_mul(PER_TEAM.core_instances))
        .total_memories(teams.saturating_mul(PER_TEAM.memories))
        .total_tables(teams.saturating_mul(PER_TEAM.tables))
        .total_stacks(teams)
        .max_core_instances_per_component(u32::try_from(MAX_INSTANCES).unwrap_or(u32::MAX))
        .max_memories_per_component(u32::try_from(MAX_MEMORIES).unwrap_or(u32::MAX))
        .max_tables_per_component(u32::try_from(MAX_TABLES).unwrap_or(u32::MAX))
        .max_component_instance_size(1 << 20)
        .max_core_instance_size(1 << 20)
        .table_elements(config.limits.table_elements)
        .max_memory_size(memory);
    if teams > LARGE_POOL {
        wasm.memory_reservation(config.limits.memory_bytes)
            .memory_guard_size(64 * 1024);
    }
    wasm.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));

    if let Some(dir) = &config.cache_dir {
        let mut cache = CacheConfig::new();
        cache.with_directory(dir.clone());
        let cache = Cache::new(cache).map_err(|e| RuntimeError::Engine(e.to_string()))?;
        wasm.cache(Some(cache));
    }
    Engine::new(&wasm).map_err(|e| RuntimeError::Engine(format!("{e:#}")))
}

/// Increments the engine's epoch every [`EPOCH_TICK`] on a dedicated
/// thread. It must not be a tokio task: a guest spinning on every worker
/// thread would starve it and never be interrupted. Stops on drop.
#[derive(Debug)]
pub(super) struct EpochTicker {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    pub(super) fn start(engine: Engine) -> Result<Self, RuntimeError> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("bothost-epoch".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EPOCH_TICK) {
                    engine.increment_epoch();
                }
            })
            .map_err(|e| RuntimeError::Engine(format!("cannot start the epoch ticker: {e}")))?;
        Ok(Self {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
