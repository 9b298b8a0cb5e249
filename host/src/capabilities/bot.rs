//! A bot instance with typed calls: the world's exports (`init`,
//! `reconfigure`, `on-event`, `on-timer`, `shutdown`) in the host's own
//! types, each run under the runtime's CPU and wall-clock budget.

use std::time::Duration;

use thiserror::Error;

use super::world::{BotWorld, Exports};
use super::{Capabilities, TimerSet, convert};
use crate::bot_config::BotConfig;
use crate::event::Event;
use crate::runtime::{CallError, CompiledBot, Instance, Interrupter};
use crate::team_info::TeamInfo;

/// The runtime serving bots.
pub type BotRuntime = crate::runtime::BotRuntime<BotWorld>;
/// A bot component compiled for the host.
pub type Compiled = CompiledBot<BotWorld>;

/// A bot's own report that an export failed (the WIT `bot-error`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BotFailure {
    #[error("invalid config: {0}")]
    InvalidConfig(String),
    #[error("{0}")]
    Failed(String),
}

/// What a call to a bot export produced: the bot's own answer, or a failure
/// of the call itself.
pub type CallResult = Result<Result<(), BotFailure>, CallError>;

/// One team's live bot.
#[derive(Debug)]
pub struct Bot {
    instance: Instance<BotWorld>,
}

/// Makes one call of the `handler` interface under the runtime's budgets
/// and turns the bot's own `bot-error` into a [`BotFailure`]. A macro, not
/// a function: each generated call borrows the store for its future, which
/// a closure-taking helper cannot name.
macro_rules! handler_call {
    ($bot:expr, $method:ident $(, $arg:expr)*) => {{
        let call = $bot.instance.begin()?;
        let answer = match call.exports {
            Exports::Current(exports) => {
                call.guard
                    .run(exports.bothost_bot_handler().$method(call.store $(, $arg)*))
                    .await?
            }
            Exports::Legacy(exports) => {
                call.guard.run(exports.$method(call.store $(, $arg)*)).await?
            }
        };
        Ok(answer.map_err(convert::bot_error))
    }};
}

impl Bot {
    /// Instantiates `compiled` for the team `caps` are bound to. No export
    /// is called.
    ///
    /// # Errors
    /// As [`BotRuntime::instantiate`](crate::runtime::BotRuntime::instantiate);
    /// the capabilities come back with the error.
    pub async fn instantiate(
        runtime: &BotRuntime,
        compiled: &Compiled,
        caps: Capabilities,
    ) -> Result<Self, (crate::runtime::RuntimeError, Capabilities)> {
        let (team, log) = (caps.team().clone(), caps.log_budget().clone());
        let instance = runtime.instantiate(compiled, &team, caps, log).await?;
        Ok(Self { instance })
    }

    /// What the last call cost the host's CPU.
    pub fn last_call_cpu(&self) -> Duration {
        self.instance.last_call_cpu()
    }

    /// A handle that ends the running call at the next tick.
    pub fn interrupter(&self) -> Interrupter {
        self.instance.interrupter()
    }

    /// Whether an earlier trap or timeout made this instance unusable.
    pub fn is_poisoned(&self) -> bool {
        self.instance.is_poisoned()
    }

    /// The team's timers, which live with the capabilities so host
    /// functions can set them.
    pub fn timers_mut(&mut self) -> &mut TimerSet {
        self.instance.host_mut().timers_mut()
    }

    /// The bot's capabilities (to re-point its chat after a relink).
    pub fn capabilities_mut(&mut self) -> &mut Capabilities {
        self.instance.host_mut()
    }

    /// Ends the instance, keeping its capabilities (timers) for the next one.
    pub fn into_capabilities(self) -> Capabilities {
        self.instance.into_host()
    }

    pub async fn init(&mut self, team: &TeamInfo, config: &BotConfig) -> CallResult {
        let (team, config) = (convert::team_info(team), convert::config(config));
        handler_call!(self, call_init, &team, &config)
    }

    pub async fn reconfigure(&mut self, config: &BotConfig) -> CallResult {
        let config = convert::config(config);
        handler_call!(self, call_reconfigure, &config)
    }

    pub async fn on_event(&mut self, event: &Event) -> CallResult {
        let event = convert::event(event);
        handler_call!(self, call_on_event, &event)
    }

    pub async fn on_timer(&mut self, name: &str) -> CallResult {
        handler_call!(self, call_on_timer, name)
    }

    /// Calls `shutdown` within `grace`; the instance is finished afterwards
    /// whatever happens.
    ///
    /// # Errors
    /// A trap or timeout during `shutdown`.
    pub async fn shutdown(&mut self, grace: Duration) -> Result<(), CallError> {
        let call = self.instance.begin()?;
        let guard = call.guard.within(grace);
        match call.exports {
            Exports::Current(exports) => {
                guard
                    .run(exports.bothost_bot_handler().call_shutdown(call.store))
                    .await
            }
            Exports::Legacy(exports) => guard.run(exports.call_shutdown(call.store)).await,
        }
    }
}
