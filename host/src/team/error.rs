//! Errors of team management.

use thiserror::Error;

use crate::ids::TeamId;
use crate::runtime::{BotFailure, CallError, RuntimeError};

#[derive(Debug, Error)]
pub enum TeamError {
    #[error("team {0} is not served by this host")]
    UnknownTeam(TeamId),
    #[error(transparent)]
    Load(#[from] RuntimeError),
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
