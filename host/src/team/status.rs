//! A team's bot status, published by its supervisor through a watch
//! channel so the manager (and the admin API) read it without a round trip.

use std::fmt;

use serde::Serialize;

/// Where a team's bot is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BotStatus {
    /// Instantiating and running `init`.
    Starting,
    /// Healthy and handling events.
    Running,
    /// The instance trapped or timed out `traps` times in a row; a fresh
    /// instance is created on the next event or timer after the backoff.
    Faulted {
        traps: u32,
        last_error: String,
        retry_in_ms: u64,
    },
    /// The bot cannot run until the team is updated: `init` refused the
    /// config, or the component could not be instantiated.
    Failed { reason: String },
    /// Shut down and removed.
    Stopped,
}

impl fmt::Display for BotStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BotStatus::Starting => f.write_str("starting"),
            BotStatus::Running => f.write_str("running"),
            BotStatus::Faulted {
                traps, last_error, ..
            } => write!(f, "faulted ({traps} in a row: {last_error})"),
            BotStatus::Failed { reason } => write!(f, "failed: {reason}"),
            BotStatus::Stopped => f.write_str("stopped"),
        }
    }
}
