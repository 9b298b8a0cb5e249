//! Events delivered to bots, as the host sees them. Transports (Slack RTM,
//! Socket Mode, the local space) produce these; the runtime converts them to
//! the WIT `event` variant. Kept free of wasmtime so adapters can use it.

use crate::ids::{ChannelId, Ts, UserId};

/// A message in a channel or DM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageEvent {
    pub channel: ChannelId,
    pub user: UserId,
    pub text: String,
    pub ts: Ts,
    pub thread_ts: Option<Ts>,
    pub subtype: Option<String>,
    /// In a direct conversation with the bot.
    pub direct: bool,
    /// The text mentions the bot user.
    pub mentions_bot: bool,
}

/// An `app_mention` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppMentionEvent {
    pub channel: ChannelId,
    pub user: UserId,
    pub text: String,
    pub ts: Ts,
    pub thread_ts: Option<Ts>,
}

/// A reaction added to or removed from a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReactionEvent {
    pub user: UserId,
    pub name: String,
    pub channel: ChannelId,
    pub item_ts: Ts,
}

/// A user joined or left a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipEvent {
    pub user: UserId,
    pub channel: ChannelId,
}

/// A slash command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlashCommandEvent {
    pub command: String,
    pub text: String,
    pub channel: ChannelId,
    pub user: UserId,
}

/// Everything a bot can be told about. `Other` carries events the contract
/// has no case for, with their raw JSON, so nothing Slack sends is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Message(MessageEvent),
    AppMention(AppMentionEvent),
    ReactionAdded(ReactionEvent),
    ReactionRemoved(ReactionEvent),
    MemberJoinedChannel(MembershipEvent),
    MemberLeftChannel(MembershipEvent),
    ChannelCreated {
        channel: ChannelId,
        name: String,
        creator: UserId,
    },
    ChannelRenamed {
        channel: ChannelId,
        name: String,
    },
    TeamJoin {
        user: UserId,
    },
    SlashCommand(SlashCommandEvent),
    Other {
        type_name: String,
        raw_json: String,
    },
}

impl Event {
    /// Slack's name for the event type, for logs.
    pub fn type_name(&self) -> &str {
        match self {
            Event::Other { type_name, .. } => type_name,
            typed => typed.kind(),
        }
    }

    /// A fixed name per case (`other` for every untyped event), for metric
    /// labels: static, so counting an event allocates nothing and the label
    /// set cannot grow with what Slack sends.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Message(_) => "message",
            Event::AppMention(_) => "app_mention",
            Event::ReactionAdded(_) => "reaction_added",
            Event::ReactionRemoved(_) => "reaction_removed",
            Event::MemberJoinedChannel(_) => "member_joined_channel",
            Event::MemberLeftChannel(_) => "member_left_channel",
            Event::ChannelCreated { .. } => "channel_created",
            Event::ChannelRenamed { .. } => "channel_rename",
            Event::TeamJoin { .. } => "team_join",
            Event::SlashCommand(_) => "slash_command",
            Event::Other { .. } => "other",
        }
    }
}

/// Where a team's link delivers that team's events: the team layer gives
/// each link its team's inbox. Must not block: a socket's read loop calls
/// it, and a full inbox drops the event rather than stall the socket.
pub trait EventSink: Send + Sync + 'static {
    fn deliver(&self, event: Event);
}
