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
//! Messages about one resource apply in order; messages about different
//! resources apply concurrently (bounded), so one slow bot never delays
//! another team's add.
//!
//! A resource owns only the team it added: announcing a team another
//! source (the teams file, the admin API, another resource) serves is
//! refused and logged (see [`Host::conflicts`]); the resource is then not
//! counted as serving it, so its later removal leaves that team alone.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::lanes::Lanes;
use crate::deadline::sleep_until;
use crate::host::{ChangeError, Host, StoredState};
use crate::resourcer::{
    self, Notice, Resource, ResourceId, ResourceMessage, ResourcerConfig, ServerMessage,
};
use crate::secret::Secret;
use crate::shutdown::Shutdown;
use crate::spec::{AppSpec, TeamSource, TeamSpec};

/// Resources whose messages are applied at once.
const CONCURRENT_RESOURCES: usize = 16;

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

/// What the resourcer's session looks like from the message loop.
#[derive(Debug, Default)]
struct Session {
    /// Resources announced since the current session began.
    announced: HashSet<ResourceId>,
    sweep_at: Option<Instant>,
    number: u64,
}

/// What this source serves, per resource. Each resource's entries are only
/// changed by work on that resource's lane, so a lock is held only for a
/// lookup, never across a host call.
#[derive(Debug, Default)]
struct Served {
    teams: HashMap<ResourceId, TeamSpec>,
    /// Resources with a Socket Mode app of their own, by its token.
    apps: HashMap<ResourceId, Secret>,
}

impl Served {
    /// What this source served before a restart, as the host resumed it
    /// from its registry: resources re-announced unchanged after the
    /// reconnect stay untouched, the others are removed after the grace
    /// period, as after any reconnect.
    async fn adopt(host: &Host) -> Self {
        let mut served = Self::default();
        for spec in host.specs_of(|source| matches!(source, TeamSource::Resourcer { .. })) {
            if let TeamSource::Resourcer { resource } = &spec.source {
                served.teams.insert(resource.clone(), spec.clone());
            }
        }
        match host.storage().teams.load_apps().await {
            Ok(apps) => {
                for app in apps {
                    if let Some(resource) = app.id.strip_prefix(APP_PREFIX) {
                        served.apps.insert(ResourceId::from(resource), app.token);
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "stored resourcer apps not loaded"),
        }
        served
    }
}

/// Applies one resource's changes to the host (runs on its lane).
#[derive(Debug, Clone)]
struct Applier {
    host: Arc<Host>,
    served: Arc<Mutex<Served>>,
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
    /// cancelled. The protocol client and the work on each resource run as
    /// tasks of `scope`.
    pub async fn run(self, config: ResourcerConfig, scope: Shutdown) {
        let (tx, mut rx) = mpsc::channel(64);
        let cancel = scope.token().clone();
        let client_cancel = cancel.child_token();
        let client = scope.spawn(resourcer::run(config, tx, client_cancel.clone()));
        let applier = Applier {
            host: self.host.clone(),
            served: Arc::new(Mutex::new(Served::adopt(&self.host).await)),
        };
        let mut lanes = Lanes::new(scope.child(), CONCURRENT_RESOURCES);
        let mut session = Session::default();
        loop {
            tokio::select! {
                () = cancel.cancelled() => break,
                notice = rx.recv() => match notice {
                    Some(notice) => self.on_notice(&mut session, &applier, &mut lanes, notice),
                    None => break,
                },
                () = sleep_until(session.sweep_at) => {
                    self.sweep(&mut session, &applier, &mut lanes, &scope);
                }
            }
        }
        client_cancel.cancel();
        let _ = client.await;
    }

    fn on_notice(
        &self,
        session: &mut Session,
        applier: &Applier,
        lanes: &mut Lanes<ResourceId>,
        notice: Notice,
    ) {
        match notice {
            Notice::Connected { session: number } => {
                tracing::info!(session = number, "resourcer connected; awaiting its teams");
                session.announced.clear();
                session.number = number;
                session.sweep_at = Some(Instant::now() + self.grace);
            }
            Notice::Disconnected {
                session: number,
                reason,
            } => {
                tracing::warn!(session = number, %reason, "resourcer link lost; teams keep running");
                session.sweep_at = None;
            }
            Notice::Message { message, .. } => self.on_message(session, applier, lanes, message),
        }
    }

    fn on_message(
        &self,
        session: &mut Session,
        applier: &Applier,
        lanes: &mut Lanes<ResourceId>,
        message: ServerMessage,
    ) {
        match message {
            ServerMessage::AddResource(m) | ServerMessage::UpdateResource(m) => {
                let ResourceMessage {
                    resource_id: id,
                    msg_id,
                    resource,
                    ..
                } = m;
                let msg_id = msg_id.unwrap_or_else(|| "-".to_owned());
                let team = match self.resolve(&id, &resource) {
                    Ok(team) => team,
                    Err(why) => {
                        tracing::warn!(resource = %id, msg_id, error = why, "resource ignored");
                        return;
                    }
                };
                session.announced.insert(id.clone());
                let applier = applier.clone();
                let app_token = resource.app_token;
                lanes.run(id.clone(), async move {
                    applier.apply(id, team, app_token, msg_id).await;
                });
            }
            ServerMessage::RemoveResource(m) => {
                session.announced.remove(&m.resource_id);
                let applier = applier.clone();
                let msg_id = m.msg_id.unwrap_or_else(|| "-".to_owned());
                let id = m.resource_id;
                lanes.run(id.clone(), async move {
                    applier.remove_resource(&id, &msg_id).await;
                });
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

    /// Removes teams the resourcer did not re-announce within the grace
    /// period after it reconnected (each on its lane, after whatever that
    /// resource still had queued), then says the session has settled.
    fn sweep(
        &self,
        session: &mut Session,
        applier: &Applier,
        lanes: &mut Lanes<ResourceId>,
        scope: &Shutdown,
    ) {
        session.sweep_at = None;
        let stale: Vec<ResourceId> = {
            let served = applier.lock();
            served
                .teams
                .keys()
                .chain(served.apps.keys())
                .filter(|id| !session.announced.contains(*id))
                .cloned()
                .collect::<HashSet<_>>()
                .into_iter()
                .collect()
        };
        for id in stale {
            let applier = applier.clone();
            lanes.run(id.clone(), async move { applier.sweep(&id).await });
        }
        let idle = lanes.idle();
        let (settled, number) = (self.settled.clone(), session.number);
        scope.spawn(async move {
            idle.await;
            settled.send_replace(Some(number));
        });
    }
}

impl Applier {
    fn lock(&self) -> std::sync::MutexGuard<'_, Served> {
        self.served.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds, updates or leaves alone the resource's team.
    async fn apply(
        &self,
        id: ResourceId,
        team: TeamSpec,
        app_token: Option<Secret>,
        msg_id: String,
    ) {
        if self.sync_app(&id, app_token.as_ref()).await {
            let old = self.lock().teams.remove(&id);
            if let Some(old) = old {
                // A rotated app token means a new app link: start the team
                // over on it (its stored state is kept).
                self.remove(&old, StoredState::Keep).await;
            }
        }
        let old = self.lock().teams.get(&id).cloned();
        let result = match old {
            Some(old) if old == team => {
                tracing::debug!(resource = %id, "resource re-announced unchanged; untouched");
                return;
            }
            Some(_) => self.host.update_as(team.clone()).await,
            None => self.host.add_as(team.clone()).await,
        };
        match result {
            Ok(()) => {
                tracing::info!(resource = %id, team = %team.id, msg_id, "resource applied");
                self.lock().teams.insert(id, team);
            }
            Err(e) => {
                tracing::warn!(resource = %id, team = %team.id, msg_id, error = %e, "resource not applied");
                if let ChangeError::NotOwner { .. } = e {
                    // Another source's team: this resource does not serve
                    // it, now or when it is removed.
                    self.lock().teams.remove(&id);
                    self.drop_app(&id).await;
                    return;
                }
                let known = self.lock().teams.contains_key(&id);
                if !known && self.host.contains(&team.id) {
                    // Added but its bot refused to start: remember it so a
                    // fixed resource becomes an update.
                    self.lock().teams.insert(id, team);
                } else if !known {
                    self.drop_app(&id).await;
                }
            }
        }
    }

    async fn remove_resource(&self, id: &ResourceId, msg_id: &str) {
        self.drop_app(id).await;
        let team = self.lock().teams.remove(id);
        match team {
            Some(team) => {
                self.remove(&team, StoredState::Purge).await;
                tracing::info!(resource = %id, team = %team.id, "resource removed");
            }
            None => tracing::info!(resource = %id, msg_id, "remove of an unknown resource ignored"),
        }
    }

    async fn sweep(&self, id: &ResourceId) {
        let team = self.lock().teams.remove(id);
        if let Some(team) = team {
            tracing::info!(resource = %id, team = %team.id, "not re-announced after reconnect; removed");
            self.remove(&team, StoredState::Purge).await;
        }
        self.drop_app(id).await;
    }

    /// Gives a resource with its own app token its own Socket Mode link,
    /// replacing it when the token changed and removing it when gone.
    /// Returns whether an existing link was replaced.
    async fn sync_app(&self, id: &ResourceId, token: Option<&Secret>) -> bool {
        let had = {
            let served = self.lock();
            if served.apps.get(id) == token {
                return false;
            }
            served.apps.contains_key(id)
        };
        self.drop_app(id).await;
        if let Some(token) = token {
            let app = AppSpec {
                id: app_id(id),
                token: token.clone(),
            };
            // Kept, so a restart links the resource's team again before
            // the resourcer reconnects.
            if let Err(e) = self.host.storage().teams.save_app(&app).await {
                tracing::error!(resource = %id, error = %e, "resource's app not stored");
            }
            self.host.add_app(app);
            self.lock().apps.insert(id.clone(), token.clone());
        }
        had && token.is_some()
    }

    /// Removes a team this source added (never another source's).
    async fn remove(&self, team: &TeamSpec, stored: StoredState) {
        if let Err(e) = self.host.remove_as(&team.source, &team.id, stored).await {
            tracing::warn!(team = %team.id, error = %e, "resource's team not removed");
        }
    }

    async fn drop_app(&self, id: &ResourceId) {
        let had = self.lock().apps.remove(id).is_some();
        if had {
            self.host.remove_app(&app_id(id)).await;
            if let Err(e) = self.host.storage().teams.forget_app(&app_id(id)).await {
                tracing::warn!(resource = %id, error = %e, "resource's app not removed from storage");
            }
        }
    }
}

/// What the Socket Mode app id of a resource with its own app token
/// starts with.
const APP_PREFIX: &str = "resource-";

/// The Socket Mode app id of a resource with its own app token.
fn app_id(id: &ResourceId) -> String {
    format!("{APP_PREFIX}{id}")
}
