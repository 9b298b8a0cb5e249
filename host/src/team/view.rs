//! A team as seen from outside: the one row the admin API, `/metrics` and
//! local mode's status are built from.

use serde::Serialize;

use super::status::BotStatus;
use crate::chat::LinkStatus;
use crate::counters::TeamStats;
use crate::ids::TeamId;
use crate::spec::TeamSource;

/// One team's state. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeamView {
    pub id: TeamId,
    pub source: TeamSource,
    /// The bot component's path.
    pub component: String,
    /// Its short content hash (empty until loaded).
    pub digest: String,
    /// The version of the WIT contract the component was built for
    /// (`"0.1.0"`, `"0.2.1"`; empty until loaded): an old bot keeps running
    /// beside new ones, and this says which is which.
    pub contract: String,
    pub bot: BotStatus,
    pub link: LinkStatus,
    /// What the team did and cost so far.
    pub stats: TeamStats,
}
