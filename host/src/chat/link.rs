//! The port through which the team layer connects a team to its chat,
//! whatever carries it (Slack over RTM or Socket Mode, the local space).
//! A team's actor owns the [`Link`] it gets: the link's connection tasks
//! live exactly as long as the team does.

use std::sync::Arc;

use async_trait::async_trait;
use thiserror::Error;
use tokio::sync::watch;

use super::ChatBackend;
use super::status::LinkStatus;
use crate::event::EventSink;
use crate::ids::TeamId;
use crate::spec::TeamSpec;
use crate::team_info::TeamInfo;

/// Why a team could not be connected.
#[derive(Debug, Error)]
pub enum LinkError {
    /// The chat refused the token (revoked, invalid) or could not be asked.
    #[error("team {team}: token check failed: {reason}")]
    Refused { team: TeamId, reason: String },
    /// The chat could not be asked (network, server error, rate limit):
    /// trying again later can help.
    #[error("team {team}: chat unreachable: {reason}")]
    Unavailable { team: TeamId, reason: String },
    #[error("team {expected}: the token belongs to team {actual}")]
    WrongTeam { expected: TeamId, actual: TeamId },
    #[error("team {team}: unknown Socket Mode app {app}")]
    UnknownApp { team: TeamId, app: String },
}

impl LinkError {
    /// Whether trying again later can help (the app may still be added,
    /// the network may come back); a refused token or another team's token
    /// needs an operator.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            LinkError::Unavailable { .. } | LinkError::UnknownApp { .. }
        )
    }
}

/// Connects teams.
#[async_trait]
pub trait Connector: Send + Sync + 'static {
    /// Checks the team's credentials and prepares its link; the bot can
    /// already use [`Link::chat`]. Events go to `sink` only once the link
    /// is [activated](Link::activate), so none arrive before the bot is
    /// ready.
    ///
    /// # Errors
    /// A [`LinkError`] saying why the team cannot be connected.
    async fn connect(
        &self,
        spec: &TeamSpec,
        sink: Arc<dyn EventSink>,
    ) -> Result<Box<dyn Link>, LinkError>;
}

/// One team's connection, owned by the team's actor.
#[async_trait]
pub trait Link: Send + Sync + std::fmt::Debug {
    /// What the bot is told about its team.
    fn info(&self) -> &TeamInfo;
    /// The team's chat, for its bot's host calls. Bound to this team: it
    /// cannot reach another.
    fn chat(&self) -> Arc<dyn ChatBackend>;
    /// The link's status, kept current by its connection tasks.
    fn status(&self) -> watch::Receiver<LinkStatus>;
    /// Starts delivering events (idempotent).
    fn activate(&mut self);
    /// Closes the connection and waits for its tasks.
    async fn close(self: Box<Self>);
}
