//! The local space: simulated teams (channels, users, a transcript) with
//! no network. An adapter like Slack: it implements the chat port, so any
//! host can serve its teams. `bothost local` ([`crate::local_mode`]) and
//! the scenario tests build hosts with it.

mod actions;
mod chat;
mod link;
mod rooms;
mod space;
mod transcript;
mod world;

pub use actions::{ReactionChange, app_mention_of, with_mention};
pub use chat::LocalChat;
pub use link::LocalConnector;
pub use space::{LocalError, LocalSpace};
pub use transcript::{ChatLine, LineKind, short_ts};
pub use world::BOT_USER;
