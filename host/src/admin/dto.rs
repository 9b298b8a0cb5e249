//! Request and response bodies of the admin API. Tokens come in, never go
//! out: no response type has a field that could hold one.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::ids::TeamId;
use crate::profile::BotConfig;
use crate::secret::Secret;
use crate::slack::LinkStatus;
use crate::team::BotStatus;

/// A team in the list.
#[derive(Debug, Serialize)]
pub struct TeamView {
    pub id: TeamId,
    /// The bot component's path and short content hash.
    pub component: String,
    pub digest: String,
    pub bot: BotStatus,
    pub link: LinkStatus,
}

/// Adding or updating a team (slack-bot-manager's add_token /
/// update_token, plus the bot and its config).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamRequest {
    pub id: TeamId,
    pub bot: PathBuf,
    pub token: Secret,
    #[serde(default)]
    pub app: Option<String>,
    #[serde(default)]
    pub config: BotConfig,
}

/// Checking a token (check_token).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenCheck {
    pub token: Secret,
}

#[derive(Debug, Serialize)]
pub struct TokenInfo {
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}
