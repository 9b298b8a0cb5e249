//! Errors of team management.

use thiserror::Error;

use crate::capabilities::BotFailure;
use crate::chat::LinkError;
use crate::ids::TeamId;
use crate::runtime::{CallError, RuntimeError};

#[derive(Debug, Error)]
pub enum TeamError {
    #[error("team {0} is not served by this host")]
    UnknownTeam(TeamId),
    #[error(transparent)]
    Load(#[from] RuntimeError),
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error("team {team}: bot refused to start: {failure}")]
    InitRefused { team: TeamId, failure: BotFailure },
    #[error("team {team}: bot refused the new config: {failure}")]
    ReconfigureRefused { team: TeamId, failure: BotFailure },
    #[error("team {team}: {error}")]
    Call { team: TeamId, error: CallError },
    #[error("team {0}: mailbox full, event dropped")]
    Busy(TeamId),
    #[error("team {0} is shutting down")]
    Closed(TeamId),
}

impl TeamError {
    /// Whether a team that could not start this way is tried again by
    /// itself: a bot file that cannot be read yet, a chat that cannot be
    /// reached. An invalid component or a refused token waits for an
    /// update instead.
    pub fn is_retryable(&self) -> bool {
        match self {
            TeamError::Load(RuntimeError::Read { .. }) => true,
            TeamError::Link(e) => e.is_retryable(),
            _ => false,
        }
    }

    /// Whether the failure is a mistake in what was asked for (a bot file
    /// that is missing or not a valid component, a refused token), as
    /// opposed to the bot's own refusal or a passing problem of the chat.
    pub fn is_mistake(&self) -> bool {
        match self {
            TeamError::Load(_) => true,
            TeamError::Link(e) => !e.is_retryable(),
            _ => false,
        }
    }
}
