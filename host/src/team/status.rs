//! A team's bot status, published by its supervisor through a watch
//! channel so the registry and the admin API read it without a round trip.

use std::fmt;

use serde::Serialize;

/// Where a team's bot is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BotStatus {
    /// Loading the bot, connecting the team, running `init`.
    Starting,
    /// Not started yet because something outside the bot is not ready (the
    /// chat cannot be reached, the bot file cannot be read, the app is not
    /// there yet); tried again after `retry_in_ms`, or at once on an update.
    Pending {
        attempts: u32,
        last_error: String,
        retry_in_ms: u64,
    },
    /// Healthy and handling events.
    Running,
    /// The instance trapped or timed out `traps` times in a row; a fresh
    /// instance is created on the next event or timer after the backoff.
    Faulted {
        traps: u32,
        last_error: String,
        retry_in_ms: u64,
    },
    /// The team cannot run until it is updated: the component is invalid,
    /// the token was refused, or `init` refused the config.
    Failed { reason: String },
    /// Kept out after too many strikes (faults, CPU throttles) within
    /// the window: its events are counted and dropped, its timers wait.
    /// Back after `retry_in_ms`, on an update, or when an operator
    /// releases it.
    Quarantined {
        reason: String,
        since_unix_secs: u64,
        retry_in_ms: u64,
    },
    /// Shut down and removed.
    Stopped,
}

impl BotStatus {
    /// The short name used in metrics and tables.
    pub fn name(&self) -> &'static str {
        match self {
            BotStatus::Starting => "starting",
            BotStatus::Pending { .. } => "pending",
            BotStatus::Running => "running",
            BotStatus::Faulted { .. } => "faulted",
            BotStatus::Failed { .. } => "failed",
            BotStatus::Quarantined { .. } => "quarantined",
            BotStatus::Stopped => "stopped",
        }
    }
}

impl fmt::Display for BotStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BotStatus::Starting => f.write_str("starting"),
            BotStatus::Pending {
                attempts,
                last_error,
                ..
            } => write!(f, "pending ({attempts} attempts: {last_error})"),
            BotStatus::Running => f.write_str("running"),
            BotStatus::Faulted {
                traps, last_error, ..
            } => write!(f, "faulted ({traps} in a row: {last_error})"),
            BotStatus::Failed { reason } => write!(f, "failed: {reason}"),
            BotStatus::Quarantined { reason, .. } => write!(f, "quarantined: {reason}"),
            BotStatus::Stopped => f.write_str("stopped"),
        }
    }
}
