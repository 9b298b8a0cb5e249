//! Who a bot serves and how its team configured it. Given to the bot in
//! `init` and `reconfigure`; never holds a secret.

use std::collections::BTreeMap;

use crate::ids::{TeamId, UserId};

/// The team a bot serves, as the bot sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamInfo {
    pub id: TeamId,
    pub name: String,
    pub bot_user_id: UserId,
    pub bot_user_name: String,
}

/// A team's custom configuration: plain key/value strings, sorted by key so
/// bots see them in a stable order. Secrets are stripped before a value
/// ever lands here.
pub type BotConfig = BTreeMap<String, String>;
