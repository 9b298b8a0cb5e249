//! Slack event JSON → the host's typed [`Event`]. Shared by RTM (events
//! arrive as frames) and Socket Mode (events arrive inside envelopes).
//!
//! Known types become typed cases; anything else becomes `Event::Other`
//! with its raw JSON, so nothing Slack sends is lost. A known type with a
//! missing field is malformed: the caller logs it and moves on.

use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

use crate::event::{
    AppMentionEvent, Event, MembershipEvent, MessageEvent, ReactionEvent, SlashCommandEvent,
};
use crate::ids::{ChannelId, Ts, UserId};

/// Who the bot is in its team, to recognise its own messages and mentions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotIdentity {
    pub user_id: UserId,
    /// `bot_id` from `auth.test` (bot tokens only).
    pub bot_id: Option<String>,
}

/// What an incoming event turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// An event for the bot.
    Event(Event),
    /// The bot's own message echoed back: never delivered.
    Own,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EventError {
    #[error("event has no `type`")]
    NoType,
    #[error("malformed `{kind}` event: {reason}")]
    Malformed { kind: String, reason: String },
}

#[derive(Deserialize)]
struct RawMessage {
    channel: String,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    text: Option<String>,
    ts: String,
    #[serde(default)]
    thread_ts: Option<String>,
    #[serde(default)]
    subtype: Option<String>,
    #[serde(default)]
    bot_id: Option<String>,
    #[serde(default)]
    channel_type: Option<String>,
}

#[derive(Deserialize)]
struct RawMention {
    channel: String,
    user: String,
    #[serde(default)]
    text: String,
    ts: String,
    #[serde(default)]
    thread_ts: Option<String>,
}

#[derive(Deserialize)]
struct RawItem {
    channel: String,
    ts: String,
}

#[derive(Deserialize)]
struct RawReaction {
    user: String,
    reaction: String,
    item: RawItem,
}

#[derive(Deserialize)]
struct RawMembership {
    user: String,
    channel: String,
}

#[derive(Deserialize)]
struct RawChannel {
    id: String,
    name: String,
    #[serde(default)]
    creator: Option<String>,
}

#[derive(Deserialize)]
struct RawChannelEvent {
    channel: RawChannel,
}

#[derive(Deserialize)]
struct RawUser {
    id: String,
}

#[derive(Deserialize)]
struct RawTeamJoin {
    user: RawUser,
}

fn typed<T: serde::de::DeserializeOwned>(kind: &str, value: &Value) -> Result<T, EventError> {
    T::deserialize(value).map_err(|e| EventError::Malformed {
        kind: kind.to_owned(),
        reason: e.to_string(),
    })
}

/// Parses one event object (the `event` of an Events API payload, or an
/// RTM frame that carries a `type`).
///
/// # Errors
/// [`EventError`] when the object has no type, or a known type lacks a
/// required field.
pub fn parse_event(value: &Value, me: &BotIdentity) -> Result<Incoming, EventError> {
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .ok_or(EventError::NoType)?;
    let event = match kind {
        "message" => {
            let m: RawMessage = typed(kind, value)?;
            let own_user = m.user.as_deref() == Some(me.user_id.as_str());
            let own_bot = m.bot_id.is_some() && m.bot_id == me.bot_id;
            if own_user || own_bot {
                return Ok(Incoming::Own);
            }
            let text = m.text.unwrap_or_default();
            let mention = format!("<@{}>", me.user_id);
            Event::Message(MessageEvent {
                direct: m.channel_type.as_deref() == Some("im") || m.channel.starts_with('D'),
                mentions_bot: text.contains(&mention),
                channel: ChannelId::new(m.channel),
                user: UserId::new(m.user.unwrap_or_default()),
                text,
                ts: Ts::new(m.ts),
                thread_ts: m.thread_ts.map(Ts::new),
                subtype: m.subtype,
            })
        }
        "app_mention" => {
            let m: RawMention = typed(kind, value)?;
            if m.user == me.user_id.as_str() {
                return Ok(Incoming::Own);
            }
            Event::AppMention(AppMentionEvent {
                channel: ChannelId::new(m.channel),
                user: UserId::new(m.user),
                text: m.text,
                ts: Ts::new(m.ts),
                thread_ts: m.thread_ts.map(Ts::new),
            })
        }
        "reaction_added" | "reaction_removed" => {
            let r: RawReaction = typed(kind, value)?;
            let reaction = ReactionEvent {
                user: UserId::new(r.user),
                name: r.reaction,
                channel: ChannelId::new(r.item.channel),
                item_ts: Ts::new(r.item.ts),
            };
            if kind == "reaction_added" {
                Event::ReactionAdded(reaction)
            } else {
                Event::ReactionRemoved(reaction)
            }
        }
        "member_joined_channel" | "member_left_channel" => {
            let m: RawMembership = typed(kind, value)?;
            let membership = MembershipEvent {
                user: UserId::new(m.user),
                channel: ChannelId::new(m.channel),
            };
            if kind == "member_joined_channel" {
                Event::MemberJoinedChannel(membership)
            } else {
                Event::MemberLeftChannel(membership)
            }
        }
        "channel_created" => {
            let c: RawChannelEvent = typed(kind, value)?;
            Event::ChannelCreated {
                channel: ChannelId::new(c.channel.id),
                name: c.channel.name,
                creator: UserId::new(c.channel.creator.unwrap_or_default()),
            }
        }
        "channel_rename" => {
            let c: RawChannelEvent = typed(kind, value)?;
            Event::ChannelRenamed {
                channel: ChannelId::new(c.channel.id),
                name: c.channel.name,
            }
        }
        "team_join" => {
            let t: RawTeamJoin = typed(kind, value)?;
            Event::TeamJoin {
                user: UserId::new(t.user.id),
            }
        }
        other => Event::Other {
            type_name: other.to_owned(),
            raw_json: value.to_string(),
        },
    };
    Ok(Incoming::Event(event))
}

#[derive(Deserialize)]
struct RawSlash {
    command: String,
    #[serde(default)]
    text: String,
    channel_id: String,
    user_id: String,
}

/// Parses a slash-command payload (Socket Mode `slash_commands`).
///
/// # Errors
/// [`EventError::Malformed`] when a required field is missing.
pub fn parse_slash_command(payload: &Value) -> Result<Event, EventError> {
    let s: RawSlash = typed("slash_command", payload)?;
    Ok(Event::SlashCommand(SlashCommandEvent {
        command: s.command,
        text: s.text,
        channel: ChannelId::new(s.channel_id),
        user: UserId::new(s.user_id),
    }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn me() -> BotIdentity {
        BotIdentity {
            user_id: UserId::from("UBOT"),
            bot_id: Some("BBOT".into()),
        }
    }

    #[test]
    fn messages_are_typed_with_direct_and_mention_flags() {
        let v = json!({"type":"message","channel":"D1","user":"U1","text":"hi <@UBOT>","ts":"1.000002","thread_ts":"1.000001"});
        let Incoming::Event(Event::Message(m)) = parse_event(&v, &me()).expect("parse") else {
            panic!("message expected")
        };
        assert!(m.direct && m.mentions_bot);
        assert_eq!(m.thread_ts, Some(Ts::from("1.000001")));
    }

    #[test]
    fn own_messages_are_recognised_by_user_or_bot_id() {
        let by_user = json!({"type":"message","channel":"C1","user":"UBOT","text":"x","ts":"1.1"});
        let by_bot = json!({"type":"message","subtype":"bot_message","channel":"C1","bot_id":"BBOT","text":"x","ts":"1.1"});
        assert_eq!(parse_event(&by_user, &me()), Ok(Incoming::Own));
        assert_eq!(parse_event(&by_bot, &me()), Ok(Incoming::Own));
    }

    #[test]
    fn unknown_types_are_kept_raw_and_malformed_ones_are_errors() {
        let v = json!({"type":"pin_added","channel_id":"C1"});
        let Incoming::Event(Event::Other {
            type_name,
            raw_json,
        }) = parse_event(&v, &me()).expect("parse")
        else {
            panic!("other expected")
        };
        assert_eq!(type_name, "pin_added");
        assert!(raw_json.contains("channel_id"));
        assert!(matches!(
            parse_event(&json!({"type":"message","text":"no channel"}), &me()),
            Err(EventError::Malformed { .. })
        ));
        assert_eq!(
            parse_event(&json!({"text":"x"}), &me()),
            Err(EventError::NoType)
        );
    }

    #[test]
    fn reactions_membership_and_channels() {
        let r = json!({"type":"reaction_added","user":"U1","reaction":"tada","item":{"type":"message","channel":"C1","ts":"1.2"}});
        assert!(matches!(
            parse_event(&r, &me()),
            Ok(Incoming::Event(Event::ReactionAdded(_)))
        ));
        let c = json!({"type":"channel_rename","channel":{"id":"C1","name":"new","created":1}});
        assert_eq!(
            parse_event(&c, &me()),
            Ok(Incoming::Event(Event::ChannelRenamed {
                channel: ChannelId::from("C1"),
                name: "new".into()
            }))
        );
    }
}
