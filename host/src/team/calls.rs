//! Calls into a team's bot: events and timers, each charged to the team's
//! CPU share, each interruptible by control; faults, backoff, revival and
//! quarantine.

use tokio::time::Instant;

use super::error::TeamError;
use super::interrupt::interruptible;
use super::status::BotStatus;
use super::supervisor::{Quarantine, Slot, Supervisor};
use crate::capabilities::{Bot, CallResult, Capabilities};
use crate::event::Event;
use crate::runtime::CallError;

impl Supervisor {
    pub(super) fn next_timer(&mut self) -> Option<Instant> {
        match self.slot.as_mut()? {
            Slot::Live(bot) => bot.timers_mut().next_due(),
            Slot::Idle { caps } => caps.timers_mut().next_due(),
            Slot::Down { caps, retry_at } => {
                // While down, wake for timers no earlier than the retry time.
                let due = caps.timers_mut().next_due()?;
                Some(retry_at.map_or(due, |r| due.max(r)))
            }
        }
    }

    pub(super) async fn deliver(&mut self, event: &Event) {
        if self.quarantine.is_some() {
            self.counters.event_dropped();
            self.deps.metrics.events_dropped.inc();
            return;
        }
        if !self.ensure_live().await {
            tracing::debug!(team = %self.spec.id, event = event.type_name(), "bot down; event dropped");
            return;
        }
        let Some(Slot::Live(bot)) = self.slot.as_mut() else {
            return;
        };
        let interrupter = bot.interrupter();
        let result = interruptible(
            bot.on_event(event),
            interrupter,
            &mut self.control,
            &self.cancel,
            &mut self.held,
        )
        .await;
        self.deps.metrics.event(event.kind());
        self.counters.event();
        self.settle("on-event", result);
    }

    pub(super) async fn fire_timers(&mut self) {
        loop {
            // Control, a quarantine or a throttle that came up during an
            // earlier timer goes first; the timers still due stay due (a
            // one-shot timer is never lost to a throttle).
            if self.held.is_some()
                || self.quarantine.is_some()
                || self.cpu.throttled_until(Instant::now()).is_some()
            {
                return;
            }
            let now = Instant::now();
            let next = match self.slot.as_mut() {
                Some(Slot::Live(bot)) => bot.timers_mut().pop_next_due(now),
                Some(Slot::Down { caps, .. } | Slot::Idle { caps }) => {
                    caps.timers_mut().pop_next_due(now)
                }
                None => None,
            };
            let Some(name) = next else { return };
            if !self.ensure_live().await {
                tracing::debug!(team = %self.spec.id, timer = %name, "bot down; timer skipped");
                self.keep_timer(&name).await;
                continue;
            }
            let Some(Slot::Live(bot)) = self.slot.as_mut() else {
                continue;
            };
            let interrupter = bot.interrupter();
            let result = interruptible(
                bot.on_timer(&name),
                interrupter,
                &mut self.control,
                &self.cancel,
                &mut self.held,
            )
            .await;
            self.settle("on-timer", result);
            self.keep_timer(&name).await;
        }
    }

    /// Writes a fired timer as it now stands: a periodic one with its next
    /// due time, a one-shot one gone (after its call, so a crash during the
    /// call fires it again after the restart rather than never).
    async fn keep_timer(&mut self, name: &str) {
        match self.slot.as_mut() {
            Some(Slot::Live(bot)) => bot.capabilities_mut().keep_timer(name).await,
            Some(Slot::Down { caps, .. } | Slot::Idle { caps }) => caps.keep_timer(name).await,
            None => {}
        }
    }

    /// Whether there is a live instance, re-creating it if the backoff has
    /// passed.
    async fn ensure_live(&mut self) -> bool {
        let ready = match &self.slot {
            Some(Slot::Down { retry_at, .. }) => retry_at.is_some_and(|at| Instant::now() >= at),
            Some(Slot::Idle { .. }) => true,
            _ => return matches!(self.slot, Some(Slot::Live(_))),
        };
        if !ready || self.revive(false).await.is_err() {
            return false;
        }
        matches!(self.slot, Some(Slot::Live(_)))
    }

    /// Records the outcome of a call (`None`: it was dropped half way):
    /// its CPU is charged to the team's share; a bot error is logged; a
    /// trap or timeout poisons the instance and starts the backoff.
    fn settle(&mut self, export: &str, result: Option<CallResult>) {
        self.last_run = Instant::now();
        let used = match &self.slot {
            Some(Slot::Live(bot)) => bot.last_call_cpu(),
            _ => std::time::Duration::ZERO,
        };
        self.counters.cpu(used);
        let now = Instant::now();
        if self.cpu.charge(used, now) {
            self.counters.throttle();
            tracing::info!(team = %self.spec.id, used_ms = used.as_millis(), "bot over its CPU share; throttled");
            self.strike(now, "over its CPU share");
        }
        match result {
            Some(Ok(Ok(()))) => {
                if self.backoff.failures() > 0 {
                    self.backoff.succeed();
                    self.publish_bot(BotStatus::Running);
                }
            }
            Some(Ok(Err(failure))) => {
                tracing::warn!(team = %self.spec.id, export, error = %failure, "bot reported an error");
            }
            Some(Err(CallError::Interrupted)) | None => self.retire(export),
            Some(Err(error)) => self.fault(export, &error),
        }
    }

    /// The host ended a call to serve control: the instance is gone, but
    /// that is no fault of the bot's; the next event gets a fresh one.
    fn retire(&mut self, export: &str) {
        let Some(caps) = self.take_caps() else { return };
        tracing::info!(team = %self.spec.id, export, "bot call interrupted for a control operation");
        self.slot = Some(Slot::Down {
            caps,
            retry_at: Some(Instant::now()),
        });
    }

    pub(super) fn fault(&mut self, export: &str, error: &CallError) {
        let Some(caps) = self.take_caps() else { return };
        self.back_off(caps, export, &error.to_string());
        if self.quarantine.is_none() {
            self.strike(Instant::now(), &format!("{export}: {error}"));
        }
    }

    /// Counts a strike; too many within the window quarantine the bot.
    fn strike(&mut self, now: Instant, reason: &str) {
        self.counters.fault();
        if self.quarantine.is_none() && self.strikes.strike(now) {
            self.enter_quarantine(now, reason);
        }
    }

    fn enter_quarantine(&mut self, now: Instant, reason: &str) {
        let limits = self.deps.runtime.limits();
        let cool_down = std::time::Duration::from_secs(limits.quarantine_secs);
        let reason = format!("{} strikes, the last: {reason}", limits.strikes);
        tracing::warn!(team = %self.spec.id, %reason, cool_down = ?cool_down, "bot quarantined");
        self.counters.quarantine();
        self.deps.metrics.quarantines.inc();
        if let Some(caps) = self.take_caps() {
            self.slot = Some(Slot::Down {
                caps,
                retry_at: None,
            });
        }
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.publish_bot(BotStatus::Quarantined {
            reason: reason.clone(),
            since_unix_secs: since,
            retry_in_ms: u64::try_from(cool_down.as_millis()).unwrap_or(u64::MAX),
        });
        self.quarantine = Some(Quarantine {
            reason,
            until: now + cool_down,
        });
    }

    /// Ends a quarantine and starts the bot afresh.
    pub(super) async fn release(&mut self, why: &str) {
        let Some(q) = self.quarantine.take() else {
            return;
        };
        tracing::info!(team = %self.spec.id, why, was = %q.reason, "bot released from quarantine");
        self.strikes.clear();
        self.cpu.reset(Instant::now());
        self.backoff.succeed();
        self.publish_bot(BotStatus::Starting);
        let _ = self.revive(false).await;
    }

    /// Ends the current instance, if any, keeping its capabilities.
    pub(super) fn take_caps(&mut self) -> Option<Capabilities> {
        match self.slot.take()? {
            Slot::Live(bot) => Some(bot.into_capabilities()),
            Slot::Down { caps, .. } | Slot::Idle { caps } => Some(caps),
        }
    }

    pub(super) fn caps_mut(&mut self) -> Option<&mut Capabilities> {
        match self.slot.as_mut()? {
            Slot::Live(bot) => Some(bot.capabilities_mut()),
            Slot::Down { caps, .. } | Slot::Idle { caps } => Some(caps),
        }
    }

    /// The bot is down (trap, timeout, failed instantiation): keep its
    /// capabilities, count the failure, and retry after the backoff.
    fn back_off(&mut self, caps: Capabilities, during: &str, reason: &str) {
        self.deps.metrics.traps.inc();
        let wait = self.backoff.fail();
        let traps = self.backoff.failures();
        tracing::warn!(team = %self.spec.id, during, reason, traps, retry_in = ?wait, "bot down; instance dropped");
        self.slot = Some(Slot::Down {
            caps,
            retry_at: Some(Instant::now() + wait),
        });
        self.publish_bot(BotStatus::Faulted {
            traps,
            last_error: reason.to_owned(),
            retry_in_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
        });
    }

    /// Makes a fresh instance and runs `init`. On failure the slot stays
    /// down: after a trap with a retry time, after a refusal without one
    /// (only an update can fix the config).
    pub(super) async fn revive(&mut self, first: bool) -> Result<(), TeamError> {
        let team = self.spec.id.clone();
        let was_idle = matches!(self.slot, Some(Slot::Idle { .. }));
        let Some(caps) = self.take_caps() else {
            return Err(TeamError::Closed(team));
        };
        let mut bot = match Bot::instantiate(&self.deps.runtime, &self.compiled, caps).await {
            Ok(bot) => bot,
            Err((error, caps)) => {
                // Often transient (the instance pool is full): back off and
                // retry on the next event, like a trap.
                self.back_off(caps, "instantiate", &error.to_string());
                return Err(error.into());
            }
        };
        let init = bot.init(&self.info, &self.spec.config).await;
        self.last_run = Instant::now();
        let used = bot.last_call_cpu();
        self.counters.cpu(used);
        self.cpu.charge(used, Instant::now());
        match init {
            Ok(Ok(())) => {
                if was_idle {
                    tracing::debug!(%team, "idle bot revived");
                } else if !first {
                    tracing::info!(%team, "bot re-instantiated");
                }
                self.slot = Some(Slot::Live(bot));
                self.publish_bot(BotStatus::Running);
                Ok(())
            }
            Ok(Err(failure)) => {
                tracing::warn!(%team, error = %failure, "bot init refused");
                self.slot = Some(Slot::Down {
                    caps: bot.into_capabilities(),
                    retry_at: None,
                });
                self.publish_bot(BotStatus::Failed {
                    reason: failure.to_string(),
                });
                Err(TeamError::InitRefused { team, failure })
            }
            Err(error) => {
                self.slot = Some(Slot::Live(bot));
                self.fault("init", &error);
                Err(TeamError::Call { team, error })
            }
        }
    }
}
