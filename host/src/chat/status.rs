//! A team's link status (the connection to its chat), after slack-bot-manager's statuses
//! (connected / disconnected / rate_limited / token_revoked) and twilight's
//! explicit connection states.

use std::fmt;

use serde::Serialize;

/// Where a team's link to Slack stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LinkStatus {
    /// Asking for a socket URL or opening the socket; `attempt` counts
    /// consecutive tries.
    Connecting { attempt: u32 },
    /// `hello` received; events flow.
    Connected,
    /// The socket closed; the next try comes after a backoff.
    Disconnected { attempts: u32, reason: String },
    /// Slack asked us to slow down; retrying after `retry_in_ms`.
    RateLimited { retry_in_ms: u64 },
    /// The token was revoked or is invalid: the team stops reconnecting
    /// until it is updated with a new token.
    TokenRevoked { reason: String },
    /// Any other error that makes retrying pointless.
    Fatal { reason: String },
    /// The link was shut down on purpose.
    Closed,
}

impl LinkStatus {
    /// The short name used in metrics and the admin API.
    pub fn name(&self) -> &'static str {
        match self {
            LinkStatus::Connecting { .. } => "connecting",
            LinkStatus::Connected => "connected",
            LinkStatus::Disconnected { .. } => "disconnected",
            LinkStatus::RateLimited { .. } => "rate_limited",
            LinkStatus::TokenRevoked { .. } => "token_revoked",
            LinkStatus::Fatal { .. } => "fatal",
            LinkStatus::Closed => "closed",
        }
    }
}

impl fmt::Display for LinkStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkStatus::Connecting { attempt } => write!(f, "connecting (attempt {attempt})"),
            LinkStatus::Disconnected { attempts, reason } => {
                write!(f, "disconnected ({attempts} attempts): {reason}")
            }
            LinkStatus::RateLimited { retry_in_ms } => {
                write!(f, "rate_limited (retry in {retry_in_ms} ms)")
            }
            LinkStatus::TokenRevoked { reason } => write!(f, "token_revoked: {reason}"),
            LinkStatus::Fatal { reason } => write!(f, "fatal: {reason}"),
            other => f.write_str(other.name()),
        }
    }
}
