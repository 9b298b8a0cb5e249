//! The chat port: what host functions call to reach a team's chat
//! ([`ChatBackend`]), how a team gets connected to it ([`Connector`],
//! [`Link`]), and the link's status.
//!
//! The local space implements it for terminal and scripted runs; the Slack
//! adapter implements it over the Web API, RTM and Socket Mode. A backend
//! is bound to one team when its link is made, so a bot can only ever
//! reach its own team: no call takes a team id.

pub mod blocks;
mod conversations;
mod fixed;
mod link;
mod status;
mod types;

use async_trait::async_trait;

pub use blocks::{Blocks, BlocksError, Surface};
pub use conversations::{
    EphemeralMessage, HistoryMessage, HistoryPage, HistoryQuery, MAX_PAGE, MemberPage, RichMessage,
    ScheduledMessage, offset_page, page_limit,
};
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

    // Contract 0.2.2. A backend without them refuses, so a chat that
    // cannot do something says so to the bot instead of failing to build.

    /// Posts with blocks, in a thread, broadcast.
    async fn post_rich(&self, message: RichMessage) -> Result<MessageRef, ChatError> {
        let _ = message;
        Err(unsupported())
    }
    async fn post_ephemeral(&self, message: EphemeralMessage) -> Result<(), ChatError> {
        let _ = message;
        Err(unsupported())
    }
    async fn delete(&self, channel: &ChannelId, ts: &Ts) -> Result<(), ChatError> {
        let _ = (channel, ts);
        Err(unsupported())
    }
    async fn permalink(&self, channel: &ChannelId, ts: &Ts) -> Result<String, ChatError> {
        let _ = (channel, ts);
        Err(unsupported())
    }
    /// Schedules `message` for the unix time `post_at`; returns its id.
    async fn schedule(&self, message: RichMessage, post_at: u64) -> Result<String, ChatError> {
        let _ = (message, post_at);
        Err(unsupported())
    }
    async fn list_scheduled(
        &self,
        channel: Option<&ChannelId>,
    ) -> Result<Vec<ScheduledMessage>, ChatError> {
        let _ = channel;
        Err(unsupported())
    }
    async fn delete_scheduled(&self, channel: &ChannelId, id: &str) -> Result<(), ChatError> {
        let _ = (channel, id);
        Err(unsupported())
    }
    async fn create_channel(&self, name: &str, is_private: bool) -> Result<ChannelInfo, ChatError> {
        let _ = (name, is_private);
        Err(unsupported())
    }
    async fn rename_channel(
        &self,
        channel: &ChannelId,
        name: &str,
    ) -> Result<ChannelInfo, ChatError> {
        let _ = (channel, name);
        Err(unsupported())
    }
    /// Archives (`true`) or unarchives a channel.
    async fn set_archived(&self, channel: &ChannelId, archived: bool) -> Result<(), ChatError> {
        let _ = (channel, archived);
        Err(unsupported())
    }
    /// Sets a channel's topic or purpose.
    async fn set_about(
        &self,
        channel: &ChannelId,
        about: About,
        text: &str,
    ) -> Result<(), ChatError> {
        let _ = (channel, about, text);
        Err(unsupported())
    }
    async fn invite(&self, channel: &ChannelId, users: &[UserId]) -> Result<(), ChatError> {
        let _ = (channel, users);
        Err(unsupported())
    }
    async fn kick(&self, channel: &ChannelId, user: &UserId) -> Result<(), ChatError> {
        let _ = (channel, user);
        Err(unsupported())
    }
    async fn members(
        &self,
        channel: &ChannelId,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<MemberPage, ChatError> {
        let _ = (channel, cursor, limit);
        Err(unsupported())
    }
    async fn join(&self, channel: &ChannelId) -> Result<ChannelInfo, ChatError> {
        let _ = channel;
        Err(unsupported())
    }
    async fn leave(&self, channel: &ChannelId) -> Result<(), ChatError> {
        let _ = channel;
        Err(unsupported())
    }
    /// Opens the DM or group DM of the bot with `users`.
    async fn open_conversation(&self, users: &[UserId]) -> Result<ChannelId, ChatError> {
        let _ = users;
        Err(unsupported())
    }
    async fn history(&self, query: HistoryQuery) -> Result<HistoryPage, ChatError> {
        let _ = query;
        Err(unsupported())
    }
}

/// Which of a channel's descriptions to set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About {
    Topic,
    Purpose,
}

fn unsupported() -> ChatError {
    ChatError::Refused("not_supported".into())
}
