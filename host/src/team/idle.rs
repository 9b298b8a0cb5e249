//! Idle eviction: a team whose bot has not run for a while gives its
//! instance (memory, pool slot) back, and the next event or timer revives
//! it with a fresh instance and `init`, as after a crash but without the
//! backoff. The capabilities (timers, key-value handle, budgets) stay with
//! the actor, so nothing the host keeps for the bot is lost.

use tokio::time::Instant;

use super::supervisor::{Slot, Supervisor};

impl Supervisor {
    /// When the live instance, if any, becomes idle enough to drop.
    pub(super) fn idle_at(&self) -> Option<Instant> {
        let idle_after = self.deps.runtime.limits().idle_after()?;
        matches!(self.slot, Some(Slot::Live(_))).then(|| self.last_run + idle_after)
    }

    /// Drops the live instance, keeping its capabilities. No export is
    /// called: a bot keeps what matters in key-value state, since an
    /// instance can end at any time (a crash, a restart, this).
    pub(super) fn evict_idle(&mut self) {
        let Some(Slot::Live(_)) = self.slot else {
            return;
        };
        let Some(caps) = self.take_caps() else { return };
        self.slot = Some(Slot::Idle { caps });
        self.counters.idle_eviction();
        self.deps.metrics.idle_evictions.inc();
        tracing::debug!(team = %self.spec.id, "idle bot instance dropped");
    }
}
