//! Conversions between the host's domain types and the generated bindings.
//! Only the capabilities see the generated types.

use super::bindings::channels as wit_channels;
use super::bindings::chat as wit_chat;
use super::bindings::types as wit;
use crate::bot_config::BotConfig;
use crate::chat::{
    ChannelInfo, ChatError, HistoryMessage, HistoryPage, MemberPage, MessageRef, ScheduledMessage,
    UserInfo,
};
use crate::event::{Event, MessageEvent};
use crate::team_info::TeamInfo;

pub(super) fn team_info(team: &TeamInfo) -> wit::TeamInfo {
    wit::TeamInfo {
        id: team.id.as_str().to_owned(),
        name: team.name.clone(),
        bot_user_id: team.bot_user_id.as_str().to_owned(),
        bot_user_name: team.bot_user_name.clone(),
    }
}

pub(super) fn config(config: &BotConfig) -> Vec<wit::ConfigEntry> {
    config
        .iter()
        .map(|(key, value)| wit::ConfigEntry {
            key: key.clone(),
            value: value.clone(),
        })
        .collect()
}

fn message(m: &MessageEvent) -> wit::Message {
    wit::Message {
        channel: m.channel.as_str().to_owned(),
        user: m.user.as_str().to_owned(),
        text: m.text.clone(),
        ts: m.ts.as_str().to_owned(),
        thread_ts: m.thread_ts.as_ref().map(|t| t.as_str().to_owned()),
        subtype: m.subtype.clone(),
        direct: m.direct,
        mentions_bot: m.mentions_bot,
    }
}

fn reaction(r: &crate::event::ReactionEvent) -> wit::Reaction {
    wit::Reaction {
        user: r.user.as_str().to_owned(),
        name: r.name.clone(),
        channel: r.channel.as_str().to_owned(),
        item_ts: r.item_ts.as_str().to_owned(),
    }
}

fn membership(m: &crate::event::MembershipEvent) -> wit::Membership {
    wit::Membership {
        user: m.user.as_str().to_owned(),
        channel: m.channel.as_str().to_owned(),
    }
}

pub(super) fn event(event: &Event) -> wit::Event {
    match event {
        Event::Message(m) => wit::Event::Message(message(m)),
        Event::AppMention(m) => wit::Event::AppMention(wit::AppMention {
            channel: m.channel.as_str().to_owned(),
            user: m.user.as_str().to_owned(),
            text: m.text.clone(),
            ts: m.ts.as_str().to_owned(),
            thread_ts: m.thread_ts.as_ref().map(|t| t.as_str().to_owned()),
        }),
        Event::ReactionAdded(r) => wit::Event::ReactionAdded(reaction(r)),
        Event::ReactionRemoved(r) => wit::Event::ReactionRemoved(reaction(r)),
        Event::MemberJoinedChannel(m) => wit::Event::MemberJoinedChannel(membership(m)),
        Event::MemberLeftChannel(m) => wit::Event::MemberLeftChannel(membership(m)),
        Event::ChannelCreated {
            channel,
            name,
            creator,
        } => wit::Event::ChannelCreated(wit::ChannelCreated {
            channel: channel.as_str().to_owned(),
            name: name.clone(),
            creator: creator.as_str().to_owned(),
        }),
        Event::ChannelRenamed { channel, name } => {
            wit::Event::ChannelRenamed(wit::ChannelRenamed {
                channel: channel.as_str().to_owned(),
                name: name.clone(),
            })
        }
        Event::TeamJoin { user } => wit::Event::TeamJoin(wit::TeamJoin {
            user: user.as_str().to_owned(),
        }),
        Event::SlashCommand(c) => wit::Event::SlashCommand(wit::SlashCommand {
            command: c.command.clone(),
            text: c.text.clone(),
            channel: c.channel.as_str().to_owned(),
            user: c.user.as_str().to_owned(),
        }),
        Event::Other {
            type_name,
            raw_json,
        } => wit::Event::Other(wit::OtherEvent {
            type_name: type_name.clone(),
            raw_json: raw_json.clone(),
        }),
    }
}

/// Longest reason a bot may give for an error, in bytes.
const MAX_REASON: usize = 256;

/// A `bot-error` as the host's own type, for logs and status: the bot's
/// text is cut and its control characters escaped, so it can neither flood
/// a log line or a status answer nor forge one.
pub(super) fn bot_error(e: wit::BotError) -> super::BotFailure {
    let clean = |mut s: String| {
        crate::text::truncate(&mut s, MAX_REASON);
        crate::text::sanitize(&s)
    };
    match e {
        wit::BotError::InvalidConfig(s) => super::BotFailure::InvalidConfig(clean(s)),
        wit::BotError::Failed(s) => super::BotFailure::Failed(clean(s)),
    }
}

pub(super) fn message_ref(m: MessageRef) -> wit_chat::MessageRef {
    wit_chat::MessageRef {
        channel: m.channel.into_string(),
        ts: m.ts.into_string(),
    }
}

pub(super) fn user(u: UserInfo) -> wit_chat::User {
    wit_chat::User {
        id: u.id.into_string(),
        name: u.name,
        real_name: u.real_name,
        is_bot: u.is_bot,
    }
}

pub(super) fn channel(c: ChannelInfo) -> wit_chat::Channel {
    wit_chat::Channel {
        id: c.id.into_string(),
        name: c.name,
        is_private: c.is_private,
        is_member: c.is_member,
    }
}

pub(super) fn chat_error(e: ChatError) -> wit_chat::ChatError {
    match e {
        ChatError::NotFound(s) => wit_chat::ChatError::NotFound(s),
        ChatError::TooLong { limit } => wit_chat::ChatError::TooLong(limit),
        ChatError::RateLimited => wit_chat::ChatError::RateLimited,
        ChatError::Refused(s) => wit_chat::ChatError::Refused(s),
        ChatError::Unavailable(s) => wit_chat::ChatError::Unavailable(s),
    }
}

pub(super) fn scheduled(m: ScheduledMessage) -> wit_chat::ScheduledMessage {
    wit_chat::ScheduledMessage {
        id: m.id,
        channel: m.channel.into_string(),
        post_at: m.post_at,
        text: m.text,
    }
}

pub(super) fn member_page(p: MemberPage) -> wit_channels::MemberPage {
    wit_channels::MemberPage {
        members: p
            .members
            .into_iter()
            .map(crate::ids::UserId::into_string)
            .collect(),
        next_cursor: p.next_cursor,
    }
}

fn history_message(m: HistoryMessage) -> wit_channels::HistoryMessage {
    wit_channels::HistoryMessage {
        user: m.user.map(crate::ids::UserId::into_string),
        text: m.text,
        ts: m.ts.into_string(),
        thread_ts: m.thread_ts.map(crate::ids::Ts::into_string),
        reply_count: m.reply_count,
    }
}

pub(super) fn history_page(p: HistoryPage) -> wit_channels::HistoryPage {
    wit_channels::HistoryPage {
        messages: p.messages.into_iter().map(history_message).collect(),
        next_cursor: p.next_cursor,
    }
}
