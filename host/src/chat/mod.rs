//! The chat port: what host functions call to reach a team's chat
//! ([`ChatBackend`]), how a team gets connected to it ([`Connector`],
//! [`Link`]), and the link's status.
//!
//! The local space implements it for terminal and scripted runs; the Slack
//! adapter implements it over the Web API, RTM and Socket Mode. A backend
//! is bound to one team when its link is made, so a bot can only ever
//! reach its own team: no call takes a team id.

mod fixed;
mod link;
mod status;
mod types;

use async_trait::async_trait;

pub use fixed::FixedLink;
pub use link::{Connector, Link, LinkError};
pub use status::LinkStatus;
pub use types::{ChannelInfo, ChatError, MessageRef, OutgoingMessage, UserInfo};

use crate::ids::{ChannelId, Ts, UserId};

/// Longest message text the host accepts from a bot, in characters.
/// Slack truncates beyond 40,000 and RTM disconnects on frames over 16 KB;
/// 4,000 keeps every transport safe.
pub const MAX_TEXT_CHARS: usize = 4000;

/// One team's chat, as seen by its bot. Implementations must be cheap to call
/// concurrently from many teams; they must not block.
#[async_trait]
pub trait ChatBackend: Send + Sync + 'static {
    /// Posts a message (or a threaded reply).
    async fn post(&self, message: OutgoingMessage) -> Result<MessageRef, ChatError>;
    /// Replaces the text of a message.
    async fn update(&self, channel: &ChannelId, ts: &Ts, text: String) -> Result<(), ChatError>;
    /// Adds a reaction to a message.
    async fn react(&self, channel: &ChannelId, ts: &Ts, name: &str) -> Result<(), ChatError>;
    /// Shows the typing indicator.
    async fn typing(&self, channel: &ChannelId) -> Result<(), ChatError>;
    /// Opens (or finds) the DM with a user.
    async fn open_direct(&self, user: &UserId) -> Result<ChannelId, ChatError>;
    async fn user_info(&self, user: &UserId) -> Result<UserInfo, ChatError>;
    async fn channel_info(&self, channel: &ChannelId) -> Result<ChannelInfo, ChatError>;
    async fn find_user(&self, name: &str) -> Result<Option<UserInfo>, ChatError>;
    async fn find_channel(&self, name: &str) -> Result<Option<ChannelInfo>, ChatError>;
}
