//! Slack adapter: the Web API client, the per-team rate scheduler, RTM and
//! Socket Mode connections, typed events, the users/channels cache, and
//! the chat backend bots reach Slack through. Never imports wasmtime or the
//! team layer: events leave through [`EventSink`].

pub mod api;
mod backend;
mod dedupe;
mod directory;
mod directory_fill;
pub mod events;
pub mod frames;
mod hub;
mod link;
pub mod ratelimit;
mod rtm;
mod sink;
mod socket_mode;
mod status;
mod tuning;

pub use backend::{LinkRegistry, SlackChat};
pub use directory::Directory;
pub use hub::{SlackError, SlackHub, TeamConnection, Transport};
pub use link::TeamLink;
pub use sink::EventSink;
pub use status::LinkStatus;
pub use tuning::{Backoff, Tuning};
