//! The team actor: one task per team, owning the bot instance, its timers
//! and its status. Commands arrive through a bounded mailbox and are handled
//! strictly in order; the instance is never touched from anywhere else.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::backoff::Backoff;
use super::error::TeamError;
use super::spec::TeamSpec;
use super::status::BotStatus;
use crate::capabilities::Capabilities;
use crate::chat::ChatBackend;
use crate::deadline::sleep_until;
use crate::event::Event;
use crate::metrics::Metrics;
use crate::runtime::{BotInstance, BotRuntime, CallError, CompiledBot};
use crate::storage::KvStore;

/// A command for the actor.
#[derive(Debug)]
pub(super) enum Command {
    Event(Event),
    Update {
        spec: TeamSpec,
        bot: Arc<CompiledBot>,
        done: oneshot::Sender<Result<(), TeamError>>,
    },
    /// Answered once every earlier command has been handled.
    Flush(oneshot::Sender<()>),
}

/// Where the bot stands: a live instance, or the capabilities (timers)
/// waiting for the next one.
enum Slot {
    Live(BotInstance),
    Down {
        caps: Capabilities,
        retry_at: Option<Instant>,
    },
}

pub(super) struct Supervisor {
    spec: TeamSpec,
    bot: Arc<CompiledBot>,
    runtime: Arc<BotRuntime>,
    slot: Option<Slot>,
    backoff: Backoff,
    status: watch::Sender<BotStatus>,
    metrics: Arc<Metrics>,
}

impl Supervisor {
    pub(super) fn new(
        spec: TeamSpec,
        bot: Arc<CompiledBot>,
        runtime: Arc<BotRuntime>,
        chat: Arc<dyn ChatBackend>,
        kv: Arc<dyn KvStore>,
        status: watch::Sender<BotStatus>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let caps = Capabilities::new(spec.id().clone(), chat, kv, runtime.limits());
        Self {
            spec,
            bot,
            runtime,
            slot: Some(Slot::Down {
                caps,
                retry_at: None,
            }),
            backoff: Backoff::default(),
            status,
            metrics,
        }
    }

    /// Starts the bot: instantiate and `init`.
    ///
    /// # Errors
    /// When instantiation fails or `init` refuses or traps.
    pub(super) async fn start(&mut self) -> Result<(), TeamError> {
        self.status.send_replace(BotStatus::Starting);
        self.revive(true).await
    }

    /// Runs until cancelled or every sender is gone, then shuts the bot down.
    pub(super) async fn run(
        mut self,
        mut mailbox: mpsc::Receiver<Command>,
        cancel: CancellationToken,
    ) {
        loop {
            let due = self.next_timer();
            tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                // Timers first, so a never-empty mailbox cannot starve them.
                () = sleep_until(due), if due.is_some() => self.fire_timers().await,
                cmd = mailbox.recv() => match cmd {
                    Some(cmd) => self.handle(cmd).await,
                    None => break,
                },
            }
        }
        self.shutdown().await;
    }

    fn next_timer(&mut self) -> Option<Instant> {
        match self.slot.as_mut()? {
            Slot::Live(instance) => instance.timers_mut().next_due(),
            Slot::Down { caps, retry_at } => {
                // While down, wake for timers no earlier than the retry time.
                let due = caps.timers_mut().next_due()?;
                Some(retry_at.map_or(due, |r| due.max(r)))
            }
        }
    }

    async fn handle(&mut self, cmd: Command) {
        match cmd {
            Command::Event(event) => self.deliver(&event).await,
            Command::Update { spec, bot, done } => {
                let result = self.update(spec, bot).await;
                let _ = done.send(result);
            }
            Command::Flush(done) => {
                let _ = done.send(());
            }
        }
    }

    async fn deliver(&mut self, event: &Event) {
        let Some(instance) = self.live().await else {
            tracing::debug!(team = %self.spec.id(), event = event.type_name(), "bot down; event dropped");
            return;
        };
        let result = instance.on_event(event).await;
        self.metrics.event(event.kind());
        self.settle("on-event", result);
    }

    async fn fire_timers(&mut self) {
        let due = match self.slot.as_mut() {
            Some(Slot::Live(instance)) => instance.timers_mut().pop_due(Instant::now()),
            Some(Slot::Down { caps, .. }) => caps.timers_mut().pop_due(Instant::now()),
            None => Vec::new(),
        };
        for name in due {
            let Some(instance) = self.live().await else {
                tracing::debug!(team = %self.spec.id(), timer = %name, "bot down; timer skipped");
                continue;
            };
            let result = instance.on_timer(&name).await;
            self.settle("on-timer", result);
        }
    }

    /// The live instance, re-creating it if the backoff has passed.
    async fn live(&mut self) -> Option<&mut BotInstance> {
        if let Some(Slot::Down { retry_at, .. }) = &self.slot {
            let ready = retry_at.is_some_and(|at| Instant::now() >= at);
            if !ready || self.revive(false).await.is_err() {
                return None;
            }
        }
        match self.slot.as_mut() {
            Some(Slot::Live(instance)) => Some(instance),
            _ => None,
        }
    }

    /// Records the outcome of a call: a bot error is logged, a trap or
    /// timeout poisons the instance and starts the backoff.
    fn settle(&mut self, export: &str, result: crate::runtime::CallResult) {
        let team = self.spec.id().clone();
        match result {
            Ok(Ok(())) => {
                if self.backoff.failures() > 0 {
                    self.backoff.succeed();
                    self.status.send_replace(BotStatus::Running);
                }
            }
            Ok(Err(failure)) => {
                tracing::warn!(%team, export, error = %failure, "bot reported an error");
            }
            Err(error) => self.fault(export, &error),
        }
    }

    fn fault(&mut self, export: &str, error: &CallError) {
        let Some(caps) = self.take_caps() else { return };
        self.back_off(caps, export, &error.to_string());
    }

    /// Ends the current instance, if any, keeping its capabilities.
    fn take_caps(&mut self) -> Option<Capabilities> {
        match self.slot.take()? {
            Slot::Live(instance) => Some(instance.into_capabilities()),
            Slot::Down { caps, .. } => Some(caps),
        }
    }

    /// The bot is down (trap, timeout, failed instantiation): keep its
    /// capabilities, count the failure, and retry after the backoff.
    fn back_off(&mut self, caps: Capabilities, during: &str, reason: &str) {
        self.metrics.traps.inc();
        let wait = self.backoff.fail();
        let traps = self.backoff.failures();
        tracing::warn!(team = %self.spec.id(), during, reason, traps, retry_in = ?wait, "bot down; instance dropped");
        self.slot = Some(Slot::Down {
            caps,
            retry_at: Some(Instant::now() + wait),
        });
        self.status.send_replace(BotStatus::Faulted {
            traps,
            last_error: reason.to_owned(),
            retry_in_ms: u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
        });
    }

    /// Makes a fresh instance and runs `init`. On failure the slot stays
    /// down: after a trap with a retry time, after a refusal without one
    /// (only an update can fix the config).
    async fn revive(&mut self, first: bool) -> Result<(), TeamError> {
        let team = self.spec.id().clone();
        let Some(caps) = self.take_caps() else {
            return Err(TeamError::Closed(team));
        };
        let mut instance = match self.runtime.instantiate(&self.bot, caps).await {
            Ok(instance) => instance,
            Err((error, caps)) => {
                // Often transient (the instance pool is full): back off and
                // retry on the next event, like a trap.
                self.back_off(caps, "instantiate", &error.to_string());
                return Err(error.into());
            }
        };
        match instance.init(&self.spec.info, &self.spec.config).await {
            Ok(Ok(())) => {
                if !first {
                    tracing::info!(%team, "bot re-instantiated");
                }
                self.slot = Some(Slot::Live(instance));
                self.status.send_replace(BotStatus::Running);
                Ok(())
            }
            Ok(Err(failure)) => {
                tracing::warn!(%team, error = %failure, "bot init refused");
                self.slot = Some(Slot::Down {
                    caps: instance.into_capabilities(),
                    retry_at: None,
                });
                self.status.send_replace(BotStatus::Failed {
                    reason: failure.to_string(),
                });
                Err(TeamError::InitRefused { team, failure })
            }
            Err(error) => {
                self.slot = Some(Slot::Live(instance));
                self.fault("init", &error);
                Err(TeamError::Call { team, error })
            }
        }
    }

    async fn update(&mut self, spec: TeamSpec, bot: Arc<CompiledBot>) -> Result<(), TeamError> {
        let same_bot = bot.digest() == self.bot.digest();
        let same_team = spec.info == self.spec.info;
        if same_bot
            && same_team
            && let Some(Slot::Live(instance)) = self.slot.as_mut()
        {
            let result = instance.reconfigure(&spec.config).await;
            let team = self.spec.id().clone();
            return match result {
                Ok(Ok(())) => {
                    self.spec = spec;
                    Ok(())
                }
                // The bot keeps its old config, and so does the team: a
                // later re-instantiation must not start from a config the
                // bot refused.
                Ok(Err(failure)) => Err(TeamError::ReconfigureRefused { team, failure }),
                Err(error) => {
                    self.spec = spec;
                    self.fault("reconfigure", &error);
                    Err(TeamError::Call { team, error })
                }
            };
        }
        self.spec = spec;
        self.bot = bot;
        // A new component (or a bot that was down): retire the old instance
        // and start a fresh one with the new config. Timers carry over.
        if let Some(Slot::Live(instance)) = self.slot.as_mut() {
            let _ = instance
                .shutdown(self.runtime.limits().shutdown_grace())
                .await;
        }
        self.backoff.succeed();
        self.status.send_replace(BotStatus::Starting);
        self.revive(true).await
    }

    async fn shutdown(&mut self) {
        if let Some(Slot::Live(instance)) = self.slot.as_mut() {
            let grace = self.runtime.limits().shutdown_grace();
            if let Err(error) = instance.shutdown(grace).await {
                tracing::warn!(team = %self.spec.id(), %error, "bot shutdown failed");
            }
        }
        self.slot = None;
        self.status.send_replace(BotStatus::Stopped);
    }
}
