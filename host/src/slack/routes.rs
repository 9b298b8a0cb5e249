//! An app's routing table: the teams attached to one app and where each
//! one's events go. Shared by both transports an app may have (Socket Mode
//! envelopes and HTTP requests carry the same payloads), so a bot sees the
//! same events whatever the transport. Uninstall events (`app_uninstalled`,
//! `tokens_revoked` naming the team's bot) never reach the bot: they are
//! handed to whoever serves the hub's [`Uninstall`] queue.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use serde_json::Value;
use tokio::sync::mpsc;

use super::dispatch::dispatch;
use super::events::parse_slash_command;
use super::link::TeamLink;
use crate::chat::LinkStatus;
use crate::event::{Event, EventSink};
use crate::ids::TeamId;

/// Uninstalls waiting for the host; they are rare, so a full queue is a
/// sign nobody serves it (logged).
pub(super) const UNINSTALL_QUEUE: usize = 1024;

/// Slack said a team no longer has the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uninstall {
    pub team: TeamId,
    pub app: String,
    pub reason: UninstallReason,
}

/// Which event said so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UninstallReason {
    /// `app_uninstalled`: the app was removed from the workspace.
    AppUninstalled,
    /// `tokens_revoked` listing the team's bot user.
    TokensRevoked,
}

impl std::fmt::Display for UninstallReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            UninstallReason::AppUninstalled => "app_uninstalled",
            UninstallReason::TokensRevoked => "tokens_revoked",
        })
    }
}

/// What a payload is (Socket Mode's envelope `type`, or the HTTP route it
/// came to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PayloadKind<'a> {
    /// An `event_callback` (`events_api`).
    EventsApi,
    /// A slash command (`slash_commands`).
    SlashCommands,
    /// Anything else (`interactive`…), handed to the bot as raw JSON under
    /// this type name.
    Other(&'a str),
}

impl<'a> PayloadKind<'a> {
    /// Reads Socket Mode's envelope type.
    pub(super) fn of_envelope(kind: &'a str) -> Self {
        match kind {
            "events_api" => PayloadKind::EventsApi,
            "slash_commands" => PayloadKind::SlashCommands,
            other => PayloadKind::Other(other),
        }
    }
}

/// A team attached to an app: its link (identity, directory) and where
/// its events go.
#[derive(Clone)]
struct Attached {
    link: Arc<TeamLink>,
    sink: Arc<dyn EventSink>,
}

impl std::fmt::Debug for Attached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attached")
            .field("team", &self.link.team)
            .finish_non_exhaustive()
    }
}

/// One app's teams.
#[derive(Debug)]
pub(super) struct AppRoutes {
    pub(super) app_id: String,
    teams: RwLock<HashMap<TeamId, Attached>>,
    uninstalls: mpsc::Sender<Uninstall>,
}

impl AppRoutes {
    pub(super) fn new(app_id: String, uninstalls: mpsc::Sender<Uninstall>) -> Self {
        Self {
            app_id,
            teams: RwLock::default(),
            uninstalls,
        }
    }

    pub(super) fn attach(&self, link: Arc<TeamLink>, sink: Arc<dyn EventSink>) {
        self.teams
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(link.team.clone(), Attached { link, sink });
    }

    pub(super) fn detach(&self, team: &TeamId) {
        self.teams
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(team);
    }

    fn team(&self, team: &TeamId) -> Option<Attached> {
        self.teams
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(team)
            .cloned()
    }

    /// Sets every attached team's link status.
    pub(super) fn set_status(&self, status: &LinkStatus) {
        for team in self
            .teams
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
        {
            team.link.set_status(status.clone());
        }
    }

    /// Hands a payload to its team (by `team_id`, or `team.id` for
    /// interactive payloads). Never fails: what cannot be routed is logged.
    pub(super) fn route(&self, kind: PayloadKind<'_>, payload: &Value) {
        let team = payload
            .get("team_id")
            .or_else(|| payload.pointer("/team/id"))
            .and_then(Value::as_str);
        let Some(Attached { link, sink }) = team.and_then(|t| self.team(&TeamId::from(t))) else {
            tracing::warn!(app = %self.app_id, team = ?team, ?kind, "payload for a team this host does not serve");
            return;
        };
        match kind {
            PayloadKind::EventsApi => match payload.get("event") {
                Some(event) => {
                    if let Some(reason) = uninstall_reason(&link, event) {
                        self.uninstall(&link.team, reason);
                    } else {
                        dispatch(&link, sink.as_ref(), event);
                    }
                }
                None => tracing::warn!(team = %link.team, "event callback without an event"),
            },
            PayloadKind::SlashCommands => match parse_slash_command(payload) {
                Ok(event) => sink.deliver(event),
                Err(e) => tracing::warn!(team = %link.team, error = %e, "slash command ignored"),
            },
            PayloadKind::Other(other) => {
                // Interactive payloads carry the app's verification token,
                // which is shared by every workspace: never hand it to a bot.
                let mut payload = payload.clone();
                if let Some(object) = payload.as_object_mut() {
                    object.remove("token");
                }
                sink.deliver(Event::Other {
                    type_name: other.to_owned(),
                    raw_json: payload.to_string(),
                });
            }
        }
    }

    fn uninstall(&self, team: &TeamId, reason: UninstallReason) {
        tracing::info!(app = %self.app_id, %team, %reason, "Slack says the app is gone from the team");
        let uninstall = Uninstall {
            team: team.clone(),
            app: self.app_id.clone(),
            reason,
        };
        if self.uninstalls.try_send(uninstall).is_err() {
            tracing::error!(app = %self.app_id, %team, "uninstall not applied: nobody serves the uninstall queue");
        }
    }
}

/// Whether `event` says the team's app or bot token is gone:
/// `app_uninstalled`, or `tokens_revoked` listing the team's bot user
/// (user tokens alone change nothing: the host holds none).
fn uninstall_reason(link: &TeamLink, event: &Value) -> Option<UninstallReason> {
    match event.get("type").and_then(Value::as_str)? {
        "app_uninstalled" => Some(UninstallReason::AppUninstalled),
        "tokens_revoked" => {
            let bots = event.pointer("/tokens/bot").and_then(Value::as_array)?;
            bots.iter()
                .any(|u| u.as_str() == Some(link.identity.user_id.as_str()))
                .then_some(UninstallReason::TokensRevoked)
        }
        _ => None,
    }
}
