//! Talking to the team: post, reply, react, look users and channels up.
//!
//! Every call reaches only the bot's own team, so none takes a team id.

use crate::bindings::bothost::bot::chat as wit;
use crate::blocks::{self, Block};
use crate::{AppMention, Channel, ChatError, Message, MessageRef, SlashCommand, User};

pub use wit::{PostOptions, ScheduledMessage};

/// Post `text` in a channel or DM (`channel` is an id such as `C…`/`D…`).
pub fn post(channel: &str, text: &str) -> Result<MessageRef, ChatError> {
    wit::post_message(channel, text)
}

/// Reply in the thread of the message whose `ts` is `thread_ts`.
pub fn reply(channel: &str, thread_ts: &str, text: &str) -> Result<MessageRef, ChatError> {
    wit::post_reply(channel, thread_ts, text)
}

/// Replace the text of a message the bot posted.
pub fn update(channel: &str, ts: &str, text: &str) -> Result<(), ChatError> {
    wit::update_message(channel, ts, text)
}

/// React to the message `ts` with an emoji; colons around `name` are
/// accepted and removed.
pub fn react(channel: &str, ts: &str, name: &str) -> Result<(), ChatError> {
    wit::add_reaction(channel, ts, name.trim_matches(':'))
}

/// Show "bot is typing" in a channel.
pub fn typing(channel: &str) -> Result<(), ChatError> {
    wit::typing(channel)
}

/// Open (or find) the direct conversation with `user`; returns its channel id.
pub fn open_direct(user: &str) -> Result<String, ChatError> {
    wit::open_direct(user)
}

/// Details of a user by id.
pub fn user_info(user: &str) -> Result<User, ChatError> {
    wit::user_info(user)
}

/// Details of a channel by id.
pub fn channel_info(channel: &str) -> Result<Channel, ChatError> {
    wit::channel_info(channel)
}

/// Look a user up by name; a leading `@` is accepted and removed.
pub fn find_user(name: &str) -> Result<Option<User>, ChatError> {
    wit::find_user(name.strip_prefix('@').unwrap_or(name))
}

/// Look a channel up by name; a leading `#` is accepted and removed.
pub fn find_channel(name: &str) -> Result<Option<Channel>, ChatError> {
    wit::find_channel(name.strip_prefix('#').unwrap_or(name))
}

/// Post with options: Block Kit blocks (JSON text), a thread, a
/// broadcast of a thread reply to the channel.
pub fn post_with(
    channel: &str,
    text: &str,
    options: &PostOptions,
) -> Result<MessageRef, ChatError> {
    wit::post_with(channel, text, options)
}

/// Post `blocks`, with `text` as the notification fallback.
pub fn post_blocks(channel: &str, text: &str, blocks: &[Block]) -> Result<MessageRef, ChatError> {
    let options = PostOptions {
        blocks: Some(blocks::to_json(blocks)),
        thread_ts: None,
        reply_broadcast: false,
    };
    wit::post_with(channel, text, &options)
}

/// Reply in a thread and show the reply in the channel too.
pub fn reply_broadcast(
    channel: &str,
    thread_ts: &str,
    text: &str,
) -> Result<MessageRef, ChatError> {
    let options = PostOptions {
        blocks: None,
        thread_ts: Some(thread_ts.to_owned()),
        reply_broadcast: true,
    };
    wit::post_with(channel, text, &options)
}

/// A message only `user` sees, in `channel`.
pub fn post_ephemeral(channel: &str, user: &str, text: &str) -> Result<(), ChatError> {
    wit::post_ephemeral(channel, user, text, None)
}

/// Delete a message the bot posted.
pub fn delete(channel: &str, ts: &str) -> Result<(), ChatError> {
    wit::delete_message(channel, ts)
}

/// A link that opens the message in Slack.
pub fn permalink(channel: &str, ts: &str) -> Result<String, ChatError> {
    wit::permalink(channel, ts)
}

/// Post `text` at the unix time `post_at` (seconds); returns its id.
pub fn schedule(channel: &str, post_at: u64, text: &str) -> Result<String, ChatError> {
    let options = PostOptions {
        blocks: None,
        thread_ts: None,
        reply_broadcast: false,
    };
    wit::schedule_message(channel, post_at, text, &options)
}

/// The bot's scheduled messages, in one channel or all.
pub fn scheduled(channel: Option<&str>) -> Result<Vec<ScheduledMessage>, ChatError> {
    wit::list_scheduled(channel)
}

/// Cancel a scheduled message.
pub fn unschedule(channel: &str, id: &str) -> Result<(), ChatError> {
    wit::delete_scheduled(channel, id)
}

/// Something a bot can answer: it happened in a channel, maybe in a thread.
pub trait Origin {
    /// The channel (or DM) id it happened in.
    fn channel(&self) -> &str;
    /// The thread it is part of, if any.
    fn thread_ts(&self) -> Option<&str>;
    /// Its own `ts`, if it is a message (a thread can be started on it).
    fn ts(&self) -> Option<&str>;
}

impl Origin for Message {
    fn channel(&self) -> &str {
        &self.channel
    }
    fn thread_ts(&self) -> Option<&str> {
        self.thread_ts.as_deref()
    }
    fn ts(&self) -> Option<&str> {
        Some(&self.ts)
    }
}

impl Origin for AppMention {
    fn channel(&self) -> &str {
        &self.channel
    }
    fn thread_ts(&self) -> Option<&str> {
        self.thread_ts.as_deref()
    }
    fn ts(&self) -> Option<&str> {
        Some(&self.ts)
    }
}

impl Origin for SlashCommand {
    fn channel(&self) -> &str {
        &self.channel
    }
    fn thread_ts(&self) -> Option<&str> {
        None
    }
    fn ts(&self) -> Option<&str> {
        None
    }
}

/// Answer where `to` happened: in its thread if it is in one, else as a new
/// message in its channel.
pub fn respond(to: &impl Origin, text: &str) -> Result<MessageRef, ChatError> {
    match to.thread_ts() {
        Some(thread) => reply(to.channel(), thread, text),
        None => post(to.channel(), text),
    }
}

/// Answer in a thread: the one `to` is in, or a new one started on `to`
/// itself (falls back to the channel when `to` is not a message).
pub fn respond_in_thread(to: &impl Origin, text: &str) -> Result<MessageRef, ChatError> {
    match to.thread_ts().or_else(|| to.ts()) {
        Some(thread) => reply(to.channel(), thread, text),
        None => post(to.channel(), text),
    }
}

/// `text` without mentions of `user_id` (`<@U123>` or `<@U123|name>`),
/// with the whitespace left around them collapsed and the ends trimmed.
///
/// ```
/// use bothost_sdk::chat::strip_mention;
/// assert_eq!(strip_mention("<@U1> hello  there", "U1"), "hello  there");
/// assert_eq!(strip_mention("hi <@U1|bot>!", "U1"), "hi!");
/// assert_eq!(strip_mention("<@U2> hi", "U1"), "<@U2> hi");
/// ```
pub fn strip_mention(text: &str, user_id: &str) -> String {
    let open = format!("<@{user_id}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        // Only a full id: `<@U1>` must not match inside `<@U12>`.
        let end = match after.chars().next() {
            Some('>') => Some(0),
            Some('|') => after.find('>'),
            _ => None,
        };
        match end {
            Some(end) => {
                let before = rest[..start].trim_end();
                out.push_str(before);
                rest = &after[end + 1..];
                if !before.is_empty() && rest.starts_with(char::is_whitespace) {
                    out.push(' ');
                }
                rest = rest.trim_start();
            }
            None => {
                out.push_str(&rest[..start + open.len()]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::strip_mention;

    #[test]
    fn strips_only_the_given_user() {
        assert_eq!(strip_mention("<@U1>", "U1"), "");
        assert_eq!(strip_mention("  <@U1>   echo me ", "U1"), "echo me");
        assert_eq!(strip_mention("a <@U1> b", "U1"), "a b");
        assert_eq!(strip_mention("a<@U1>b", "U1"), "ab");
        assert_eq!(strip_mention("<@U12> x", "U1"), "<@U12> x");
        assert_eq!(strip_mention("<@U1|me> x <@U1>", "U1"), "x");
        assert_eq!(strip_mention("<@U1|broken", "U1"), "<@U1|broken");
        assert_eq!(strip_mention("héllo <@U1> wörld", "U1"), "héllo wörld");
    }
}
