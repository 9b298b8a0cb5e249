//! Host capabilities granted to bots, one file per WIT interface. Each
//! implements the generated host trait on [`Capabilities`], and reaches the
//! outside only through the adapter traits (`ChatBackend`, `KvStore`). The
//! team id comes from here, never from the guest, so a bot cannot reach
//! another team.

mod chat;
mod kv;
mod log;
mod post_budget;
mod timer_set;
mod timers;

use std::sync::Arc;

pub use post_budget::PostBudget;
pub use timer_set::{TimerError, TimerSet};

use crate::chat::ChatBackend;
use crate::ids::TeamId;
use crate::limits::BotLimits;
use crate::storage::KvStore;

/// Everything a bot instance may use, bound to its team.
pub struct Capabilities {
    team: TeamId,
    chat: Arc<dyn ChatBackend>,
    kv: Arc<dyn KvStore>,
    timers: TimerSet,
    posts: PostBudget,
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
    pub fn new(
        team: TeamId,
        chat: Arc<dyn ChatBackend>,
        kv: Arc<dyn KvStore>,
        limits: &BotLimits,
    ) -> Self {
        Self {
            team,
            chat,
            kv,
            timers: TimerSet::new(limits.max_timers),
            posts: PostBudget::new(limits.posts_per_minute, limits.post_burst),
        }
    }

    /// The team these capabilities are bound to.
    pub fn team(&self) -> &TeamId {
        &self.team
    }

    pub fn timers_mut(&mut self) -> &mut TimerSet {
        &mut self.timers
    }
}

/// `bothost:bot/types` has no functions; the generated trait is empty.
impl crate::runtime::bindings::types::Host for Capabilities {}
