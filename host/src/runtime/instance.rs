//! A live bot instance: one `Store` per team. Every call runs under a CPU
//! budget (epoch ticks) and a wall-clock deadline; any trap or timeout
//! poisons the instance, which must then be dropped.

use std::future::Future;
use std::time::Duration;

use wasmtime::{Store, Trap, UpdateDeadline};

use super::BotFailure;
use super::bindings::Bot;
use super::compiled::CompiledBot;
use super::convert;
use super::engine::EPOCH_TICK;
use super::error::{CallError, RuntimeError};
use super::state::BotState;
use crate::capabilities::{Capabilities, TimerSet};
use crate::event::Event;
use crate::limits::BotLimits;
use crate::profile::{BotConfig, TeamInfo};

/// What a call to a bot export produced: the bot's own answer, or a failure
/// of the call itself.
pub type CallResult = Result<Result<(), BotFailure>, CallError>;

/// One team's running bot.
pub struct BotInstance {
    store: Store<BotState>,
    bot: Bot,
    poisoned: bool,
    ticks_per_call: u64,
    wall: Duration,
}

impl std::fmt::Debug for BotInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotInstance")
            .field("state", self.store.data())
            .field("poisoned", &self.poisoned)
            .finish_non_exhaustive()
    }
}

impl BotInstance {
    pub(super) async fn new(
        compiled: &CompiledBot,
        caps: Capabilities,
        limits: &BotLimits,
    ) -> Result<Self, (RuntimeError, Capabilities)> {
        let engine = compiled.pre.engine();
        let mut store = Store::new(engine, BotState::new(caps, limits));
        store.limiter(|s| &mut s.limits);
        // Each expiry of the deadline is one tick of guest time: yield to
        // the scheduler so neighbours on this thread run, and interrupt once
        // the call's budget is spent.
        store.epoch_deadline_callback(|mut ctx| {
            let state = ctx.data_mut();
            if state.ticks_left == 0 {
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
        let bot = match tokio::time::timeout(wall, compiled.pre.instantiate_async(&mut store)).await
        {
            Ok(Ok(bot)) => bot,
            Ok(Err(e)) => {
                let error = RuntimeError::Instantiate(describe(&e));
                return Err((error, store.into_data().into_caps()));
            }
            Err(_) => {
                let error =
                    RuntimeError::Instantiate(format!("timed out after {} ms", wall.as_millis()));
                return Err((error, store.into_data().into_caps()));
            }
        };
        Ok(Self {
            store,
            bot,
            poisoned: false,
            ticks_per_call,
            wall,
        })
    }

    /// Whether an earlier trap or timeout made this instance unusable.
    pub fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    /// The team's timers, which live in the store so host functions can
    /// set them.
    pub fn timers_mut(&mut self) -> &mut TimerSet {
        self.store.data_mut().caps.timers_mut()
    }

    /// Ends the instance, keeping its capabilities (timers) for the next one.
    pub fn into_capabilities(self) -> Capabilities {
        self.store.into_data().into_caps()
    }

    fn arm(&mut self) -> Result<(), CallError> {
        if self.poisoned {
            return Err(CallError::Poisoned);
        }
        self.store.data_mut().ticks_left = self.ticks_per_call;
        self.store.set_epoch_deadline(1);
        Ok(())
    }

    pub async fn init(&mut self, team: &TeamInfo, config: &BotConfig) -> CallResult {
        self.arm()?;
        let (team, config) = (convert::team_info(team), convert::config(config));
        let fut = self.bot.call_init(&mut self.store, &team, &config);
        guard(&mut self.poisoned, self.wall, fut).await
    }

    pub async fn reconfigure(&mut self, config: &BotConfig) -> CallResult {
        self.arm()?;
        let config = convert::config(config);
        let fut = self.bot.call_reconfigure(&mut self.store, &config);
        guard(&mut self.poisoned, self.wall, fut).await
    }

    pub async fn on_event(&mut self, event: &Event) -> CallResult {
        self.arm()?;
        let event = convert::event(event);
        let fut = self.bot.call_on_event(&mut self.store, &event);
        guard(&mut self.poisoned, self.wall, fut).await
    }

    pub async fn on_timer(&mut self, name: &str) -> CallResult {
        self.arm()?;
        let fut = self.bot.call_on_timer(&mut self.store, name);
        guard(&mut self.poisoned, self.wall, fut).await
    }

    /// Calls `shutdown` within `grace`; the instance is finished afterwards
    /// whatever happens.
    pub async fn shutdown(&mut self, grace: Duration) -> Result<(), CallError> {
        self.arm()?;
        let fut = self.bot.call_shutdown(&mut self.store);
        let wall = grace.min(self.wall);
        guard_unit(&mut self.poisoned, wall, fut).await
    }
}

async fn guard(
    poisoned: &mut bool,
    wall: Duration,
    fut: impl Future<Output = wasmtime::Result<Result<(), super::bindings::types::BotError>>>,
) -> CallResult {
    let answer = guard_unit(poisoned, wall, fut).await?;
    Ok(answer.map_err(convert::bot_error))
}

async fn guard_unit<R>(
    poisoned: &mut bool,
    wall: Duration,
    fut: impl Future<Output = wasmtime::Result<R>>,
) -> Result<R, CallError> {
    match tokio::time::timeout(wall, fut).await {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => {
            *poisoned = true;
            Err(CallError::Trap(describe(&e)))
        }
        Err(_) => {
            *poisoned = true;
            Err(CallError::Timeout(
                u64::try_from(wall.as_millis()).unwrap_or(u64::MAX),
            ))
        }
    }
}

/// A one-line reason for a trap, with the trap kind first.
fn describe(e: &wasmtime::Error) -> String {
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => "CPU budget per call exhausted".to_owned(),
        Some(trap) => format!("{trap}"),
        None => {
            let text = format!("{e:#}");
            text.lines().next().unwrap_or("unknown error").to_owned()
        }
    }
}
