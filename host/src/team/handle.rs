//! A cheap handle to a team's actor: control it, feed it events, read its
//! state. Control (update) and events travel on separate channels, so a
//! full mailbox never holds an update back.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch};

use super::error::TeamError;
use super::status::BotStatus;
use super::supervisor::{Control, Mail, TeamState};
use super::view::TeamView;
use crate::chat::LinkStatus;
use crate::counters::TeamCounters;
use crate::event::Event;
use crate::ids::TeamId;
use crate::spec::TeamSpec;

/// Talks to one team's actor. Clone freely.
#[derive(Debug, Clone)]
pub struct TeamHandle {
    team: TeamId,
    control: mpsc::Sender<Control>,
    mail: mpsc::Sender<Mail>,
    state: watch::Receiver<TeamState>,
    counters: Arc<TeamCounters>,
}

impl TeamHandle {
    pub(super) fn new(
        team: TeamId,
        control: mpsc::Sender<Control>,
        mail: mpsc::Sender<Mail>,
        state: watch::Receiver<TeamState>,
        counters: Arc<TeamCounters>,
    ) -> Self {
        Self {
            team,
            control,
            mail,
            state,
            counters,
        }
    }

    pub fn team(&self) -> &TeamId {
        &self.team
    }

    /// Whether both handles reach the same actor (not just the same team:
    /// a team removed and added again has a new actor).
    pub fn same_actor(&self, other: &TeamHandle) -> bool {
        self.control.same_channel(&other.control)
    }

    /// The bot's current status.
    pub fn status(&self) -> BotStatus {
        self.state.borrow().bot.clone()
    }

    /// The spec the team is served with now.
    pub fn spec(&self) -> TeamSpec {
        self.state.borrow().spec.clone()
    }

    /// The link's status, to watch it change; `None` before the team is
    /// connected.
    pub fn link_status(&self) -> Option<watch::Receiver<LinkStatus>> {
        self.state.borrow().link.clone()
    }

    /// Waits until the bot's status satisfies `want`.
    ///
    /// # Errors
    /// [`TeamError::Closed`] when the team stops first.
    pub async fn wait_for(
        &self,
        want: impl Fn(&BotStatus) -> bool,
    ) -> Result<BotStatus, TeamError> {
        let mut state = self.state.clone();
        let seen = state
            .wait_for(|s| want(&s.bot))
            .await
            .map_err(|_| TeamError::Closed(self.team.clone()))?;
        Ok(seen.bot.clone())
    }

    /// The team as seen from outside.
    pub fn view(&self) -> TeamView {
        let state = self.state.borrow();
        TeamView {
            id: self.team.clone(),
            source: state.spec.source.clone(),
            component: state.spec.bot.display().to_string(),
            digest: state.digest.map(|d| d.short()).unwrap_or_default(),
            contract: state.contract.clone().unwrap_or_default(),
            bot: state.bot.clone(),
            link: state
                .link
                .as_ref()
                .map_or(LinkStatus::Closed, |l| l.borrow().clone()),
            stats: self.counters.snapshot(),
        }
    }

    /// Queues an event, waiting for room in the mailbox (backpressure).
    /// Cancel-safe: if the future is dropped, the event was not queued.
    ///
    /// # Errors
    /// [`TeamError::Closed`] when the team is shutting down.
    pub async fn deliver(&self, event: Event) -> Result<(), TeamError> {
        self.mail
            .send(Mail::Event(event))
            .await
            .map_err(|_| TeamError::Closed(self.team.clone()))
    }

    /// Queues an event without waiting; a full mailbox refuses it.
    ///
    /// # Errors
    /// [`TeamError::Busy`] when the mailbox is full, [`TeamError::Closed`]
    /// when the team is shutting down.
    pub fn try_deliver(&self, event: Event) -> Result<(), TeamError> {
        self.mail.try_send(Mail::Event(event)).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => TeamError::Busy(self.team.clone()),
            mpsc::error::TrySendError::Closed(_) => TeamError::Closed(self.team.clone()),
        })
    }

    /// Resolves once every event queued before it has been handled.
    ///
    /// # Errors
    /// [`TeamError::Closed`] when the team is shutting down.
    pub async fn flush(&self) -> Result<(), TeamError> {
        let (done, wait) = oneshot::channel();
        self.mail
            .send(Mail::Flush(done))
            .await
            .map_err(|_| TeamError::Closed(self.team.clone()))?;
        wait.await.map_err(|_| TeamError::Closed(self.team.clone()))
    }

    /// Ends the team's quarantine now; returns whether it was quarantined.
    ///
    /// # Errors
    /// [`TeamError::Closed`] when the team is shutting down.
    pub async fn release(&self) -> Result<bool, TeamError> {
        let (done, answer) = oneshot::channel();
        self.control
            .send(Control::Release { done })
            .await
            .map_err(|_| TeamError::Closed(self.team.clone()))?;
        answer
            .await
            .map_err(|_| TeamError::Closed(self.team.clone()))
    }

    /// Applies a changed spec (see [`Teams::update`](super::Teams::update)).
    ///
    /// # Errors
    /// As [`Teams::update`](super::Teams::update).
    pub async fn update(&self, spec: TeamSpec) -> Result<(), TeamError> {
        let (done, answer) = oneshot::channel();
        self.control
            .send(Control::Update {
                spec: Box::new(spec),
                done,
            })
            .await
            .map_err(|_| TeamError::Closed(self.team.clone()))?;
        answer
            .await
            .map_err(|_| TeamError::Closed(self.team.clone()))?
    }
}
