//! A running host: the registry of teams, the Slack hub when teams live in
//! Slack, the metrics, and the task tree everything runs in. Teams enter
//! and leave through [`Host::add`], [`Host::update`] and [`Host::remove`],
//! whatever their source. Built by [`HostBuilder`](crate::builder::HostBuilder).
//!
//! **Sources own their teams.** A team remembers who added it
//! ([`TeamSpec::source`]). Sources nobody answers to (the teams file, the
//! resourcer) go through [`Host::add_as`], [`Host::update_as`] and
//! [`Host::remove_as`], which refuse a team another source owns with a
//! [`ChangeError::NotOwner`]; the refusal is logged and kept in
//! [`Host::conflicts`] (the admin API shows it). The operator, through the
//! admin API, may change any team ([`Host::update_as_operator`],
//! [`Host::remove_as_operator`]): that is said in the log and in the
//! answer, and the team keeps its owner.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use futures_util::StreamExt;

use serde::Serialize;
use thiserror::Error;
use tokio_util::sync::DropGuard;

use crate::ids::TeamId;
use crate::metrics::Metrics;
use crate::shutdown::Shutdown;
use crate::slack::SlackHub;
use crate::spec::{AppSpec, HttpAppSpec, TeamSource, TeamSpec};
use crate::storage::Storage;
use crate::team::{Admission, TeamError, TeamHandle, TeamView, Teams};

/// Stored teams started at once when a host resumes.
const CONCURRENT_RESUMES: usize = 64;

/// How often removed teams' state is checked for the end of its retention.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Conflicts kept for [`Host::conflicts`] (the oldest are forgotten).
const KEPT_CONFLICTS: usize = 64;

/// Why a source's change was not applied.
#[derive(Debug, Error)]
pub enum ChangeError {
    /// The team belongs to another source; nothing was changed.
    #[error("team {team} belongs to {owner}; {caller} may not {action} it")]
    NotOwner {
        team: TeamId,
        owner: TeamSource,
        caller: TeamSource,
        action: &'static str,
    },
    #[error(transparent)]
    Team(#[from] TeamError),
}

/// A change refused because the team belongs to another source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub team: TeamId,
    /// Who owns the team.
    pub owner: TeamSource,
    /// Who asked.
    pub caller: TeamSource,
    /// `add`, `update` or `remove`.
    pub action: &'static str,
    /// How often this exact conflict happened (a teams file reloaded many
    /// times repeats its refused add).
    pub count: u64,
}

/// What happens to a removed team's stored state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredState {
    /// The team is gone: its key-value state and timers are kept for the
    /// retention period (re-adding it finds them), then purged.
    Purge,
    /// The team comes straight back (a new token or app link): its state
    /// is kept.
    Keep,
}

/// A running host.
pub struct Host {
    teams: Teams,
    slack: Option<Arc<SlackHub>>,
    metrics: Arc<Metrics>,
    /// The registry of teams, key-value state and timers (in memory, or
    /// the embedded database).
    storage: Storage,
    /// How long a removed team's state is kept.
    retention: Duration,
    conflicts: Mutex<VecDeque<Conflict>>,
    /// Sources, the admin API and work they start (a scope of their own,
    /// stopped first on close).
    sources: Shutdown,
    /// The root of every task of the host.
    shutdown: Shutdown,
    /// Dropping the host stops everything it runs.
    _guard: DropGuard,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("teams", &self.teams.len())
            .finish_non_exhaustive()
    }
}

impl Host {
    pub(crate) fn new(
        teams: Teams,
        slack: Option<Arc<SlackHub>>,
        metrics: Arc<Metrics>,
        storage: Storage,
        retention: Duration,
        shutdown: Shutdown,
    ) -> Self {
        Self {
            teams,
            slack,
            metrics,
            storage,
            retention,
            conflicts: Mutex::default(),
            sources: shutdown.child(),
            _guard: shutdown.token().clone().drop_guard(),
            shutdown,
        }
    }

    /// Starts serving a team for a source nobody answers to (the teams
    /// file, the resourcer): whatever happens, the team stays registered,
    /// with a status that says why it is not running, and is retried where
    /// retrying can help (see [`Teams::add`]).
    ///
    /// # Errors
    /// Why the team is not running (yet).
    pub async fn add(&self, spec: TeamSpec) -> Result<(), TeamError> {
        let result = self.teams.add(spec.clone(), Admission::Keep).await;
        self.remember(&spec, &result).await;
        result
    }

    /// Starts serving a team for someone who gets the answer (the admin
    /// API, local mode): a mistake in the request (a bot file that is not
    /// a valid component, a refused token) refuses the team and registers
    /// nothing; a passing problem (Slack unreachable) keeps it, retrying.
    ///
    /// # Errors
    /// Why the team is not running; [`Host::contains`] tells whether it
    /// was kept.
    pub async fn try_add(&self, spec: TeamSpec) -> Result<(), TeamError> {
        let result = self
            .teams
            .add(spec.clone(), Admission::RefuseMistakes)
            .await;
        self.remember(&spec, &result).await;
        result
    }

    /// Keeps a team the host now serves in the registry of teams, with how
    /// its start went, so a restart resumes it. Only a team served with
    /// exactly `spec` (an add of a team already served changes nothing) and
    /// never a local one. A registry that cannot take it is logged: the
    /// team runs, but a restart will not bring it back.
    async fn remember(&self, spec: &TeamSpec, result: &Result<(), TeamError>) {
        if spec.source == TeamSource::Local {
            return;
        }
        let served = self.teams.handle(&spec.id).map(|h| h.spec());
        if served.as_ref() != Some(spec) {
            return;
        }
        let status = match result {
            Ok(()) => "running".to_owned(),
            Err(e) => e.to_string(),
        };
        let registry = &self.storage.teams;
        let kept = match registry.save(spec).await {
            Ok(()) => registry.set_status(&spec.id, &status).await,
            Err(e) => Err(e),
        };
        if let Err(e) = kept {
            tracing::error!(team = %spec.id, error = %e, "team not stored; a restart will not resume it");
        }
        // Served again: state kept from an earlier removal is no longer
        // due for purging.
        if let Err(e) = self.storage.kv.revive(&spec.id).await {
            tracing::warn!(team = %spec.id, error = %e, "stored state not revived");
        }
    }

    /// Applies a changed team (see [`Teams::update`]).
    ///
    /// # Errors
    /// As [`Teams::update`].
    pub async fn update(&self, spec: TeamSpec) -> Result<(), TeamError> {
        let result = self.teams.update(spec.clone()).await;
        if result.is_ok() {
            self.remember(&spec, &result).await;
        }
        result
    }

    /// Stops serving a team, whoever added it, and purges its stored
    /// state; returns whether it was served.
    pub async fn remove(&self, team: &TeamId) -> bool {
        self.remove_keeping(team, StoredState::Purge).await
    }

    async fn remove_keeping(&self, team: &TeamId, state: StoredState) -> bool {
        if !self.teams.remove(team).await {
            return false;
        }
        if state == StoredState::Purge {
            self.forget_stored(team).await;
        }
        true
    }

    /// Drops a team from the registry, and its OAuth installation (tokens
    /// included) if it has one; its key-value state and timers are kept
    /// for the retention period (purged at once without one).
    async fn forget_stored(&self, team: &TeamId) {
        if let Err(e) = self.storage.teams.forget(team).await {
            tracing::error!(%team, error = %e, "team not removed from the registry; a restart may resume it");
        }
        if let Err(e) = self.storage.installs.forget(team).await {
            tracing::error!(%team, error = %e, "installation (and its tokens) not removed");
        }
        let until = SystemTime::now() + self.retention;
        let kept = if self.retention.is_zero() {
            self.storage.kv.purge_team(team).await
        } else {
            self.storage.kv.retire(team, until).await
        };
        match kept {
            Ok(()) => {
                tracing::debug!(%team, retention = ?self.retention, "stored state kept for the retention period")
            }
            Err(e) => tracing::warn!(%team, error = %e, "stored state not retired"),
        }
    }

    /// Serves again every team and Socket Mode app of the registry (after
    /// a restart), all at once, each as its source added it; then purges,
    /// now and every hour, the state of teams removed longer ago than the
    /// retention period. Call it before the sources start: they then find
    /// their teams served and only apply what changed while the host was
    /// down. A stored team `still_wanted` refuses (a source that already
    /// knows it is gone, like a teams file that no longer lists it) is
    /// removed instead, as if removed before the restart. Returns how many
    /// teams were resumed.
    ///
    /// # Errors
    /// The registry cannot be read.
    pub async fn resume(
        &self,
        still_wanted: impl Fn(&TeamSpec) -> bool,
    ) -> Result<usize, crate::storage::StorageError> {
        let apps = self.storage.teams.load_apps().await?;
        let (stored, gone): (Vec<_>, Vec<_>) = self
            .storage
            .teams
            .load()
            .await?
            .into_iter()
            .partition(|team| still_wanted(&team.spec));
        for app in apps {
            self.add_app(app);
        }
        for team in gone {
            tracing::info!(team = %team.spec.id, source = %team.spec.source, "stored team no longer wanted by its source; removed");
            self.forget_stored(&team.spec.id).await;
        }
        let count = stored.len();
        if count > 0 {
            tracing::info!(teams = count, "resuming stored teams");
        }
        futures_util::stream::iter(stored)
            .for_each_concurrent(CONCURRENT_RESUMES, |team| async move {
                let id = team.spec.id.clone();
                if let Err(e) = self.teams.add(team.spec, Admission::Keep).await {
                    tracing::warn!(team = %id, error = %e, "resumed team not running yet");
                }
            })
            .await;
        let kv = self.storage.kv.clone();
        let cancel = self.shutdown.token().clone();
        self.shutdown.spawn(async move {
            loop {
                match kv.purge_expired(SystemTime::now()).await {
                    Ok(0) => {}
                    Ok(teams) => {
                        tracing::info!(teams, "state of removed teams purged after retention")
                    }
                    Err(e) => tracing::warn!(error = %e, "retention purge failed"),
                }
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(PURGE_EVERY) => {}
                }
            }
        });
        Ok(count)
    }

    /// Served teams whose source is `source` (to seed a source with what it
    /// served before a restart).
    pub fn specs_of(&self, source: impl Fn(&TeamSource) -> bool) -> Vec<TeamSpec> {
        self.teams
            .handles()
            .into_iter()
            .map(|h| h.spec())
            .filter(|spec| source(&spec.source))
            .collect()
    }

    /// The registry of teams, key-value state and timers.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Who added a served team.
    pub fn owner(&self, team: &TeamId) -> Option<TeamSource> {
        self.teams.handle(team).map(|h| h.spec().source)
    }

    /// Refuses `action` on `team` by `caller` when another source owns it:
    /// logged, kept in [`conflicts`](Self::conflicts).
    fn check_owner(
        &self,
        caller: &TeamSource,
        team: &TeamId,
        action: &'static str,
    ) -> Result<(), ChangeError> {
        match self.owner(team) {
            Some(owner) if owner != *caller => Err(self.conflict(team, owner, caller, action)),
            _ => Ok(()),
        }
    }

    fn conflict(
        &self,
        team: &TeamId,
        owner: TeamSource,
        caller: &TeamSource,
        action: &'static str,
    ) -> ChangeError {
        tracing::warn!(
            %team, %owner, %caller, action,
            "team change refused: the team belongs to another source"
        );
        let mut kept = self
            .conflicts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let same = |c: &Conflict| {
            c.team == *team && c.owner == owner && c.caller == *caller && c.action == action
        };
        let count = match kept.iter().position(same) {
            Some(at) => kept.remove(at).map_or(1, |c| c.count + 1),
            None => 1,
        };
        kept.push_back(Conflict {
            team: team.clone(),
            owner: owner.clone(),
            caller: caller.clone(),
            action,
            count,
        });
        while kept.len() > KEPT_CONFLICTS {
            kept.pop_front();
        }
        ChangeError::NotOwner {
            team: team.clone(),
            owner,
            caller: caller.clone(),
            action,
        }
    }

    /// Recent changes refused because the team belongs to another source,
    /// oldest first (the last `KEPT_CONFLICTS`, each with how often it
    /// happened).
    pub fn conflicts(&self) -> Vec<Conflict> {
        self.conflicts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }

    /// Like [`add`](Self::add), for the source named in `spec.source`: a
    /// team another source already serves is refused, not ignored, so the
    /// caller never counts it as its own.
    ///
    /// # Errors
    /// [`ChangeError::NotOwner`], or why the team is not running (it stays
    /// registered, as with [`add`](Self::add)).
    pub async fn add_as(&self, spec: TeamSpec) -> Result<(), ChangeError> {
        let (team, caller) = (spec.id.clone(), spec.source.clone());
        self.check_owner(&caller, &team, "add")?;
        let result = self.add(spec).await;
        // Another source may have added it between the check and the add
        // (the add then did nothing).
        self.check_owner(&caller, &team, "add")?;
        Ok(result?)
    }

    /// Like [`update`](Self::update), only for a team the source named in
    /// `spec.source` owns.
    ///
    /// # Errors
    /// [`ChangeError::NotOwner`], or as [`Teams::update`].
    pub async fn update_as(&self, spec: TeamSpec) -> Result<(), ChangeError> {
        self.check_owner(&spec.source, &spec.id, "update")?;
        Ok(self.update(spec).await?)
    }

    /// Stops serving a team `caller` owns; `state` says whether its stored
    /// state goes with it. Returns whether it was served.
    ///
    /// # Errors
    /// [`ChangeError::NotOwner`]: the team was left alone.
    pub async fn remove_as(
        &self,
        caller: &TeamSource,
        team: &TeamId,
        state: StoredState,
    ) -> Result<bool, ChangeError> {
        self.check_owner(caller, team, "remove")?;
        Ok(self.remove_keeping(team, state).await)
    }

    /// The operator (the admin API) changes any team. The team keeps its
    /// owner (a teams-file team stays the file's, so the file's next
    /// change still applies); a team owned by another source is changed
    /// all the same, and that is logged. Returns that owner, for the
    /// answer to say so.
    ///
    /// # Errors
    /// As [`Teams::update`].
    pub async fn update_as_operator(
        &self,
        mut spec: TeamSpec,
    ) -> Result<Option<TeamSource>, TeamError> {
        let owner = self.owner(&spec.id);
        let other = owner.clone().filter(|o| *o != TeamSource::Admin);
        if let Some(owner) = &other {
            tracing::warn!(team = %spec.id, %owner, "the operator updates a team another source owns");
        }
        if let Some(owner) = owner {
            spec.source = owner;
        }
        self.update(spec).await?;
        Ok(other)
    }

    /// The operator (the admin API) removes any team, purging its state.
    /// `None` when the team was not served; else its owner, logged when it
    /// was another source (which may add it again).
    pub async fn remove_as_operator(&self, team: &TeamId) -> Option<TeamSource> {
        let owner = self.owner(team)?;
        if owner != TeamSource::Admin {
            tracing::warn!(%team, %owner, "the operator removes a team another source owns");
        }
        self.remove(team).await.then_some(owner)
    }

    /// Starts a Socket Mode app's link; returns false when this host does
    /// not serve Slack.
    pub fn add_app(&self, app: AppSpec) -> bool {
        match &self.slack {
            Some(hub) => {
                hub.add_app(&app.id, app.token);
                true
            }
            None => false,
        }
    }

    /// Serves an app's HTTP request URLs (its signing secret); returns
    /// false when this host does not serve Slack.
    pub fn add_http_app(&self, app: HttpAppSpec) -> bool {
        match &self.slack {
            Some(hub) => {
                hub.http_apps().add(app);
                true
            }
            None => false,
        }
    }

    /// The Slack-facing routes (Events API, slash commands, interactivity
    /// of every HTTP app); `None` when this host does not serve Slack.
    /// Other Slack-facing routes merge into it (`Router::merge`).
    pub fn slack_router(&self) -> Option<axum::Router> {
        self.slack.as_ref().map(|hub| hub.http_router())
    }

    /// Removes the teams Slack says no longer have their app
    /// (`app_uninstalled`, `tokens_revoked` naming the bot), over Socket
    /// Mode or HTTP alike, until the host closes: the team stops, its
    /// registry row and token go, its key-value state is kept for the
    /// retention period (as [`remove`](Self::remove) does). Counted in
    /// `bothost_uninstalls_total`. Does nothing when called again or when
    /// this host does not serve Slack.
    pub fn serve_uninstalls(self: &Arc<Self>) {
        let Some(mut uninstalls) = self.slack.as_ref().and_then(|hub| hub.take_uninstalls()) else {
            return;
        };
        let host = Arc::downgrade(self);
        let cancel = self.sources.token().clone();
        self.sources.spawn(async move {
            loop {
                let uninstall = tokio::select! {
                    () = cancel.cancelled() => break,
                    next = uninstalls.recv() => match next {
                        Some(uninstall) => uninstall,
                        None => break,
                    },
                };
                let Some(host) = host.upgrade() else { break };
                let owner = host.owner(&uninstall.team);
                let removed = host.uninstall(&uninstall.team).await;
                tracing::info!(
                    team = %uninstall.team,
                    app = %uninstall.app,
                    reason = %uninstall.reason,
                    owner = ?owner.map(|o| o.to_string()),
                    removed,
                    "app uninstalled: team removed, its state kept for the retention period"
                );
            }
        });
    }

    /// Removes a team whose app Slack says is gone. The registry row and
    /// token go first, so a restart never resumes it even if stopping the
    /// bot takes a while; then the team is removed as by
    /// [`remove`](Self::remove) (its key-value state kept for the
    /// retention period). Returns whether it was served.
    pub async fn uninstall(&self, team: &TeamId) -> bool {
        if !self.contains(team) {
            return false;
        }
        if let Err(e) = self.storage.teams.forget(team).await {
            tracing::error!(%team, error = %e, "uninstalled team not removed from the registry; a restart may resume it");
        }
        // Its tokens are dead: gone before the team stops, not after.
        if let Err(e) = self.storage.installs.forget(team).await {
            tracing::error!(%team, error = %e, "installation (and its tokens) not removed");
        }
        self.metrics.uninstalls.inc();
        self.remove(team).await
    }

    /// Stops a Socket Mode app's link; returns whether it existed.
    pub async fn remove_app(&self, app_id: &str) -> bool {
        match &self.slack {
            Some(hub) => hub.remove_app(app_id).await,
            None => false,
        }
    }

    /// Every served team, sorted by id.
    pub fn teams(&self) -> Vec<TeamView> {
        self.teams.list()
    }

    /// One team as seen from outside.
    pub fn team(&self, team: &TeamId) -> Option<TeamView> {
        self.teams.handle(team).map(|h| h.view())
    }

    /// A served team's handle (to feed it events, watch its status).
    pub fn handle(&self, team: &TeamId) -> Option<TeamHandle> {
        self.teams.handle(team)
    }

    /// Changes whenever a team is added or removed.
    pub fn changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.teams.changes()
    }

    pub fn contains(&self, team: &TeamId) -> bool {
        self.teams.contains(team)
    }

    pub fn len(&self) -> usize {
        self.teams.len()
    }

    pub fn is_empty(&self) -> bool {
        self.teams.is_empty()
    }

    /// The Slack hub, when teams live in Slack.
    pub fn slack(&self) -> Option<&SlackHub> {
        self.slack.as_deref()
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The Prometheus text of every metric, teams counted by status.
    pub fn render_metrics(&self) -> String {
        let statuses = self
            .teams()
            .into_iter()
            .map(|t| (t.bot.name().to_owned(), t.link.name().to_owned()));
        self.metrics.render(statuses)
    }

    /// The scope for sources, the admin API and work they start that must
    /// finish even if whoever asked for it goes away (an HTTP client that
    /// disconnects).
    pub fn tasks(&self) -> &Shutdown {
        &self.sources
    }

    /// The one shutdown sequence: sources stop (no new teams), every team
    /// stops (each bot gets its `shutdown`, each link closes), the Socket
    /// Mode apps close, every remaining task is awaited, and the storage
    /// commits what is queued and closes.
    pub async fn close(&self) {
        self.sources.cancel();
        self.teams.shutdown().await;
        if let Some(hub) = &self.slack {
            hub.close().await;
        }
        self.shutdown.close().await;
        // Last: every team's final writes (its bot's `shutdown`) are in.
        self.storage.close().await;
    }
}
