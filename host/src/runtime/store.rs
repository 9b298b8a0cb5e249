//! What an instance's `Store` holds: WASI with nothing granted, resource
//! limits, the CPU budget of the current call, and the world's host state
//! (opaque to the runtime).

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::clocks::{CoarseMonotonicClock, CoarseWallClock};
use super::interrupt::Interrupter;
use super::limiter::BotLimiter;
use super::output::GuestOutput;
use std::sync::Arc;

use crate::ids::TeamId;
use crate::limits::BotLimits;
use crate::log_budget::LogBudget;

/// The data of one instance's store. `H` is the world's host state; host
/// functions are linked against [`StoreData::host`].
pub struct StoreData<H> {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(super) limits: BotLimiter,
    /// Epoch ticks the running call may still use before it is interrupted.
    pub(super) ticks_left: u64,
    /// Set from outside to end the running call at the next tick.
    pub(super) interrupt: Interrupter,
    team: TeamId,
    /// The world's state for this instance (its capabilities).
    pub host: H,
}

impl<H> std::fmt::Debug for StoreData<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreData")
            .field("team", &self.team)
            .field("ticks_left", &self.ticks_left)
            .finish_non_exhaustive()
    }
}

impl<H> StoreData<H> {
    /// Builds the state of a new instance. WASI grants nothing: no
    /// preopened directories, no environment, no arguments, closed stdin,
    /// no sockets at all (not even unconnected ones, which would hold host
    /// file descriptors) and no name lookups, plus clocks coarsened to a
    /// millisecond and output captured into `tracing` under `team`.
    pub(super) fn new(team: &TeamId, host: H, limits: &BotLimits, log: Arc<LogBudget>) -> Self {
        let wasi = WasiCtxBuilder::new()
            .stdout(GuestOutput::stdout(team.clone(), log.clone()))
            .stderr(GuestOutput::stderr(team.clone(), log))
            .wall_clock(CoarseWallClock)
            .monotonic_clock(CoarseMonotonicClock::new())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        let memory = usize::try_from(limits.memory_bytes).unwrap_or(usize::MAX);
        let mut table = ResourceTable::new();
        // Host-side handles (streams, pollables) a bot may hold at once.
        table.set_max_capacity(MAX_HANDLES);
        Self {
            wasi,
            table,
            limits: BotLimiter::new(memory, limits.table_elements),
            ticks_left: 0,
            interrupt: Interrupter::default(),
            team: team.clone(),
            host,
        }
    }

    /// The team this instance serves (for log lines).
    pub fn team(&self) -> &TeamId {
        &self.team
    }
}

/// Most a single component may use. Rust components have about 3 core
/// instances; interpreted languages bring their runtime's libraries as
/// separate core modules (see [`PER_TEAM`]).
pub(super) const MAX_INSTANCES: usize = 64;
pub(super) const MAX_TABLES: usize = 32;
pub(super) const MAX_MEMORIES: usize = 8;

/// What the instance pool is sized for, per team on average: the pool's
/// totals are these times `max_teams`. Measured per component (core
/// instances / memories / tables): Rust 3 / 1 / 2, componentize-py
/// (Python) 14 / 1 / 2, componentize-qjs (QuickJS) 8 / 2 / 2,
/// componentize-js (SpiderMonkey) 3 / 1 / 2. So 1,000 teams of any one of
/// them fit, with headroom for heavier components in a mix. Unused slots
/// cost address space, not memory.
#[derive(Debug)]
pub(super) struct PerTeam {
    pub core_instances: u32,
    pub memories: u32,
    pub tables: u32,
}

pub(super) const PER_TEAM: PerTeam = PerTeam {
    core_instances: 20,
    memories: 3,
    tables: 3,
};

/// Resource handles in a bot's table.
const MAX_HANDLES: usize = 1024;

impl<H: Send + 'static> WasiView for StoreData<H> {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
