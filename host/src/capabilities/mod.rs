//! Host capabilities granted to bots: the one `bindgen!` of the WIT
//! contract, the conversions to the host's types, the world the runtime
//! hosts ([`BotWorld`]), typed calls into a bot ([`Bot`]), and one file per
//! WIT interface implementing its generated host trait on
//! [`Capabilities`]. They reach the outside only through the adapter
//! traits (`ChatBackend`, `KvStore`). The team id comes from here, never
//! from the guest, so a bot cannot reach another team.

mod bindings;
mod bot;
mod channels;
mod chat;
mod convert;
mod kv;
mod legacy;
mod log;
mod post_budget;
mod post_guard;
mod timer_set;
mod timers;
mod world;

use std::sync::Arc;

pub use bot::{Bot, BotFailure, BotRuntime, CallResult, Compiled};
pub use post_budget::PostBudget;
pub use post_guard::{PostGuard, Refused};
pub use timer_set::{TimerError, TimerSet};
pub use world::BotWorld;

use crate::chat::ChatBackend;
use crate::counters::TeamCounters;
use crate::ids::TeamId;
use crate::limits::BotLimits;
use crate::log_budget::LogBudget;
use crate::storage::{KvStore, Storage, TimerStore};

/// Everything a bot instance may use, bound to its team.
pub struct Capabilities {
    team: TeamId,
    chat: Arc<dyn ChatBackend>,
    kv: Arc<dyn KvStore>,
    timers: TimerSet,
    /// Where the team's timers are kept across restarts.
    timer_store: Arc<dyn TimerStore>,
    posts: PostGuard,
    /// Reactions, typing and opening DMs: calls too, with a budget of
    /// their own so a bot's posts are not starved by them.
    actions: PostBudget,
    log: Arc<LogBudget>,
}

impl std::fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Capabilities")
            .field("team", &self.team)
            .field("timers", &self.timers)
            .finish_non_exhaustive()
    }
}

impl Capabilities {
    /// Capabilities bound to `team`; what the bot drops (log lines) is
    /// counted in `counters`.
    pub fn new(
        team: TeamId,
        chat: Arc<dyn ChatBackend>,
        storage: &Storage,
        limits: &BotLimits,
        counters: Arc<TeamCounters>,
    ) -> Self {
        Self {
            team,
            chat,
            kv: storage.kv.clone(),
            timers: TimerSet::new(limits.max_timers),
            timer_store: storage.timers.clone(),
            posts: PostGuard::new(limits),
            actions: PostBudget::new(limits.actions_per_minute, limits.action_burst),
            log: Arc::new(LogBudget::new(limits, counters)),
        }
    }

    /// The team's log budget, shared by `log` and the guest's output.
    pub fn log_budget(&self) -> &Arc<LogBudget> {
        &self.log
    }

    /// The team these capabilities are bound to.
    pub fn team(&self) -> &TeamId {
        &self.team
    }

    pub fn timers_mut(&mut self) -> &mut TimerSet {
        &mut self.timers
    }

    /// Puts back the team's timers kept in its database (at boot, before
    /// `init`; see [`TimerSet::restore`]).
    pub async fn restore_timers(&mut self) {
        match self.timer_store.load(&self.team).await {
            Ok(stored) => self.timers.restore(stored),
            Err(e) => {
                tracing::warn!(team = %self.team, error = %e, "stored timers not loaded");
            }
        }
    }

    /// Points the bot's chat calls at a new link of the same team (after
    /// its token changed).
    pub fn set_chat(&mut self, chat: Arc<dyn ChatBackend>) {
        self.chat = chat;
    }
}

/// Largest text a `log` or `chat` call takes, in bytes. A bigger one is a
/// trap: the bot asked the host to copy far more than any such call needs
/// (a message is at most 4,000 characters), and the copy has already cost
/// the host's CPU, which is charged. Key-value calls answer with their own
/// errors (`invalid-key`, `quota-exceeded`), as a too-big value is an easy
/// mistake for a well-meaning bot.
pub(crate) const MAX_ARGUMENT: usize = 1 << 20;

/// Traps a call whose `what` argument is over [`MAX_ARGUMENT`].
fn check_argument(what: &str, len: usize) -> wasmtime::Result<()> {
    if len > MAX_ARGUMENT {
        return Err(wasmtime::format_err!(
            "host-call argument `{what}` of {len} bytes is over the {MAX_ARGUMENT}-byte limit"
        ));
    }
    Ok(())
}

/// `bothost:bot/types` has no functions; the generated trait is empty.
impl bindings::types::Host for Capabilities {}
