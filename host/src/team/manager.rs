//! The team manager: adds, updates and removes teams, each a supervised
//! actor running its own bot instance. It holds only handles; teams share
//! no mutable state.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use super::error::TeamError;
use super::handle::TeamHandle;
use super::spec::TeamSpec;
use super::status::BotStatus;
use super::supervisor::{Command, Supervisor};
use crate::chat::ChatBackend;
use crate::event::Event;
use crate::ids::TeamId;
use crate::metrics::Metrics;
use crate::runtime::{BotDigest, BotRuntime};
use crate::shutdown::Shutdown;
use crate::storage::KvStore;

/// One row of [`TeamManager::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamReport {
    pub team: TeamId,
    pub bot: String,
    pub digest: BotDigest,
    pub status: BotStatus,
}

struct Entry {
    handle: TeamHandle,
    spec: TeamSpec,
    digest: BotDigest,
    scope: Shutdown,
    task: JoinHandle<()>,
}

/// Serves many teams, one actor each.
pub struct TeamManager {
    runtime: Arc<BotRuntime>,
    chat: Arc<dyn ChatBackend>,
    kv: Arc<dyn KvStore>,
    shutdown: Shutdown,
    metrics: Arc<Metrics>,
    teams: Mutex<HashMap<TeamId, Entry>>,
}

impl std::fmt::Debug for TeamManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamManager")
            .field("teams", &self.lock().len())
            .finish_non_exhaustive()
    }
}

impl TeamManager {
    /// A manager whose team tasks live under `shutdown`.
    pub fn new(
        runtime: Arc<BotRuntime>,
        chat: Arc<dyn ChatBackend>,
        kv: Arc<dyn KvStore>,
        shutdown: Shutdown,
    ) -> Self {
        Self {
            runtime,
            chat,
            kv,
            shutdown,
            metrics: Arc::default(),
            teams: Mutex::default(),
        }
    }

    /// Counts into `metrics` (shared with the rest of the host).
    #[must_use]
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// The metrics this manager counts into.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TeamId, Entry>> {
        self.teams.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts serving a team: loads its bot, instantiates it and runs
    /// `init`. Adding a team that is already served does nothing (the
    /// resourcer may announce a team twice).
    ///
    /// If `init` refuses the config the team stays registered with status
    /// `failed`, so an update with a fixed config can start it.
    ///
    /// # Errors
    /// The component cannot be loaded (the team is not added), or the bot
    /// could not start (the team is added, in status `failed`/`faulted`).
    pub async fn add(&self, spec: TeamSpec) -> Result<(), TeamError> {
        let team = spec.id().clone();
        if self.lock().contains_key(&team) {
            tracing::info!(%team, "team already served; add ignored");
            return Ok(());
        }
        let bot = self.runtime.load(&spec.bot).await?;
        let (status_tx, status_rx) = watch::channel(BotStatus::Starting);
        let mut supervisor = Supervisor::new(
            spec.clone(),
            bot.clone(),
            self.runtime.clone(),
            self.chat.clone(),
            self.kv.clone(),
            status_tx,
            self.metrics.clone(),
        );
        let started = supervisor.start().await;
        let (mailbox_tx, mailbox_rx) = mpsc::channel(self.runtime.limits().mailbox.max(1));
        let handle = TeamHandle::new(team.clone(), mailbox_tx, status_rx);
        let scope = self.shutdown.child();
        let mut teams = self.lock();
        if teams.contains_key(&team) {
            // Lost a race with a concurrent add of the same team.
            return Ok(());
        }
        let task = self
            .shutdown
            .spawn(supervisor.run(mailbox_rx, scope.token().clone()));
        teams.insert(
            team.clone(),
            Entry {
                handle,
                spec,
                digest: bot.digest(),
                scope,
                task,
            },
        );
        drop(teams);
        tracing::info!(%team, bot = %bot.digest().short(), "team added");
        started
    }

    /// Applies a changed spec. Same component: `reconfigure` on the live
    /// instance (its memory and state kept). New component: the old
    /// instance shuts down and a new one starts; stored state and timers
    /// carry over.
    ///
    /// # Errors
    /// Unknown team, a component that cannot be loaded (the old bot keeps
    /// running), or a bot that refused the new config.
    pub async fn update(&self, spec: TeamSpec) -> Result<(), TeamError> {
        let team = spec.id().clone();
        let handle = self
            .handle(&team)
            .ok_or_else(|| TeamError::UnknownTeam(team.clone()))?;
        let bot = self.runtime.load(&spec.bot).await?;
        let (done, answer) = oneshot::channel();
        handle
            .command(Command::Update {
                spec: spec.clone(),
                bot: bot.clone(),
                done,
            })
            .await?;
        let result = answer.await.map_err(|_| TeamError::Closed(team.clone()))?;
        // A refused reconfigure leaves the team as it was.
        if !matches!(result, Err(TeamError::ReconfigureRefused { .. }))
            && let Some(entry) = self.lock().get_mut(&team)
        {
            entry.spec = spec;
            entry.digest = bot.digest();
        }
        result
    }

    /// Stops serving a team: `shutdown` with a bounded wait, then the
    /// instance is dropped. Removing an unknown team does nothing.
    /// Returns whether the team was served.
    pub async fn remove(&self, team: &TeamId) -> bool {
        let Some(entry) = self.lock().remove(team) else {
            tracing::info!(%team, "team not served; remove ignored");
            return false;
        };
        self.stop(team, entry).await;
        true
    }

    async fn stop(&self, team: &TeamId, entry: Entry) {
        entry.scope.cancel();
        let grace = self.runtime.limits().shutdown_grace() + Duration::from_secs(1);
        let mut task = entry.task;
        if tokio::time::timeout(grace, &mut task).await.is_err() {
            tracing::warn!(%team, "team did not stop in time; aborting");
            task.abort();
        }
        tracing::info!(%team, "team removed");
    }

    /// The handle of a served team.
    pub fn handle(&self, team: &TeamId) -> Option<TeamHandle> {
        self.lock().get(team).map(|e| e.handle.clone())
    }

    /// Routes an event to a team without waiting (see
    /// [`TeamHandle::try_deliver`]).
    ///
    /// # Errors
    /// Unknown team, full mailbox, or a team shutting down.
    pub fn dispatch(&self, team: &TeamId, event: Event) -> Result<(), TeamError> {
        self.handle(team)
            .ok_or_else(|| TeamError::UnknownTeam(team.clone()))?
            .try_deliver(event)
    }

    /// The spec a team is served with.
    pub fn spec(&self, team: &TeamId) -> Option<TeamSpec> {
        self.lock().get(team).map(|e| e.spec.clone())
    }

    /// Every served team with its status, sorted by id.
    pub fn list(&self) -> Vec<TeamReport> {
        let mut rows: Vec<TeamReport> = self
            .lock()
            .values()
            .map(|e| TeamReport {
                team: e.handle.team().clone(),
                bot: e.spec.bot.display().to_string(),
                digest: e.digest,
                status: e.handle.status(),
            })
            .collect();
        rows.sort_by(|a, b| a.team.cmp(&b.team));
        rows
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Removes every team (each gets its `shutdown`). Every team is told to
    /// stop first, so they shut down in parallel and this waits about as
    /// long as the slowest one.
    pub async fn shutdown(&self) {
        let entries: Vec<(TeamId, Entry)> = self.lock().drain().collect();
        for (_, entry) in &entries {
            entry.scope.cancel();
        }
        for (team, entry) in entries {
            self.stop(&team, entry).await;
        }
    }
}
