//! Values exchanged between bots and a chat backend.

use thiserror::Error;

use crate::ids::{ChannelId, Ts, UserId};

/// Where a posted message landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef {
    pub channel: ChannelId,
    pub ts: Ts,
}

/// A user of the team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub id: UserId,
    pub name: String,
    pub real_name: String,
    pub is_bot: bool,
}

/// A conversation of the team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelInfo {
    pub id: ChannelId,
    pub name: String,
    pub is_private: bool,
    pub is_member: bool,
}

/// A message to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub channel: ChannelId,
    pub text: String,
    /// Reply in this thread.
    pub thread_ts: Option<Ts>,
}

/// Why a chat call failed. Mirrors the WIT `chat-error`; bots see it as a
/// value, never as a trap.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChatError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("message too long (limit {limit} characters)")]
    TooLong { limit: u32 },
    #[error("rate limited")]
    RateLimited,
    #[error("refused: {0}")]
    Refused(String),
    #[error("unavailable: {0}")]
    Unavailable(String),
}
