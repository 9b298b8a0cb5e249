//! The manager as the transports' event sink: events are routed to the
//! team's actor without waiting, so a slow or full team never stalls the
//! socket that feeds every other team.

use super::error::TeamError;
use super::manager::TeamManager;
use crate::event::Event;
use crate::ids::TeamId;
use crate::slack::EventSink;

impl EventSink for TeamManager {
    fn deliver(&self, team: &TeamId, event: Event) {
        let kind = event.type_name().to_owned();
        match self.dispatch(team, event) {
            Ok(()) => {}
            Err(TeamError::Busy(_)) => {
                self.metrics().events_dropped.inc();
                tracing::warn!(%team, event = %kind, "team mailbox full; event dropped");
            }
            Err(e) => tracing::debug!(%team, event = %kind, error = %e, "event not delivered"),
        }
    }
}
