//! Slack adapter: the Web API client, the rate scheduler, one reconnect
//! driver with RTM and Socket Mode plugged into it, the Events API over
//! HTTP (signed request URLs), typed events, the
//! users/channels cache, and the chat backend bots reach Slack through.
//! Implements the chat port ([`Connector`](crate::chat::Connector)); never
//! imports wasmtime or the team layer: events leave through each team's
//! [`EventSink`](crate::event::EventSink).

pub mod api;
mod backend;
mod connection;
mod dedupe;
mod directory;
mod directory_fill;
mod dispatch;
pub mod events;
pub mod frames;
pub mod http;
mod hub;
mod link;
mod linked;
pub mod ratelimit;
mod routes;
mod rtm;
mod socket_mode;
mod tuning;

#[cfg(test)]
mod fuzz_tests;

pub use backend::SlackChat;
pub use directory::Directory;
pub use hub::SlackHub;
pub use link::TeamLink;
pub use linked::SlackLink;
pub use routes::{Uninstall, UninstallReason};
pub use tuning::Tuning;
