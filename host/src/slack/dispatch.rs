//! Hands a team's Slack event to the sink, keeping the team's directory
//! current on the way. Shared by RTM (events arrive bare) and Socket Mode
//! (events arrive inside `events_api` envelopes).

use serde_json::Value;

use super::events::{Incoming, parse_event};
use super::link::TeamLink;
use crate::event::EventSink;

/// Parses an event and hands it to the sink. The bot's own messages are
/// dropped; an event that does not parse is logged and dropped, never
/// fatal to the socket.
pub(super) fn dispatch(link: &TeamLink, sink: &dyn EventSink, value: &Value) {
    link.directory_mut(|d| d.observe_raw(value));
    match parse_event(value, &link.identity) {
        Ok(Incoming::Event(event)) => {
            link.directory_mut(|d| d.observe(&event));
            if let crate::event::Event::Other { type_name, .. } = &event {
                tracing::debug!(team = %link.team, %type_name, "event without a typed case");
            }
            sink.deliver(event);
        }
        Ok(Incoming::Own) => {}
        Err(e) => tracing::warn!(team = %link.team, error = %e, "event ignored"),
    }
}
