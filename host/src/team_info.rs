//! Who a bot serves, as the bot is told in `init`. Never holds a secret.

use crate::ids::{TeamId, UserId};

/// The team a bot serves, as the bot sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamInfo {
    pub id: TeamId,
    pub name: String,
    pub bot_user_id: UserId,
    pub bot_user_name: String,
}
