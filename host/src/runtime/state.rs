//! What a bot's `Store` holds: WASI with nothing granted, resource limits,
//! the capabilities of its team, and the CPU budget of the current call.

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::clocks::{CoarseMonotonicClock, CoarseWallClock};
use super::limiter::BotLimiter;
use super::output::GuestOutput;
use crate::capabilities::Capabilities;
use crate::limits::BotLimits;

/// The data of one bot's store.
pub struct BotState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(super) limits: BotLimiter,
    pub(crate) caps: Capabilities,
    /// Epoch ticks the running call may still use before it is interrupted.
    pub(super) ticks_left: u64,
}

impl std::fmt::Debug for BotState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotState")
            .field("team", self.caps.team())
            .field("ticks_left", &self.ticks_left)
            .finish_non_exhaustive()
    }
}

impl BotState {
    /// Builds the state of a new instance. WASI grants nothing: no
    /// preopened directories, no environment, no arguments, closed stdin,
    /// no sockets at all (not even unconnected ones, which would hold host
    /// file descriptors) and no name lookups, plus clocks coarsened to a
    /// millisecond and output captured into `tracing`.
    pub(super) fn new(caps: Capabilities, limits: &BotLimits) -> Self {
        let team = caps.team().clone();
        let wasi = WasiCtxBuilder::new()
            .stdout(GuestOutput::stdout(team.clone()))
            .stderr(GuestOutput::stderr(team))
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
            caps,
            ticks_left: 0,
        }
    }

    /// Gives back the capabilities, so the team's timers outlive a
    /// poisoned instance.
    pub(super) fn into_caps(self) -> Capabilities {
        self.caps
    }
}

/// Core instances per component. Rust components have about 5 (the
/// adapter adds some); interpreted languages more.
pub(super) const MAX_INSTANCES: usize = 64;
pub(super) const MAX_TABLES: usize = 32;
pub(super) const MAX_MEMORIES: usize = 8;
/// Resource handles in a bot's table.
const MAX_HANDLES: usize = 1024;

impl WasiView for BotState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
