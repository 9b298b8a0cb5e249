//! A cheap handle to a team's actor: send events, flush, read status.

use tokio::sync::{mpsc, oneshot, watch};

use super::error::TeamError;
use super::status::BotStatus;
use super::supervisor::Command;
use crate::event::Event;
use crate::ids::TeamId;

/// Talks to one team's supervisor. Clone freely.
#[derive(Debug, Clone)]
pub struct TeamHandle {
    team: TeamId,
    mailbox: mpsc::Sender<Command>,
    status: watch::Receiver<BotStatus>,
}

impl TeamHandle {
    pub(super) fn new(
        team: TeamId,
        mailbox: mpsc::Sender<Command>,
        status: watch::Receiver<BotStatus>,
    ) -> Self {
        Self {
            team,
            mailbox,
            status,
        }
    }

    pub fn team(&self) -> &TeamId {
        &self.team
    }

    /// The bot's current status.
    pub fn status(&self) -> BotStatus {
        self.status.borrow().clone()
    }

    /// Queues an event, waiting for room in the mailbox (backpressure).
    /// Cancel-safe: if the future is dropped, the event was not queued.
    ///
    /// # Errors
    /// [`TeamError::Closed`] when the team is shutting down.
    pub async fn deliver(&self, event: Event) -> Result<(), TeamError> {
        self.mailbox
            .send(Command::Event(event))
            .await
            .map_err(|_| TeamError::Closed(self.team.clone()))
    }

    /// Queues an event without waiting; a full mailbox refuses it, so one
    /// slow bot never stalls the transport feeding every team.
    ///
    /// # Errors
    /// [`TeamError::Busy`] when the mailbox is full, [`TeamError::Closed`]
    /// when the team is shutting down.
    pub fn try_deliver(&self, event: Event) -> Result<(), TeamError> {
        self.mailbox
            .try_send(Command::Event(event))
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => TeamError::Busy(self.team.clone()),
                mpsc::error::TrySendError::Closed(_) => TeamError::Closed(self.team.clone()),
            })
    }

    /// Resolves once every command queued before it has been handled.
    ///
    /// # Errors
    /// [`TeamError::Closed`] when the team is shutting down.
    pub async fn flush(&self) -> Result<(), TeamError> {
        let (done, wait) = oneshot::channel();
        self.mailbox
            .send(Command::Flush(done))
            .await
            .map_err(|_| TeamError::Closed(self.team.clone()))?;
        wait.await.map_err(|_| TeamError::Closed(self.team.clone()))
    }

    pub(super) async fn command(&self, cmd: Command) -> Result<(), TeamError> {
        self.mailbox
            .send(cmd)
            .await
            .map_err(|_| TeamError::Closed(self.team.clone()))
    }
}
