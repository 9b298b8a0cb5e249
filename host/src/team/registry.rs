//! The one registry of teams: team id → the team's actor. Everything a
//! team is (its spec, link, bot, status) lives in or behind its actor;
//! this map holds only handles, and is the only per-team map of the host.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::FutureExt;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::DropGuard;

use super::boot::{self, Channels};
use super::error::TeamError;
use super::handle::TeamHandle;
use super::inbox::Inbox;
use super::status::BotStatus;
use super::supervisor::{TeamDeps, TeamState};
use super::view::TeamView;
use crate::counters::TeamCounters;
use crate::ids::TeamId;
use crate::shutdown::Shutdown;
use crate::spec::TeamSpec;

/// Control operations waiting for one team.
const CONTROL_QUEUE: usize = 8;

/// What happens to a team whose first start fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// It stays registered whatever the failure, with a status that says
    /// why, retried where that can help (for sources nobody answers to).
    Keep,
    /// A mistake in the request (see [`TeamError::is_mistake`]) refuses it
    /// and nothing stays registered; anything else keeps it (for callers
    /// who get the answer, like the admin API).
    RefuseMistakes,
}

struct Entry {
    handle: TeamHandle,
    scope: Shutdown,
    task: JoinHandle<()>,
}

/// Serves many teams, one actor each.
pub struct Teams {
    deps: Arc<TeamDeps>,
    shutdown: Shutdown,
    teams: Mutex<HashMap<TeamId, Entry>>,
    /// Bumped whenever a team is added, has started, or has been removed
    /// and stopped, for whoever waits on the set of teams (status pages,
    /// tests) instead of polling it.
    changes: watch::Sender<u64>,
    /// Dropping the registry stops every team's actor.
    _guard: DropGuard,
}

impl std::fmt::Debug for Teams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Teams")
            .field("teams", &self.lock().len())
            .finish_non_exhaustive()
    }
}

impl Teams {
    /// A registry whose team actors live under `shutdown`.
    pub(crate) fn new(deps: TeamDeps, shutdown: Shutdown) -> Self {
        Self {
            deps: Arc::new(deps),
            _guard: shutdown.token().clone().drop_guard(),
            shutdown,
            teams: Mutex::default(),
            changes: watch::channel(0).0,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TeamId, Entry>> {
        self.teams.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts serving a team: its actor loads the bot, connects the team,
    /// instantiates the bot and runs `init`, and waits for the first
    /// attempt. Adding a team that is already served does nothing (a source
    /// may announce a team twice).
    ///
    /// # Errors
    /// Why the team is not running after the first attempt. Whether it
    /// stays registered (retrying, or waiting for an update) depends on
    /// `admission`.
    pub async fn add(&self, spec: TeamSpec, admission: Admission) -> Result<(), TeamError> {
        let team = spec.id.clone();
        let (handle, started) = {
            let mut teams = self.lock();
            if teams.contains_key(&team) {
                tracing::info!(%team, "team already served; add ignored");
                return Ok(());
            }
            let (entry, started) = self.spawn(spec);
            let handle = entry.handle.clone();
            teams.insert(team.clone(), entry);
            (handle, started)
        };
        self.changed();
        let result = started
            .await
            .unwrap_or_else(|_| Err(TeamError::Closed(team.clone())));
        if let Err(error) = &result
            && admission == Admission::RefuseMistakes
            && error.is_mistake()
        {
            self.forget(&handle).await;
        }
        // Started (or known to have failed): watchers see the outcome.
        self.changed();
        result
    }

    fn spawn(&self, spec: TeamSpec) -> (Entry, oneshot::Receiver<Result<(), TeamError>>) {
        let team = spec.id.clone();
        let mailbox = self.deps.runtime.limits().mailbox.max(1);
        let (control_tx, control) = mpsc::channel(CONTROL_QUEUE);
        let (mail_tx, mail) = mpsc::channel(mailbox);
        let (state, state_rx) = watch::channel(TeamState {
            spec: spec.clone(),
            digest: None,
            contract: None,
            bot: BotStatus::Starting,
            link: None,
        });
        let counters = Arc::new(TeamCounters::default());
        let inbox = Inbox {
            team: team.clone(),
            mail: mail_tx.clone(),
            metrics: self.deps.metrics.clone(),
            counters: counters.clone(),
        };
        let (started_tx, started) = oneshot::channel();
        let scope = self.shutdown.child();
        let stopped = state.clone();
        let actor = boot::actor(
            spec,
            self.deps.clone(),
            Channels {
                control,
                mail,
                inbox,
                state,
                counters: counters.clone(),
            },
            started_tx,
            scope.token().clone(),
        );
        let task = scope.spawn(async move {
            // A bug in the actor must not leave the team looking alive.
            if let Err(panic) = std::panic::AssertUnwindSafe(actor).catch_unwind().await {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(team = %stopped.borrow().spec.id, panic = %what, "team actor panicked; team stopped");
                stopped.send_modify(|s| {
                    s.bot = BotStatus::Failed {
                        reason: format!("host error: team actor stopped ({what})"),
                    }
                });
            }
        });
        let handle = TeamHandle::new(team, control_tx, mail_tx, state_rx, counters);
        (
            Entry {
                handle,
                scope,
                task,
            },
            started,
        )
    }

    /// Drops a team whose boot failed, unless another operation already
    /// replaced or removed it.
    async fn forget(&self, handle: &TeamHandle) {
        let entry = {
            let mut teams = self.lock();
            match teams.get(handle.team()) {
                Some(e) if e.handle.same_actor(handle) => teams.remove(handle.team()),
                _ => None,
            }
        };
        if let Some(entry) = entry {
            self.stop(handle.team(), entry).await;
            self.changed();
        }
    }

    /// Applies a changed spec (see the actor's `update`): a new token or
    /// app relinks only this team; a new config is `reconfigure`d in place;
    /// a new component replaces the instance.
    ///
    /// # Errors
    /// Unknown team, a component that cannot be loaded or a token that is
    /// refused (the team goes on as it was), or a bot that refused the
    /// change.
    pub async fn update(&self, spec: TeamSpec) -> Result<(), TeamError> {
        let handle = self
            .handle(&spec.id)
            .ok_or_else(|| TeamError::UnknownTeam(spec.id.clone()))?;
        handle.update(spec).await
    }

    /// Stops serving a team: `shutdown` with a bounded wait, then the
    /// instance is dropped and the link closed. Removing an unknown team
    /// does nothing. Returns whether the team was served.
    pub async fn remove(&self, team: &TeamId) -> bool {
        let Some(entry) = self.lock().remove(team) else {
            tracing::info!(%team, "team not served; remove ignored");
            return false;
        };
        self.stop(team, entry).await;
        self.changed();
        tracing::info!(%team, "team removed");
        true
    }

    async fn stop(&self, team: &TeamId, entry: Entry) {
        entry.scope.cancel();
        let grace = self.deps.runtime.limits().shutdown_grace() + Duration::from_secs(1);
        let mut task = entry.task;
        if tokio::time::timeout(grace, &mut task).await.is_err() {
            tracing::warn!(%team, "team did not stop in time; aborting");
            task.abort();
        }
    }

    fn changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Changes whenever a team is added or removed.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// The handle of a served team.
    pub fn handle(&self, team: &TeamId) -> Option<TeamHandle> {
        self.lock().get(team).map(|e| e.handle.clone())
    }

    /// Every served team's handle, in no particular order.
    pub fn handles(&self) -> Vec<TeamHandle> {
        self.lock().values().map(|e| e.handle.clone()).collect()
    }

    pub fn contains(&self, team: &TeamId) -> bool {
        self.lock().contains_key(team)
    }

    /// Every served team, sorted by id.
    pub fn list(&self) -> Vec<TeamView> {
        let mut rows: Vec<TeamView> = self.lock().values().map(|e| e.handle.view()).collect();
        rows.sort_by(|a, b| a.id.cmp(&b.id));
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
        self.changed();
        for (_, entry) in &entries {
            entry.scope.cancel();
        }
        for (team, entry) in entries {
            self.stop(&team, entry).await;
        }
    }
}
