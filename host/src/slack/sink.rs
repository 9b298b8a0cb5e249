//! Where transports deliver events. The team layer implements it (the
//! manager routes to the team's actor), so the Slack adapter never depends
//! on teams or the runtime.

use crate::event::Event;
use crate::ids::TeamId;

/// Receives every event a transport got for a team. Must not block: a
/// socket's read loop calls it.
pub trait EventSink: Send + Sync + 'static {
    fn deliver(&self, team: &TeamId, event: Event);
}
