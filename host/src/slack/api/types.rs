//! Request and response types, plus the private wire shapes they are read
//! from.
//!
//! Public types carry only what the host uses, with typed ids. Wire structs
//! mirror Slack's JSON loosely: unknown fields are ignored and optional
//! fields default, so Slack adding or dropping a field does not break a
//! team's connect loop.

use serde::Deserialize;

use super::paging::ResponseMetadata;
use crate::ids::{ChannelId, TeamId, Ts, UserId};

/// `auth.test`: who a token belongs to. Used to validate a team's token and
/// learn the bot's own user id (to skip its own messages).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuthTest {
    pub team_id: TeamId,
    /// Workspace display name (`team` on the wire).
    #[serde(rename = "team", default)]
    pub team_name: String,
    /// The bot user's id.
    pub user_id: UserId,
    /// The bot user's name (`user` on the wire).
    #[serde(rename = "user", default)]
    pub user_name: String,
    /// Present only for bot tokens.
    #[serde(default, deserialize_with = "non_empty")]
    pub bot_id: Option<String>,
    /// Workspace URL, e.g. `https://subarachnoid.slack.com/`.
    #[serde(default)]
    pub url: String,
}

/// `rtm.connect`: a single-use WebSocket URL (valid about 30 s) and who we
/// are on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtmConnect {
    pub url: String,
    pub self_id: UserId,
    pub self_name: String,
    pub team_id: TeamId,
    pub team_name: String,
}

/// Arguments of `chat.postMessage`: plain text, optionally in a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostMessage {
    pub channel: ChannelId,
    pub text: String,
    /// Reply in the thread rooted at this message.
    pub thread_ts: Option<Ts>,
}

impl PostMessage {
    /// A top-level message.
    pub fn new(channel: ChannelId, text: impl Into<String>) -> Self {
        Self {
            channel,
            text: text.into(),
            thread_ts: None,
        }
    }

    /// The same message as a reply in the thread rooted at `thread_ts`.
    #[must_use]
    pub fn in_thread(mut self, thread_ts: Ts) -> Self {
        self.thread_ts = Some(thread_ts);
        self
    }
}

/// Where a posted message landed; `chat.update` and `reactions.add` need
/// both.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Posted {
    pub channel: ChannelId,
    pub ts: Ts,
}

/// A conversation from `conversations.list`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ChannelRecord {
    pub id: ChannelId,
    /// Empty for conversations without a name (DMs).
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub is_private: bool,
    /// Whether the bot is in the channel (can read and post there).
    #[serde(default)]
    pub is_member: bool,
    #[serde(default)]
    pub is_im: bool,
}

/// A member from `users.list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    /// The handle (`name`); may be empty.
    pub name: String,
    /// Top-level `real_name`, else `profile.real_name`, else empty.
    pub real_name: String,
    pub is_bot: bool,
    pub deleted: bool,
}

/// Maps an empty string to `None`: Slack sometimes sends `""` for "absent".
fn non_empty<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Ok(Option::<String>::deserialize(deserializer)?.filter(|s| !s.is_empty()))
}

/// `{"id":…,"name":…}` as in `rtm.connect`'s `self` and `team`.
#[derive(Deserialize)]
struct IdName<Id> {
    id: Id,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
pub(super) struct RtmConnectWire {
    url: String,
    #[serde(rename = "self")]
    me: IdName<UserId>,
    team: IdName<TeamId>,
}

impl From<RtmConnectWire> for RtmConnect {
    fn from(wire: RtmConnectWire) -> Self {
        Self {
            url: wire.url,
            self_id: wire.me.id,
            self_name: wire.me.name,
            team_id: wire.team.id,
            team_name: wire.team.name,
        }
    }
}

/// `apps.connections.open`: just the URL.
#[derive(Deserialize)]
pub(super) struct ConnectionsOpenWire {
    pub(super) url: String,
}

/// `conversations.open`: `{"channel":{"id":…}}`.
#[derive(Deserialize)]
pub(super) struct ConversationsOpenWire {
    channel: ChannelIdOnly,
}

#[derive(Deserialize)]
struct ChannelIdOnly {
    id: ChannelId,
}

impl ConversationsOpenWire {
    pub(super) fn into_channel(self) -> ChannelId {
        self.channel.id
    }
}

#[derive(Deserialize)]
pub(super) struct ConversationsListWire {
    #[serde(default)]
    pub(super) channels: Vec<ChannelRecord>,
    #[serde(default)]
    pub(super) response_metadata: Option<ResponseMetadata>,
}

#[derive(Deserialize)]
pub(super) struct UsersListWire {
    #[serde(default)]
    pub(super) members: Vec<UserWire>,
    #[serde(default)]
    pub(super) response_metadata: Option<ResponseMetadata>,
}

#[derive(Deserialize)]
pub(super) struct UserWire {
    id: UserId,
    #[serde(default)]
    name: String,
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    is_bot: bool,
    #[serde(default)]
    deleted: bool,
    #[serde(default)]
    profile: Option<ProfileWire>,
}

#[derive(Deserialize)]
struct ProfileWire {
    #[serde(default)]
    real_name: Option<String>,
}

impl From<UserWire> for UserRecord {
    fn from(wire: UserWire) -> Self {
        let real_name = wire
            .real_name
            .filter(|name| !name.is_empty())
            .or_else(|| wire.profile.and_then(|p| p.real_name))
            .unwrap_or_default();
        Self {
            id: wire.id,
            name: wire.name,
            real_name,
            is_bot: wire.is_bot,
            deleted: wire.deleted,
        }
    }
}
