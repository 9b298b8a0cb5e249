//! The chat backend: what host functions call to reach a team's chat.
//!
//! The local space implements it for terminal and scripted runs; the Slack
//! adapter implements it over the Web API and RTM. Every method takes the
//! team id from the bot's store, never from the guest, so a bot can only
//! reach its own team.

mod types;

use async_trait::async_trait;

pub use types::{ChannelInfo, ChatError, MessageRef, OutgoingMessage, UserInfo};

use crate::ids::{ChannelId, TeamId, Ts, UserId};

/// Longest message text the host accepts from a bot, in characters.
/// Slack truncates beyond 40,000 and RTM disconnects on frames over 16 KB;
/// 4,000 keeps every transport safe.
pub const MAX_TEXT_CHARS: usize = 4000;

/// A team's chat, as seen by its bot. Implementations must be cheap to call
/// concurrently from many teams; they must not block.
#[async_trait]
pub trait ChatBackend: Send + Sync + 'static {
    /// Posts a message (or a threaded reply).
    async fn post(&self, team: &TeamId, message: OutgoingMessage) -> Result<MessageRef, ChatError>;
    /// Replaces the text of a message.
    async fn update(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        ts: &Ts,
        text: String,
    ) -> Result<(), ChatError>;
    /// Adds a reaction to a message.
    async fn react(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        ts: &Ts,
        name: &str,
    ) -> Result<(), ChatError>;
    /// Shows the typing indicator.
    async fn typing(&self, team: &TeamId, channel: &ChannelId) -> Result<(), ChatError>;
    /// Opens (or finds) the DM with a user.
    async fn open_direct(&self, team: &TeamId, user: &UserId) -> Result<ChannelId, ChatError>;
    async fn user_info(&self, team: &TeamId, user: &UserId) -> Result<UserInfo, ChatError>;
    async fn channel_info(
        &self,
        team: &TeamId,
        channel: &ChannelId,
    ) -> Result<ChannelInfo, ChatError>;
    async fn find_user(&self, team: &TeamId, name: &str) -> Result<Option<UserInfo>, ChatError>;
    async fn find_channel(
        &self,
        team: &TeamId,
        name: &str,
    ) -> Result<Option<ChannelInfo>, ChatError>;
}
