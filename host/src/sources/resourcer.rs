//! Teams from a Beep Boop resourcer. Each resource becomes a team served
//! with the configured bot; its custom keys become the bot's config, its
//! Slack secrets only ever reach the Slack link.
//!
//! After a reconnect the resourcer replays every team. Instead of tearing
//! everything down (what the old clients did), the host reconciles: a team
//! re-announced unchanged keeps running untouched, a changed one is
//! updated, and one not re-announced within the grace period is removed.
//! A network blip therefore never restarts a bot or drops its state.
//!
//! A resource owns only the team it added: announcing a team another
//! source (the teams file, the admin API, another resource) serves is
//! refused and logged (see [`Host::conflicts`]); the resource is then not
//! counted as serving it, so its later removal leaves that team alone.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use crate::deadline::sleep_until;
use crate::host::{ChangeError, Host, StoredState};
use crate::resourcer::{
    self, Notice, Resource, ResourceId, ResourceMessage, ResourcerConfig, ServerMessage,
};
use crate::secret::Secret;
use crate::shutdown::Shutdown;
use crate::spec::{AppSpec, TeamSource, TeamSpec};

/// How resourcer teams are served.
#[derive(Debug, Clone)]
pub struct ResourcerSource {
    host: Arc<Host>,
    /// The bot every resourcer team runs.
    bot: PathBuf,
    /// Socket Mode app for teams without an app token of their own.
    app: Option<String>,
    grace: Duration,
    /// The last session whose grace period has ended (its teams are now
    /// exactly what the resourcer announced).
    settled: watch::Sender<Option<u64>>,
}

#[derive(Debug, Default)]
struct State {
    teams: HashMap<ResourceId, TeamSpec>,
    /// Resources with a Socket Mode app of their own, by its token.
    apps: HashMap<ResourceId, Secret>,
    /// Resources announced since the current session began.
    announced: HashSet<ResourceId>,
    sweep_at: Option<Instant>,
    session: u64,
}

impl ResourcerSource {
    /// Serves the resourcer's teams on `host`, each running `bot` (over
    /// `app` when set, else RTM); after a reconnect, teams not announced
    /// again within `grace` are removed.
    pub fn new(host: Arc<Host>, bot: PathBuf, app: Option<String>, grace: Duration) -> Self {
        Self {
            host,
            bot,
            app,
            grace,
            settled: watch::channel(None).0,
        }
    }

    /// The last resourcer session whose grace period is over: from then on
    /// the teams served are exactly those it announced. A signal for
    /// status pages and tests, instead of waiting out the grace period.
    pub fn settled(&self) -> watch::Receiver<Option<u64>> {
        self.settled.subscribe()
    }

    /// Connects to the resourcer and applies what it says until `scope` is
    /// cancelled. The protocol client runs as a task of `scope`.
    pub async fn run(self, config: ResourcerConfig, scope: Shutdown) {
        let (tx, mut rx) = mpsc::channel(64);
        let cancel = scope.token().clone();
        let client_cancel = cancel.child_token();
        let client = scope.spawn(resourcer::run(config, tx, client_cancel.clone()));
        let mut state = State::default();
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                notice = rx.recv() => match notice {
                    Some(notice) => self.on_notice(&mut state, notice).await,
                    None => break,
                },
                () = sleep_until(state.sweep_at) => self.sweep(&mut state).await,
            }
        }
        client_cancel.cancel();
        let _ = client.await;
    }

    async fn on_notice(&self, state: &mut State, notice: Notice) {
        match notice {
            Notice::Connected { session } => {
                tracing::info!(session, "resourcer connected; awaiting its teams");
                state.announced.clear();
                state.session = session;
                state.sweep_at = Some(Instant::now() + self.grace);
            }
            Notice::Disconnected { session, reason } => {
                tracing::warn!(session, %reason, "resourcer link lost; teams keep running");
                state.sweep_at = None;
            }
            Notice::Message { message, .. } => self.on_message(state, message).await,
        }
    }

    async fn on_message(&self, state: &mut State, message: ServerMessage) {
        match message {
            ServerMessage::AddResource(m) | ServerMessage::UpdateResource(m) => {
                self.apply(state, m).await;
            }
            ServerMessage::RemoveResource(m) => {
                state.announced.remove(&m.resource_id);
                self.drop_app(state, &m.resource_id).await;
                match state.teams.remove(&m.resource_id) {
                    Some(team) => {
                        self.remove(&team, StoredState::Purge).await;
                        tracing::info!(resource = %m.resource_id, team = %team.id, "resource removed");
                    }
                    None => tracing::info!(
                        resource = %m.resource_id,
                        msg_id = m.msg_id.as_deref().unwrap_or("-"),
                        "remove of an unknown resource ignored"
                    ),
                }
            }
            ServerMessage::AuthResult { success, .. } => {
                if !success {
                    tracing::error!(
                        "resourcer refused our auth (check BEEPBOOP_ID and BEEPBOOP_TOKEN)"
                    );
                }
            }
            ServerMessage::Unknown { type_name } => {
                tracing::warn!(%type_name, "unknown resourcer message ignored");
            }
        }
    }

    /// Adds, updates or leaves alone the resource's team.
    async fn apply(&self, state: &mut State, m: ResourceMessage) {
        let msg_id = m.msg_id.as_deref().unwrap_or("-").to_owned();
        let id = m.resource_id.clone();
        if self
            .sync_app(state, &id, m.resource.app_token.as_ref())
            .await
            && let Some(old) = state.teams.remove(&id)
        {
            // A rotated app token means a new app link: start the team over
            // on it (its stored state is kept).
            self.remove(&old, StoredState::Keep).await;
        }
        let team = match self.resolve(&id, &m.resource) {
            Ok(team) => team,
            Err(why) => {
                tracing::warn!(resource = %id, msg_id, error = why, "resource ignored");
                return;
            }
        };
        state.announced.insert(id.clone());
        let result = match state.teams.get(&id) {
            Some(old) if *old == team => {
                tracing::debug!(resource = %id, "resource re-announced unchanged; untouched");
                return;
            }
            Some(_) => self.host.update_as(team.clone()).await,
            None => self.host.add_as(team.clone()).await,
        };
        match result {
            Ok(()) => {
                tracing::info!(resource = %id, team = %team.id, msg_id, "resource applied");
                state.teams.insert(id, team);
            }
            Err(e) => {
                tracing::warn!(resource = %id, team = %team.id, msg_id, error = %e, "resource not applied");
                if let ChangeError::NotOwner { .. } = e {
                    // Another source's team: this resource does not serve
                    // it, now or when it is removed.
                    state.teams.remove(&id);
                    self.drop_app(state, &id).await;
                    return;
                }
                let known = state.teams.contains_key(&id);
                if !known && self.host.contains(&team.id) {
                    // Added but its bot refused to start: remember it so a
                    // fixed resource becomes an update.
                    state.teams.insert(id, team);
                } else if !known {
                    self.drop_app(state, &id).await;
                }
            }
        }
    }

    fn resolve(&self, id: &ResourceId, r: &Resource) -> Result<TeamSpec, &'static str> {
        let team = r.team_id.clone().ok_or("no SlackTeamID")?;
        let token = r.bot_token.clone().ok_or("no SlackBotAccessToken")?;
        let app = match &r.app_token {
            Some(_) => Some(app_id(id)),
            None => self.app.clone(),
        };
        Ok(TeamSpec {
            id: team,
            bot: self.bot.clone(),
            token,
            app,
            config: r.custom.clone(),
            source: TeamSource::Resourcer {
                resource: id.clone(),
            },
        })
    }

    /// Gives a resource with its own app token its own Socket Mode link,
    /// replacing it when the token changed and removing it when gone.
    /// Returns whether an existing link was replaced.
    async fn sync_app(&self, state: &mut State, id: &ResourceId, token: Option<&Secret>) -> bool {
        if state.apps.get(id) == token {
            return false;
        }
        let replaced = state.apps.contains_key(id) && token.is_some();
        self.drop_app(state, id).await;
        if let Some(token) = token {
            self.host.add_app(AppSpec {
                id: app_id(id),
                token: token.clone(),
            });
            state.apps.insert(id.clone(), token.clone());
        }
        replaced
    }

    /// Removes a team this source added (never another source's).
    async fn remove(&self, team: &TeamSpec, stored: StoredState) {
        if let Err(e) = self.host.remove_as(&team.source, &team.id, stored).await {
            tracing::warn!(team = %team.id, error = %e, "resource's team not removed");
        }
    }

    async fn drop_app(&self, state: &mut State, id: &ResourceId) {
        if state.apps.remove(id).is_some() {
            self.host.remove_app(&app_id(id)).await;
        }
    }

    /// Removes teams the resourcer did not re-announce within the grace
    /// period after it reconnected.
    async fn sweep(&self, state: &mut State) {
        state.sweep_at = None;
        let stale: Vec<ResourceId> = state
            .teams
            .keys()
            .filter(|id| !state.announced.contains(*id))
            .cloned()
            .collect();
        for id in stale {
            if let Some(team) = state.teams.remove(&id) {
                tracing::info!(resource = %id, team = %team.id, "not re-announced after reconnect; removed");
                self.remove(&team, StoredState::Purge).await;
            }
            self.drop_app(state, &id).await;
        }
        self.settled.send_replace(Some(state.session));
    }
}

/// The Socket Mode app id of a resource with its own app token.
fn app_id(id: &ResourceId) -> String {
    format!("resource-{id}")
}
