//! The serving host: runtime, team manager and Slack hub wired together.
//! `bothost serve` builds one from the config file; tests build one against
//! a fake Slack. Teams enter and leave through [`Host::add`],
//! [`Host::update`] and [`Host::remove`], whatever their source.

use std::future::Future;
use std::sync::Arc;

use thiserror::Error;

use crate::config::{ResolvedApp, ResolvedTeam};
use crate::ids::TeamId;
use crate::metrics::Metrics;
use crate::runtime::{BotRuntime, RuntimeConfig, RuntimeError};
use crate::shutdown::Shutdown;
use crate::slack::api::{ApiError, WebClient};
use crate::slack::{LinkStatus, SlackError, SlackHub, TeamConnection, Transport, Tuning};
use crate::storage::{KvStore, MemoryStore};
use crate::team::{BotStatus, TeamError, TeamManager, TeamSpec};

#[derive(Debug, Error)]
pub enum HostError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Slack(#[from] SlackError),
    #[error(transparent)]
    Team(#[from] TeamError),
    #[error("operation aborted: {0}")]
    Aborted(String),
}

/// What a team looks like from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamState {
    pub team: TeamId,
    /// The bot component's path and short content hash.
    pub component: String,
    pub digest: String,
    pub bot: BotStatus,
    pub link: LinkStatus,
}

/// A running host.
pub struct Host {
    manager: Arc<TeamManager>,
    hub: SlackHub,
    teams: std::sync::Mutex<std::collections::HashMap<TeamId, ResolvedTeam>>,
    /// One operation at a time per team: an add racing a remove (from two
    /// sources) must not resurrect the team or start its bot twice.
    ops: std::sync::Mutex<std::collections::HashMap<TeamId, Arc<tokio::sync::Mutex<()>>>>,
    shutdown: Shutdown,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("teams", &self.manager.len())
            .finish_non_exhaustive()
    }
}

impl Host {
    /// Builds the runtime and connects nothing yet.
    ///
    /// # Errors
    /// The runtime cannot start, or the API base URL is invalid.
    pub fn new(
        runtime: &RuntimeConfig,
        api_base: &str,
        tuning: Tuning,
        shutdown: Shutdown,
    ) -> Result<Self, HostError> {
        let runtime = Arc::new(BotRuntime::new(runtime)?);
        let kv: Arc<dyn KvStore> = Arc::new(MemoryStore::new(runtime.limits().storage_quota()));
        let web = WebClient::new(api_base)?;
        let metrics = Arc::new(Metrics::default());
        let links = Arc::default();
        let chat = Arc::new(SlackHub::chat(Arc::clone(&links), metrics.clone()));
        let manager = Arc::new(
            TeamManager::new(runtime, chat, kv, shutdown.child()).with_metrics(metrics.clone()),
        );
        let hub = SlackHub::with_registry(
            web,
            tuning,
            manager.clone(),
            links,
            metrics,
            shutdown.child(),
        );
        Ok(Self {
            manager,
            hub,
            teams: std::sync::Mutex::default(),
            ops: std::sync::Mutex::default(),
            shutdown,
        })
    }

    /// Starts a Socket Mode app's link.
    pub fn add_app(&self, app: ResolvedApp) {
        self.hub.add_app(&app.id, app.token);
    }

    /// Stops a Socket Mode app's link.
    pub async fn remove_app(&self, app_id: &str) -> bool {
        self.hub.remove_app(app_id).await
    }

    /// Connects a team to Slack and starts its bot.
    ///
    /// # Errors
    /// The token is refused, or the bot cannot be loaded (the team's link
    /// is closed again); a bot whose `init` fails stays added, `failed`.
    pub async fn add(&self, team: ResolvedTeam) -> Result<(), HostError> {
        let id = team.id.clone();
        self.serialized(&id, self.add_now(team)).await
    }

    async fn add_now(&self, team: ResolvedTeam) -> Result<(), HostError> {
        if self.manager.handle(&team.id).is_some() {
            tracing::info!(team = %team.id, "team already served; add ignored");
            return Ok(());
        }
        let info = self.hub.connect(connection(&team)).await?;
        let spec = TeamSpec {
            info,
            bot: team.bot.clone(),
            config: team.config.clone(),
        };
        let id = team.id.clone();
        self.lock().insert(id.clone(), team);
        let added = self.manager.add(spec).await;
        if let Err(TeamError::Load(e)) = added {
            self.hub.disconnect(&id).await;
            self.lock().remove(&id);
            return Err(TeamError::Load(e).into());
        }
        // The bot is ready (or registered as failed): let events flow.
        self.hub.activate(&id);
        added.map_err(Into::into)
    }

    /// Applies a changed team: a new token reconnects only this team's
    /// link; config and component changes go to the bot (reconfigure in
    /// place, or a new instance for a new component).
    ///
    /// # Errors
    /// Unknown team, refused token, or a bot refusing the change.
    pub async fn update(&self, team: ResolvedTeam) -> Result<(), HostError> {
        let id = team.id.clone();
        self.serialized(&id, self.update_now(team)).await
    }

    async fn update_now(&self, team: ResolvedTeam) -> Result<(), HostError> {
        let old = self
            .lock()
            .get(&team.id)
            .cloned()
            .ok_or_else(|| TeamError::UnknownTeam(team.id.clone()))?;
        let mut spec = self
            .manager
            .spec(&team.id)
            .ok_or_else(|| TeamError::UnknownTeam(team.id.clone()))?;
        let relink = old.token != team.token || old.app != team.app;
        if relink {
            self.hub.disconnect(&team.id).await;
            match self.hub.connect(connection(&team)).await {
                Ok(info) => spec.info = info,
                Err(e) => {
                    // Keep serving with the old token rather than not at all.
                    if self.hub.connect(connection(&old)).await.is_ok() {
                        self.hub.activate(&old.id);
                    }
                    return Err(e.into());
                }
            }
        }
        spec.bot = team.bot.clone();
        spec.config = team.config.clone();
        let id = team.id.clone();
        self.lock().insert(id.clone(), team);
        let updated = self.manager.update(spec).await;
        if relink {
            self.hub.activate(&id);
        }
        updated.map_err(Into::into)
    }

    /// Stops the bot (its `shutdown` runs) and closes the team's link.
    pub async fn remove(&self, team: &TeamId) -> bool {
        self.serialized(team, self.remove_now(team)).await
    }

    async fn remove_now(&self, team: &TeamId) -> bool {
        let served = self.manager.remove(team).await;
        let linked = self.hub.disconnect(team).await;
        self.lock().remove(team);
        served || linked
    }

    /// Every team's bot and link status.
    pub fn teams(&self) -> Vec<TeamState> {
        self.manager
            .list()
            .into_iter()
            .map(|r| TeamState {
                link: self.hub.status(&r.team).unwrap_or(LinkStatus::Closed),
                team: r.team,
                component: r.bot,
                digest: r.digest.short(),
                bot: r.status,
            })
            .collect()
    }

    /// One team's state.
    pub fn team(&self, team: &TeamId) -> Option<TeamState> {
        self.teams().into_iter().find(|t| &t.team == team)
    }

    pub fn manager(&self) -> &TeamManager {
        &self.manager
    }

    pub fn hub(&self) -> &SlackHub {
        &self.hub
    }

    /// The Prometheus text of every metric, teams counted by status.
    pub fn render_metrics(&self) -> String {
        let statuses = self.teams().into_iter().map(|t| {
            let bot = match t.bot {
                BotStatus::Starting => "starting",
                BotStatus::Running => "running",
                BotStatus::Faulted { .. } => "faulted",
                BotStatus::Failed { .. } => "failed",
                BotStatus::Stopped => "stopped",
            };
            (bot.to_owned(), t.link.name().to_owned())
        });
        self.manager.metrics().render(statuses)
    }

    /// Asks Slack who a token belongs to (`auth.test`).
    ///
    /// # Errors
    /// What Slack answered, e.g. `invalid_auth`.
    pub async fn check_token(
        &self,
        token: &crate::secret::Secret,
    ) -> Result<crate::slack::api::AuthTest, ApiError> {
        self.hub.web().auth_test(token).await
    }

    /// Stops every bot and link, then every task.
    pub async fn close(&self) {
        self.manager.shutdown().await;
        self.hub.close().await;
        self.shutdown.close().await;
    }

    /// Runs `op` holding the team's operation lock.
    async fn serialized<T>(&self, team: &TeamId, op: impl Future<Output = T>) -> T {
        let lock = self
            .ops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(team.clone())
            .or_default()
            .clone();
        let guard = lock.lock().await;
        let out = op.await;
        drop(guard);
        let mut ops = self
            .ops
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Forget the lock when nobody else holds or waits for it.
        if ops.get(team).is_some_and(|l| Arc::strong_count(l) == 2) {
            ops.remove(team);
        }
        out
    }

    /// The host's task scope, for work that must finish even if whoever
    /// asked for it goes away (an HTTP client that disconnects).
    pub fn tasks(&self) -> &Shutdown {
        &self.shutdown
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<TeamId, ResolvedTeam>> {
        self.teams
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn connection(team: &ResolvedTeam) -> TeamConnection {
    TeamConnection {
        team: team.id.clone(),
        token: team.token.clone(),
        transport: match &team.app {
            Some(app_id) => Transport::SocketMode {
                app_id: app_id.clone(),
            },
            None => Transport::Rtm,
        },
    }
}
