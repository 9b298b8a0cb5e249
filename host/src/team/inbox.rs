//! A team's inbox as its link sees it: events go to the team's actor
//! without waiting, so a slow or full team never stalls the socket that
//! feeds it (or, over Socket Mode, every team of the app).

use std::sync::Arc;

use tokio::sync::mpsc;

use super::supervisor::Mail;
use crate::counters::TeamCounters;
use crate::event::{Event, EventSink};
use crate::ids::TeamId;
use crate::metrics::Metrics;

#[derive(Debug, Clone)]
pub(super) struct Inbox {
    pub(super) team: TeamId,
    pub(super) mail: mpsc::Sender<Mail>,
    pub(super) metrics: Arc<Metrics>,
    pub(super) counters: Arc<TeamCounters>,
}

impl EventSink for Inbox {
    fn deliver(&self, event: Event) {
        let kind = event.kind();
        match self.mail.try_send(Mail::Event(event)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.metrics.events_dropped.inc();
                self.counters.event_dropped();
                tracing::warn!(team = %self.team, event = kind, "team mailbox full; event dropped");
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {
                tracing::debug!(team = %self.team, event = kind, "team stopped; event not delivered");
            }
        }
    }
}
