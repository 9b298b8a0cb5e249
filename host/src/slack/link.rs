//! What the host keeps per Slack team: its token, identity, Web API client,
//! rate scheduler, users/channels cache, status, and the outgoing queue of
//! its RTM socket (for typing indicators). Shared by the transport task
//! that feeds it and the chat backend that bots call through.

use std::sync::{Arc, PoisonError, RwLock};

use tokio::sync::{mpsc, watch};

use super::api::WebClient;
use super::directory::Directory;
use super::events::BotIdentity;
use super::ratelimit::RateLimiter;
use super::tuning::Tuning;
use crate::chat::LinkStatus;
use crate::ids::{ChannelId, TeamId};
use crate::metrics::Metrics;
use crate::secret::Secret;

/// A frame for the team's RTM socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtmOutgoing {
    Typing(ChannelId),
}

/// One team's link to Slack.
#[derive(Debug)]
pub struct TeamLink {
    pub team: TeamId,
    pub team_name: String,
    pub token: Secret,
    pub identity: BotIdentity,
    pub web: WebClient,
    pub limiter: RateLimiter,
    pub tuning: Tuning,
    pub metrics: Arc<Metrics>,
    directory: RwLock<Directory>,
    status: watch::Sender<LinkStatus>,
    rtm_out: Option<mpsc::Sender<RtmOutgoing>>,
}

impl TeamLink {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        team: TeamId,
        team_name: String,
        token: Secret,
        identity: BotIdentity,
        web: WebClient,
        limiter: RateLimiter,
        tuning: Tuning,
        metrics: Arc<Metrics>,
        rtm_out: Option<mpsc::Sender<RtmOutgoing>>,
    ) -> Arc<Self> {
        Arc::new(Self {
            team,
            team_name,
            token,
            identity,
            web,
            limiter,
            tuning,
            metrics,
            directory: RwLock::default(),
            status: watch::channel(LinkStatus::Connecting { attempt: 0 }).0,
            rtm_out,
        })
    }

    /// Reads the directory. The lock is never held across an await.
    pub fn directory<R>(&self, f: impl FnOnce(&Directory) -> R) -> R {
        f(&self
            .directory
            .read()
            .unwrap_or_else(PoisonError::into_inner))
    }

    pub fn directory_mut<R>(&self, f: impl FnOnce(&mut Directory) -> R) -> R {
        f(&mut self
            .directory
            .write()
            .unwrap_or_else(PoisonError::into_inner))
    }

    pub fn status(&self) -> LinkStatus {
        self.status.borrow().clone()
    }

    /// Watch the status change.
    pub fn subscribe(&self) -> watch::Receiver<LinkStatus> {
        self.status.subscribe()
    }

    pub(super) fn set_status(&self, status: LinkStatus) {
        self.status.send_if_modified(|old| {
            if *old == status {
                false
            } else {
                // Per-team chatter (thousands of teams reconnect now and
                // then) is DEBUG; the host logs a periodic summary. A team
                // that stops for good is worth a warning.
                match status {
                    LinkStatus::TokenRevoked { .. } | LinkStatus::Fatal { .. } => {
                        tracing::warn!(team = %self.team, status = %status, "slack link stopped");
                    }
                    _ => tracing::debug!(team = %self.team, status = %status, "slack link status"),
                }
                *old = status;
                true
            }
        });
    }

    /// Queues a frame for the RTM socket; dropped when there is no RTM
    /// socket or its queue is full (typing is best effort).
    pub fn send_rtm(&self, frame: RtmOutgoing) -> bool {
        self.rtm_out
            .as_ref()
            .is_some_and(|tx| tx.try_send(frame).is_ok())
    }
}
