//! Teams from a Beep Boop resourcer. Each resource becomes a team served
//! with the configured bot; its custom keys become the bot's config, its
//! Slack secrets only ever reach the Slack link.
//!
//! After a reconnect the resourcer replays every team. Instead of tearing
//! everything down (what the old clients did), the host reconciles: a team
//! re-announced unchanged keeps running untouched, a changed one is
//! updated, and one not re-announced within the grace period is removed.
//! A network blip therefore never restarts a bot or drops its state.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::{ResolvedApp, ResolvedTeam};
use crate::deadline::sleep_until;
use crate::resourcer::{
    self, Notice, Resource, ResourceId, ResourceMessage, ResourcerConfig, ServerMessage,
};
use crate::secret::Secret;
use crate::serve::Host;

/// How resourcer teams are served.
#[derive(Debug, Clone)]
pub struct ResourcerSource {
    pub host: Arc<Host>,
    /// The bot every resourcer team runs.
    pub bot: PathBuf,
    /// Socket Mode app for teams without an app token of their own.
    pub app: Option<String>,
    pub grace: Duration,
}

#[derive(Debug, Default)]
struct State {
    teams: HashMap<ResourceId, ResolvedTeam>,
    /// Resources with a Socket Mode app of their own, by its token.
    apps: HashMap<ResourceId, Secret>,
    /// Resources announced since the current session began.
    announced: HashSet<ResourceId>,
    sweep_at: Option<Instant>,
}

impl ResourcerSource {
    /// Connects to the resourcer and applies what it says until cancelled.
    pub async fn run(self, config: ResourcerConfig, cancel: CancellationToken) {
        let (tx, mut rx) = mpsc::channel(64);
        let client_cancel = cancel.child_token();
        let client = tokio::spawn(resourcer::run(config, tx, client_cancel.clone()));
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
                        self.host.remove(&team.id).await;
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
            self.host.remove(&old.id).await;
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
            Some(_) => self.host.update(team.clone()).await,
            None => self.host.add(team.clone()).await,
        };
        match result {
            Ok(()) => {
                tracing::info!(resource = %id, team = %team.id, msg_id, "resource applied");
                state.teams.insert(id, team);
            }
            Err(e) => {
                tracing::warn!(resource = %id, team = %team.id, msg_id, error = %e, "resource not applied");
                let known = state.teams.contains_key(&id);
                if !known && self.host.manager().handle(&team.id).is_some() {
                    // Added but its bot refused to start: remember it so a
                    // fixed resource becomes an update.
                    state.teams.insert(id, team);
                } else if !known {
                    self.drop_app(state, &id).await;
                }
            }
        }
    }

    fn resolve(&self, id: &ResourceId, r: &Resource) -> Result<ResolvedTeam, &'static str> {
        let team = r.team_id.clone().ok_or("no SlackTeamID")?;
        let token = r.bot_token.clone().ok_or("no SlackBotAccessToken")?;
        let app = match &r.app_token {
            Some(_) => Some(app_id(id)),
            None => self.app.clone(),
        };
        Ok(ResolvedTeam {
            id: team,
            bot: self.bot.clone(),
            token,
            app,
            config: r.custom.clone(),
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
            self.host.add_app(ResolvedApp {
                id: app_id(id),
                token: token.clone(),
            });
            state.apps.insert(id.clone(), token.clone());
        }
        replaced
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
                self.host.remove(&team.id).await;
            }
            self.drop_app(state, &id).await;
        }
    }
}

/// The Socket Mode app id of a resource with its own app token.
fn app_id(id: &ResourceId) -> String {
    format!("resource-{id}")
}
