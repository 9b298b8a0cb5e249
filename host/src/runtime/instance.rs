//! A live instance: one `Store` per team. Every call runs under a CPU
//! budget (epoch ticks) and a wall-clock deadline; any trap or timeout
//! poisons the instance, which must then be dropped.
//!
//! The runtime does not know the world's exports: a caller arms a call with
//! [`Instance::begin`], makes the generated call on the exports and store it
//! gets back, and hands the future to [`CallGuard::run`], which enforces the
//! deadline and poisons the instance on failure.

use std::future::Future;
use std::time::Duration;

use wasmtime::{Store, Trap, UpdateDeadline};

use super::compiled::CompiledBot;
use super::engine::EPOCH_TICK;
use super::error::{CallError, RuntimeError};
use super::interrupt::Interrupter;
use super::store::StoreData;
use super::world::World;
use std::sync::Arc;

use crate::ids::TeamId;
use crate::limits::BotLimits;
use crate::log_budget::LogBudget;

/// One team's running component.
pub struct Instance<W: World> {
    store: Store<StoreData<W::Host>>,
    exports: W::Exports,
    poisoned: bool,
    ticks_per_call: u64,
    wall: Duration,
    last_cpu: Duration,
}

impl<W: World> std::fmt::Debug for Instance<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("state", self.store.data())
            .field("poisoned", &self.poisoned)
            .finish_non_exhaustive()
    }
}

/// A call armed by [`Instance::begin`]: the exports and store to make the
/// generated call with, and the guard to run its future under.
pub struct Call<'a, W: World> {
    pub exports: &'a W::Exports,
    pub store: &'a mut Store<StoreData<W::Host>>,
    pub guard: CallGuard<'a>,
}

impl<W: World> std::fmt::Debug for Call<'_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call").field("guard", &self.guard).finish()
    }
}

/// Runs one call under the instance's wall-clock budget, measures the CPU
/// time it takes on the host's threads, and poisons the instance unless
/// the call completes (a trap, a timeout, or a call future dropped half
/// way all leave the instance unusable).
#[derive(Debug)]
pub struct CallGuard<'a> {
    poisoned: &'a mut bool,
    used: &'a mut Duration,
    interrupt: Interrupter,
    wall: Duration,
}

impl CallGuard<'_> {
    /// Shortens the wall-clock budget of this call (e.g. `shutdown`'s
    /// grace period).
    #[must_use]
    pub fn within(mut self, wall: Duration) -> Self {
        self.wall = self.wall.min(wall);
        self
    }

    /// Awaits the call.
    ///
    /// # Errors
    /// [`CallError::Trap`] or [`CallError::Timeout`]; the instance is
    /// poisoned either way.
    pub async fn run<R>(
        self,
        call: impl Future<Output = wasmtime::Result<R>>,
    ) -> Result<R, CallError> {
        // The time spent polling the call is the CPU it cost the host:
        // guest code, and the synchronous part of host calls (lifting
        // arguments, lookups), but not waiting on Slack. Wall time of each
        // poll, on the std clock (a paused tokio clock does not move).
        let mut call = std::pin::pin!(call);
        let used = &mut *self.used;
        let metered = std::future::poll_fn(|cx| {
            let start = std::time::Instant::now();
            let poll = call.as_mut().poll(cx);
            *used += start.elapsed();
            poll
        });
        let outcome = tokio::time::timeout(self.wall, metered).await;
        match outcome {
            Ok(Ok(r)) => {
                *self.poisoned = false;
                Ok(r)
            }
            Ok(Err(_)) if self.interrupt.is_set() => Err(CallError::Interrupted),
            Ok(Err(e)) => Err(CallError::Trap(describe(&e))),
            Err(_) => Err(CallError::Timeout(
                u64::try_from(self.wall.as_millis()).unwrap_or(u64::MAX),
            )),
        }
    }
}

impl<W: World> Instance<W> {
    pub(super) async fn new(
        compiled: &CompiledBot<W>,
        team: &TeamId,
        host: W::Host,
        limits: &BotLimits,
        log: Arc<LogBudget>,
    ) -> Result<Self, (RuntimeError, W::Host)> {
        let data = StoreData::new(team, host, limits, log);
        let mut store = Store::new(&compiled.engine, data);
        store.limiter(|s| &mut s.limits);
        // Each expiry of the deadline is one tick of guest time: yield to
        // the scheduler so neighbours on this thread run, and interrupt once
        // the call's budget is spent.
        store.epoch_deadline_callback(|mut ctx| {
            let state = ctx.data_mut();
            if state.ticks_left == 0 || state.interrupt.is_set() {
                return Ok(UpdateDeadline::Interrupt);
            }
            state.ticks_left -= 1;
            Ok(UpdateDeadline::Yield(1))
        });
        let ticks_per_call = limits
            .cpu_ms_per_call
            .div_ceil(u64::try_from(EPOCH_TICK.as_millis()).unwrap_or(1))
            .max(1);
        store.data_mut().ticks_left = ticks_per_call;
        store.set_epoch_deadline(1);
        let wall = limits.wall_per_call();
        let exports = match tokio::time::timeout(wall, W::instantiate(&compiled.pre, &mut store))
            .await
        {
            Ok(Ok(exports)) => exports,
            Ok(Err(e)) => {
                let error = RuntimeError::Instantiate(describe(&e));
                return Err((error, store.into_data().host));
            }
            Err(_) => {
                let error =
                    RuntimeError::Instantiate(format!("timed out after {} ms", wall.as_millis()));
                return Err((error, store.into_data().host));
            }
        };
        Ok(Self {
            store,
            exports,
            poisoned: false,
            ticks_per_call,
            wall,
            last_cpu: Duration::ZERO,
        })
    }

    /// Whether an earlier trap or timeout made this instance unusable.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    /// The instance's host state.
    pub fn host(&self) -> &W::Host {
        &self.store.data().host
    }

    pub fn host_mut(&mut self) -> &mut W::Host {
        &mut self.store.data_mut().host
    }

    /// Ends the instance, giving its host state back (so a team's timers
    /// outlive a poisoned instance).
    pub fn into_host(self) -> W::Host {
        self.store.into_data().host
    }

    /// Arms a call: a fresh CPU budget, and the parts to make it with.
    /// The instance counts as poisoned until the call completes.
    ///
    /// # Errors
    /// [`CallError::Poisoned`] after an earlier trap or timeout.
    pub fn begin(&mut self) -> Result<Call<'_, W>, CallError> {
        if self.poisoned {
            return Err(CallError::Poisoned);
        }
        self.poisoned = true;
        self.last_cpu = Duration::ZERO;
        let data = self.store.data_mut();
        data.ticks_left = self.ticks_per_call;
        data.interrupt.reset();
        let interrupt = data.interrupt.clone();
        self.store.set_epoch_deadline(1);
        Ok(Call {
            exports: &self.exports,
            store: &mut self.store,
            guard: CallGuard {
                poisoned: &mut self.poisoned,
                used: &mut self.last_cpu,
                interrupt,
                wall: self.wall,
            },
        })
    }

    /// What the last call cost the host's CPU (see [`CallGuard::run`]).
    pub fn last_call_cpu(&self) -> Duration {
        self.last_cpu
    }

    /// A handle that ends the running call at the next tick.
    pub fn interrupter(&self) -> Interrupter {
        self.store.data().interrupt.clone()
    }
}

/// A one-line reason for a trap, with the trap kind first.
fn describe(e: &wasmtime::Error) -> String {
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => "CPU budget per call exhausted".to_owned(),
        Some(trap) => format!("{trap}"),
        // A host function's own error (an oversized argument) is the root
        // of the chain; wasmtime's context (a wasm backtrace) wraps it.
        None => {
            let text = e.root_cause().to_string();
            text.lines().next().unwrap_or("unknown error").to_owned()
        }
    }
}
