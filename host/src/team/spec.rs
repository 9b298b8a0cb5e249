//! What the host needs to serve a team: who it is, which bot, which config.

use std::path::PathBuf;

use crate::ids::TeamId;
use crate::profile::{BotConfig, TeamInfo};

/// A team to serve. Resource sources (resourcer, teams file, admin API)
/// produce these; the manager turns them into running bots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamSpec {
    pub info: TeamInfo,
    /// Path of the bot's component file.
    pub bot: PathBuf,
    /// The team's custom config (never a secret).
    pub config: BotConfig,
}

impl TeamSpec {
    pub fn id(&self) -> &TeamId {
        &self.info.id
    }
}
