//! What the host is asked to serve: the one description of a team (and of
//! a Slack app) that every source produces (the teams file, the admin
//! API, the resourcer, local mode) and every layer reads.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::bot_config::BotConfig;
use crate::ids::{ResourceId, TeamId};
use crate::secret::Secret;

/// Where a team came from: shown in the admin API, and what decides which
/// source may change or remove it (a source only its own teams; the
/// operator, through the admin API, any team). Deserialises from the same
/// tagged shape (the team registry keeps it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TeamSource {
    /// The `[[teams]]` of the config file.
    File,
    /// The admin HTTP API.
    #[default]
    Admin,
    /// A Beep Boop resourcer, with its id for the installation.
    Resourcer { resource: ResourceId },
    /// `bothost local` and the scenario tests' local space.
    Local,
    /// An "Add to Slack" install of the configured app `app`.
    #[serde(rename = "oauth")]
    OAuth { app: String },
}

impl std::fmt::Display for TeamSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TeamSource::File => f.write_str("the teams file"),
            TeamSource::Admin => f.write_str("the admin API"),
            TeamSource::Resourcer { resource } => write!(f, "resourcer resource {resource}"),
            TeamSource::Local => f.write_str("local mode"),
            TeamSource::OAuth { app } => write!(f, "an OAuth install of app {app}"),
        }
    }
}

/// A team to serve. Deserialises from the admin API's request body (the
/// source is set by whoever receives it, never by the client).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamSpec {
    /// Checked when read ([`TeamId::parse`]): a bad id is a 400, not a
    /// team that never hears from Slack.
    #[serde(deserialize_with = "TeamId::deserialize_checked")]
    pub id: TeamId,
    /// The bot's component file.
    pub bot: PathBuf,
    /// The bot token (`xoxb-…`); only the team's link ever reads it.
    pub token: Secret,
    /// Take events from this app (over Socket Mode, HTTP or both, as the
    /// app has them) instead of RTM.
    #[serde(default)]
    pub app: Option<String>,
    /// The team's custom config for its bot (never a secret).
    #[serde(default)]
    pub config: BotConfig,
    #[serde(skip)]
    pub source: TeamSource,
}

impl TeamSpec {
    /// Whether `other` needs a new link (another token or transport).
    pub fn relinks(&self, other: &TeamSpec) -> bool {
        self.token != other.token || self.app != other.app
    }
}

/// An app workspaces install with "Add to Slack" (OAuth v2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthAppSpec {
    /// The configured app id (`[[apps]] id`), in the install URLs.
    pub id: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// The bot every install runs.
    pub bot: PathBuf,
    /// Bot scopes asked for.
    pub scopes: Vec<String>,
    /// Bot tokens expire and are renewed with the refresh token.
    pub token_rotation: bool,
    /// The app carries its installs' events (over Socket Mode or the
    /// Events API over HTTP); otherwise installed teams connect over RTM.
    pub carries_events: bool,
}

/// A Socket Mode app: one app-level token (`xapp-…`) for every workspace
/// the app is installed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSpec {
    pub id: String,
    pub token: Secret,
}

/// An app whose events come over HTTP (the Events API, slash commands and
/// interactivity at its request URLs): every request is signed with its
/// signing secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAppSpec {
    pub id: String,
    pub signing_secret: Secret,
}
