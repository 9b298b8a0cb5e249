//! The team actor: one task per team, owning everything the team is: its
//! spec, its link to the chat, its bot instance, its timers, its CPU share
//! and its published state. Control (update, release) and events arrive on
//! separate bounded channels; nothing else touches the instance or the
//! link.
//!
//! The task first boots the team (`boot.rs`: load the bot, connect,
//! instantiate, `init`, retried until it works or an update fixes it).
//! Then it serves until cancelled, and shuts the bot down and closes the
//! link on the way out. Calls into the bot are in `calls.rs`; control that
//! arrives during one interrupts it (`interrupt.rs`).

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::cpu_share::{CpuShare, Strikes};
use super::error::TeamError;
use super::inbox::Inbox;
use super::interrupt::Held;
use super::status::BotStatus;
use crate::backoff::Backoff;
use crate::capabilities::{Bot, BotRuntime, Capabilities, Compiled};
use crate::chat::{Connector, Link, LinkStatus};
use crate::counters::TeamCounters;
use crate::deadline::sleep_until;
use crate::event::{Event, EventSink};
use crate::metrics::Metrics;
use crate::runtime::BotDigest;
use crate::spec::TeamSpec;
use crate::storage::Storage;
use crate::team_info::TeamInfo;

/// What every team's actor is built from.
pub(crate) struct TeamDeps {
    pub runtime: Arc<BotRuntime>,
    pub connector: Arc<dyn Connector>,
    /// Key-value state and timers, kept across restarts when durable.
    pub storage: Storage,
    pub metrics: Arc<Metrics>,
}

impl std::fmt::Debug for TeamDeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamDeps")
            .field("runtime", &self.runtime)
            .finish_non_exhaustive()
    }
}

/// An operation on the team.
#[derive(Debug)]
pub(super) enum Control {
    /// Boxed: a channel allocates its slots up front, for every team, so
    /// the message is kept small.
    Update {
        spec: Box<TeamSpec>,
        done: oneshot::Sender<Result<(), TeamError>>,
    },
    /// Ends a quarantine now (an operator's decision); answers whether the
    /// team was quarantined.
    Release { done: oneshot::Sender<bool> },
}

/// What the mailbox carries, in order.
#[derive(Debug)]
pub(super) enum Mail {
    Event(Event),
    /// Answered once every earlier event has been handled.
    Flush(oneshot::Sender<()>),
}

/// What the actor publishes for handles to read without a round trip.
#[derive(Debug, Clone)]
pub(super) struct TeamState {
    pub spec: TeamSpec,
    pub digest: Option<BotDigest>,
    /// The contract version the component was built for (`"0.1.0"`).
    pub contract: Option<String>,
    pub bot: BotStatus,
    pub link: Option<watch::Receiver<LinkStatus>>,
}

/// Where the bot stands: a live instance, or the capabilities (timers)
/// waiting for the next one.
pub(super) enum Slot {
    Live(Bot),
    /// Dropped after being idle ([`BotLimits::idle_secs`]); the next event
    /// or timer revives it at once.
    ///
    /// [`BotLimits::idle_secs`]: crate::limits::BotLimits::idle_secs
    Idle {
        caps: Capabilities,
    },
    Down {
        caps: Capabilities,
        retry_at: Option<Instant>,
    },
}

/// A bot kept out after too many strikes.
#[derive(Debug, Clone)]
pub(super) struct Quarantine {
    pub reason: String,
    pub until: Instant,
}

/// What a booted actor is driven by.
pub(super) struct Drive {
    pub control: mpsc::Receiver<Control>,
    pub cancel: CancellationToken,
}

pub(super) struct Supervisor {
    pub(super) spec: TeamSpec,
    pub(super) info: TeamInfo,
    pub(super) compiled: Arc<Compiled>,
    pub(super) link: Option<Box<dyn Link>>,
    pub(super) deps: Arc<TeamDeps>,
    pub(super) inbox: Inbox,
    pub(super) slot: Option<Slot>,
    pub(super) backoff: Backoff,
    pub(super) state: watch::Sender<TeamState>,
    pub(super) counters: Arc<TeamCounters>,
    pub(super) cpu: CpuShare,
    pub(super) strikes: Strikes,
    pub(super) quarantine: Option<Quarantine>,
    pub(super) control: mpsc::Receiver<Control>,
    pub(super) cancel: CancellationToken,
    /// Control (or a cancellation) that arrived during a call.
    pub(super) held: Option<Held>,
    /// Timers and events take turns when both are ready.
    timers_turn: bool,
    /// When the bot last ran (an event, a timer, `init`): an instance idle
    /// for [`BotLimits::idle_secs`](crate::limits::BotLimits::idle_secs)
    /// after it is dropped.
    pub(super) last_run: Instant,
}

impl Supervisor {
    /// Loads the bot (before any network: a bad file is reported at once),
    /// connects the team, starts the bot, then lets events flow. The outer
    /// error means the team cannot be served yet (`drive` comes back with
    /// it); the inner one that it is served but its bot did not start
    /// (refused config, fault).
    pub(super) async fn boot(
        spec: TeamSpec,
        deps: Arc<TeamDeps>,
        inbox: Inbox,
        state: watch::Sender<TeamState>,
        counters: Arc<TeamCounters>,
        drive: Drive,
    ) -> Result<(Self, Result<(), TeamError>), (TeamError, Drive)> {
        let compiled = match deps.runtime.load(&spec.bot).await {
            Ok(compiled) => compiled,
            Err(e) => return Err((e.into(), drive)),
        };
        state.send_modify(|s| {
            s.digest = Some(compiled.digest());
            s.contract = Some(compiled.contract().to_owned());
        });
        let sink: Arc<dyn EventSink> = Arc::new(inbox.clone());
        let link = match deps.connector.connect(&spec, sink).await {
            Ok(link) => link,
            Err(e) => return Err((e.into(), drive)),
        };
        let limits = deps.runtime.limits().clone();
        let mut caps = Capabilities::new(
            spec.id.clone(),
            link.chat(),
            &deps.storage,
            &limits,
            counters.clone(),
        );
        // Timers kept across a restart are back before `init` runs, so a
        // bot that sets its timers in `init` replaces them, not doubles.
        caps.restore_timers().await;
        let link_status = link.status();
        state.send_modify(|s| s.link = Some(link_status));
        let mut supervisor = Self {
            info: link.info().clone(),
            spec,
            compiled,
            link: Some(link),
            deps,
            inbox,
            slot: Some(Slot::Down {
                caps,
                retry_at: None,
            }),
            backoff: Backoff::default(),
            state,
            counters,
            cpu: CpuShare::new(&limits),
            strikes: Strikes::new(&limits),
            quarantine: None,
            control: drive.control,
            cancel: drive.cancel,
            held: None,
            timers_turn: true,
            last_run: Instant::now(),
        };
        let started = supervisor.revive(true).await;
        // The bot is ready (or known to have failed): let events flow.
        if let Some(link) = supervisor.link.as_mut() {
            link.activate();
        }
        tracing::info!(team = %supervisor.spec.id, bot = %supervisor.compiled.digest().short(), "team added");
        Ok((supervisor, started))
    }

    /// Serves until cancelled or every control sender is gone, then shuts
    /// the bot down and closes the link.
    pub(super) async fn run(mut self, mut mail: mpsc::Receiver<Mail>) {
        loop {
            match self.held.take() {
                Some(Held::Cancelled | Held::ControlClosed) => break,
                Some(Held::Control(cmd)) => {
                    Box::pin(self.control(cmd)).await;
                    continue;
                }
                None => {}
            }
            let now = Instant::now();
            let quarantined = self.quarantine.as_ref().map(|q| q.until);
            let throttled = self.cpu.throttled_until(now);
            let may_run = quarantined.is_none() && throttled.is_none();
            let due = if may_run { self.next_timer() } else { None };
            let idle_at = self.idle_at();
            let timers_first = self.timers_turn || mail.is_empty();
            tokio::select! {
                biased;
                () = self.cancel.cancelled() => break,
                // Control is rare and its futures are large (load, relink,
                // revive): boxed, so every team's task stays small.
                cmd = self.control.recv() => match cmd {
                    Some(cmd) => Box::pin(self.control(cmd)).await,
                    None => break,
                },
                () = sleep_until(quarantined), if quarantined.is_some() => {
                    Box::pin(self.release("cool-down over")).await;
                }
                () = sleep_until(idle_at), if idle_at.is_some() => self.evict_idle(),
                // In debt: wake when the share allows the bot again.
                () = sleep_until(throttled), if throttled.is_some() && quarantined.is_none() => {}
                () = sleep_until(due), if due.is_some() && timers_first => {
                    self.timers_turn = false;
                    self.fire_timers().await;
                }
                // While throttled, events wait in the mailbox; while
                // quarantined they are counted and dropped.
                mail = mail.recv(), if may_run || quarantined.is_some() => {
                    self.timers_turn = true;
                    match mail {
                        Some(Mail::Event(event)) => self.deliver(&event).await,
                        Some(Mail::Flush(done)) => {
                            let _ = done.send(());
                        }
                        None => break,
                    }
                }
            }
        }
        self.shutdown().await;
    }

    async fn control(&mut self, cmd: Control) {
        match cmd {
            Control::Update { spec, done } => {
                let result = self.update(*spec).await;
                let _ = done.send(result);
            }
            Control::Release { done } => {
                let was = self.quarantine.is_some();
                if was {
                    self.release("released by an operator").await;
                }
                let _ = done.send(was);
            }
        }
    }

    pub(super) fn publish_bot(&self, status: BotStatus) {
        self.state.send_modify(|s| s.bot = status);
    }

    /// Applies a changed spec. A new token or app gets a new link (the old
    /// one is closed first; if the new one is refused, the team goes on
    /// with the old). Same component and team: `reconfigure` in place. A
    /// new component: the old instance shuts down and a fresh one starts.
    /// Stored state and timers carry over either way. A component that
    /// cannot be loaded changes nothing. An update also ends a quarantine:
    /// it is how an operator ships the fix.
    async fn update(&mut self, spec: TeamSpec) -> Result<(), TeamError> {
        let compiled = self.deps.runtime.load(&spec.bot).await?;
        let relinked = spec.relinks(&self.spec);
        let old_info = self.info.clone();
        if relinked {
            self.relink(&spec).await?;
        }
        if self.quarantine.take().is_some() {
            tracing::info!(team = %self.spec.id, "quarantine ended by an update");
            self.strikes.clear();
            self.cpu.reset(Instant::now());
        }
        let same_team = self.info == old_info;
        let result = self.update_bot(spec, compiled, same_team).await;
        if relinked && let Some(link) = self.link.as_mut() {
            link.activate();
        }
        result
    }

    async fn relink(&mut self, spec: &TeamSpec) -> Result<(), TeamError> {
        // One connection per team at a time: close the old link first.
        if let Some(old) = self.link.take() {
            old.close().await;
        }
        let sink: Arc<dyn EventSink> = Arc::new(self.inbox.clone());
        match self.deps.connector.connect(spec, sink.clone()).await {
            Ok(link) => {
                self.info = link.info().clone();
                self.attach(link);
                Ok(())
            }
            Err(error) => {
                // Keep serving with the old token rather than not at all.
                if let Ok(mut old) = self.deps.connector.connect(&self.spec, sink).await {
                    old.activate();
                    self.attach(old);
                }
                Err(error.into())
            }
        }
    }

    fn attach(&mut self, link: Box<dyn Link>) {
        let chat = link.chat();
        if let Some(caps) = self.caps_mut() {
            caps.set_chat(chat);
        }
        let status = link.status();
        self.state.send_modify(|s| s.link = Some(status));
        self.link = Some(link);
    }

    async fn update_bot(
        &mut self,
        spec: TeamSpec,
        compiled: Arc<Compiled>,
        same_team: bool,
    ) -> Result<(), TeamError> {
        let team = spec.id.clone();
        let same_bot = compiled.digest() == self.compiled.digest();
        if same_bot
            && same_team
            && let Some(Slot::Live(bot)) = self.slot.as_mut()
        {
            let result = bot.reconfigure(&spec.config).await;
            return match result {
                Ok(Ok(())) => {
                    self.set_spec(spec);
                    Ok(())
                }
                // The bot keeps its old config, and so does the team: a
                // later re-instantiation must not start from a config the
                // bot refused.
                Ok(Err(failure)) => {
                    let config = std::mem::take(&mut self.spec.config);
                    self.set_spec(TeamSpec { config, ..spec });
                    Err(TeamError::ReconfigureRefused { team, failure })
                }
                Err(error) => {
                    self.set_spec(spec);
                    self.fault("reconfigure", &error);
                    Err(TeamError::Call { team, error })
                }
            };
        }
        // A new component (or a bot that was down): retire the old
        // instance and start a fresh one with the new config. Timers carry
        // over.
        self.set_spec(spec);
        self.compiled = compiled;
        let (digest, contract) = (self.compiled.digest(), self.compiled.contract().to_owned());
        self.state.send_modify(|s| {
            s.digest = Some(digest);
            s.contract = Some(contract);
        });
        if let Some(Slot::Live(bot)) = self.slot.as_mut() {
            let _ = bot
                .shutdown(self.deps.runtime.limits().shutdown_grace())
                .await;
        }
        self.backoff.succeed();
        self.publish_bot(BotStatus::Starting);
        self.revive(true).await
    }

    fn set_spec(&mut self, spec: TeamSpec) {
        self.spec = spec;
        let published = self.spec.clone();
        self.state.send_modify(|s| s.spec = published);
    }

    async fn shutdown(&mut self) {
        if let Some(Slot::Live(bot)) = self.slot.as_mut() {
            let grace = self.deps.runtime.limits().shutdown_grace();
            if let Err(error) = bot.shutdown(grace).await {
                tracing::warn!(team = %self.spec.id, %error, "bot shutdown failed");
            }
        }
        self.slot = None;
        if let Some(link) = self.link.take() {
            link.close().await;
        }
        self.publish_bot(BotStatus::Stopped);
    }
}
