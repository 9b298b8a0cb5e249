//! A local team's chat: the [`ChatBackend`] its bot reaches the local
//! space through, bound to that one team.

use std::sync::Arc;

use async_trait::async_trait;

use super::rooms::Pending;
use super::space::LocalSpace;
use super::transcript::LineKind;
use super::world::{BOT_USER, Reaction, World};
use crate::chat::{
    About, ChannelInfo, ChatBackend, ChatError, EphemeralMessage, HistoryPage, HistoryQuery,
    MemberPage, MessageRef, OutgoingMessage, RichMessage, ScheduledMessage, UserInfo, offset_page,
};
use crate::ids::{ChannelId, TeamId, Ts, UserId};

/// One local team's chat.
#[derive(Debug, Clone)]
pub struct LocalChat {
    pub(super) space: Arc<LocalSpace>,
    pub(super) team: TeamId,
}

fn not_found(channel: &ChannelId) -> ChatError {
    ChatError::NotFound(format!("channel {channel}"))
}

impl LocalChat {
    /// Posts a message as the bot; `shown` is how the transcript says it.
    fn post_as_bot(
        &self,
        channel: &ChannelId,
        text: &str,
        thread_ts: Option<Ts>,
        shown: String,
    ) -> Result<MessageRef, ChatError> {
        let ts = self.space.with_world(&self.team, |w| {
            w.channel(channel).ok_or_else(|| not_found(channel))?;
            if w.rooms.is_archived(channel) {
                return Err(ChatError::Refused("is_archived".into()));
            }
            let ts = w.ts();
            w.post(
                channel,
                &ts,
                &UserId::from(BOT_USER),
                text,
                thread_ts.clone(),
            );
            Ok(ts)
        })?;
        self.space.bot_line(
            &self.team,
            channel,
            shown,
            ts.clone(),
            thread_ts,
            LineKind::Message,
        )?;
        Ok(MessageRef {
            channel: channel.clone(),
            ts,
        })
    }

    /// Records that the bot did something to a channel (`text` after its
    /// name, as in `bot archived #ops`).
    fn did(&self, channel: &ChannelId, text: String) -> Result<(), ChatError> {
        self.space
            .bot_line(&self.team, channel, text, Ts::from(""), None, LineKind::Did)
    }

    /// A transcript line for something the bot did to `channel` that has
    /// no text of its own (created, renamed, joined, left).
    fn mark(&self, channel: &ChannelId, kind: LineKind) -> Result<(), ChatError> {
        self.space
            .bot_line(&self.team, channel, String::new(), Ts::from(""), None, kind)
    }

    /// A channel (not a DM) of the team, as the bot's calls need it.
    fn room(&self, channel: &ChannelId) -> Result<ChannelInfo, ChatError> {
        self.space.with_world(&self.team, |w| {
            w.public_channel(channel).map_err(|_| not_found(channel))
        })
    }
}

/// The transcript form of a rich message: its text and its blocks' kinds.
fn shown(text: &str, blocks: Option<&crate::chat::Blocks>) -> String {
    match blocks {
        Some(b) if text.is_empty() => b.summary(),
        Some(b) => format!("{text} {}", b.summary()),
        None => text.to_owned(),
    }
}

/// Seconds from now until the unix time `at` (0 when it has passed).
fn until(at: u64) -> std::time::Duration {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    std::time::Duration::from_secs(at).saturating_sub(now)
}

#[async_trait]
impl ChatBackend for LocalChat {
    async fn post(&self, message: OutgoingMessage) -> Result<MessageRef, ChatError> {
        let shown = message.text.clone();
        self.post_as_bot(&message.channel, &message.text, message.thread_ts, shown)
    }

    async fn update(&self, channel: &ChannelId, ts: &Ts, text: String) -> Result<(), ChatError> {
        self.space.with_world(&self.team, |w| {
            if w.edit(channel, ts, &text) {
                Ok(())
            } else {
                Err(ChatError::NotFound(format!("message {ts}")))
            }
        })?;
        self.space.bot_line(
            &self.team,
            channel,
            text,
            ts.clone(),
            None,
            LineKind::Edit { ts: ts.clone() },
        )
    }

    async fn react(&self, channel: &ChannelId, ts: &Ts, name: &str) -> Result<(), ChatError> {
        self.space.with_world(&self.team, |w| {
            if !w.has_message(channel, ts) {
                return Err(ChatError::NotFound(format!("message {ts}")));
            }
            // Remembered like a user's, though the bot cannot take it back.
            w.reactions().insert(Reaction {
                channel: channel.clone(),
                ts: ts.clone(),
                user: UserId::from(BOT_USER),
                name: name.to_owned(),
            });
            Ok(())
        })?;
        let kind = LineKind::Reaction {
            ts: ts.clone(),
            name: name.to_owned(),
        };
        self.space
            .bot_line(&self.team, channel, String::new(), ts.clone(), None, kind)
    }

    async fn typing(&self, channel: &ChannelId) -> Result<(), ChatError> {
        self.space.with_world(&self.team, |w| {
            w.channel(channel)
                .map(|_| ())
                .ok_or_else(|| ChatError::NotFound(format!("channel {channel}")))
        })
    }

    async fn open_direct(&self, user: &UserId) -> Result<ChannelId, ChatError> {
        self.space.with_world(&self.team, |w| {
            w.user(user)
                .map(|u| World::dm_of(&u.id))
                .ok_or_else(|| ChatError::NotFound(format!("user {user}")))
        })
    }

    async fn user_info(&self, user: &UserId) -> Result<UserInfo, ChatError> {
        self.space.with_world(&self.team, |w| {
            w.user(user)
                .cloned()
                .ok_or_else(|| ChatError::NotFound(format!("user {user}")))
        })
    }

    async fn channel_info(&self, channel: &ChannelId) -> Result<ChannelInfo, ChatError> {
        self.space.with_world(&self.team, |w| {
            w.channel(channel)
                .ok_or_else(|| ChatError::NotFound(format!("channel {channel}")))
        })
    }

    async fn find_user(&self, name: &str) -> Result<Option<UserInfo>, ChatError> {
        self.space
            .with_world(&self.team, |w| Ok(w.user_named(name).cloned()))
    }

    async fn find_channel(&self, name: &str) -> Result<Option<ChannelInfo>, ChatError> {
        self.space
            .with_world(&self.team, |w| Ok(w.channel_named(name).cloned()))
    }

    async fn post_rich(&self, message: RichMessage) -> Result<MessageRef, ChatError> {
        let mut text = shown(&message.text, message.blocks.as_ref());
        if message.reply_broadcast && message.thread_ts.is_some() {
            text.push_str(" (also sent to the channel)");
        }
        self.post_as_bot(&message.channel, &message.text, message.thread_ts, text)
    }

    async fn post_ephemeral(&self, message: EphemeralMessage) -> Result<(), ChatError> {
        let to = self.space.with_world(&self.team, |w| {
            let user = w
                .user(&message.user)
                .ok_or_else(|| ChatError::NotFound(format!("user {}", message.user)))?
                .clone();
            w.channel(&message.channel)
                .ok_or_else(|| not_found(&message.channel))?;
            let members = w.rooms.members(&message.channel, &w.user_ids());
            if !message.channel.as_str().starts_with('D') && !members.contains(&user.id) {
                return Err(ChatError::Refused("user_not_in_channel".into()));
            }
            Ok(format!("@{}", user.name))
        })?;
        let text = shown(&message.text, message.blocks.as_ref());
        self.space.bot_line(
            &self.team,
            &message.channel,
            text,
            Ts::from(""),
            None,
            LineKind::Ephemeral { to },
        )
    }

    async fn delete(&self, channel: &ChannelId, ts: &Ts) -> Result<(), ChatError> {
        self.space.with_world(&self.team, |w| {
            if w.delete(channel, ts) {
                Ok(())
            } else {
                Err(ChatError::NotFound(format!("message {ts}")))
            }
        })?;
        self.did(channel, format!("deleted {}", super::short_ts(ts)))
    }

    async fn permalink(&self, channel: &ChannelId, ts: &Ts) -> Result<String, ChatError> {
        self.space.with_world(&self.team, |w| {
            if w.has_message(channel, ts) {
                let digits: String = ts.as_str().chars().filter(char::is_ascii_digit).collect();
                Ok(format!(
                    "https://local.invalid/archives/{channel}/p{digits}"
                ))
            } else {
                Err(ChatError::NotFound(format!("message {ts}")))
            }
        })
    }

    async fn schedule(&self, message: RichMessage, post_at: u64) -> Result<String, ChatError> {
        self.space.with_world(&self.team, |w| {
            w.channel(&message.channel)
                .ok_or_else(|| not_found(&message.channel))
        })?;
        let delay = until(post_at);
        if delay.is_zero() {
            return Err(ChatError::Refused("time_in_past".into()));
        }
        let space = std::sync::Arc::downgrade(&self.space);
        let team = self.team.clone();
        let id = self
            .space
            .with_world(&self.team, |w| Ok(w.rooms.next_id()))?;
        let scheduled = ScheduledMessage {
            id: id.clone(),
            channel: message.channel.clone(),
            post_at,
            text: message.text.clone(),
        };
        let fire_id = id.clone();
        let task = tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            let Some(space) = space.upgrade() else { return };
            let chat = LocalChat { space, team };
            let channel = message.channel.clone();
            if let Err(e) = chat.post_rich(message).await {
                chat.space.note(
                    &chat.team,
                    format!("scheduled message {fire_id} not posted: {e}"),
                );
            }
            // Last: this drops the entry holding this task's own handle.
            chat.space
                .with_world(&chat.team, |w| {
                    Ok(w.rooms.remove_pending(&channel, &fire_id))
                })
                .ok();
        });
        self.space.with_world(&self.team, |w| {
            w.rooms.add_pending(Pending {
                message: scheduled,
                _task: tokio_util::task::AbortOnDropHandle::new(task),
            });
            Ok(())
        })?;
        Ok(id)
    }

    async fn list_scheduled(
        &self,
        channel: Option<&ChannelId>,
    ) -> Result<Vec<ScheduledMessage>, ChatError> {
        self.space
            .with_world(&self.team, |w| Ok(w.rooms.pending(channel)))
    }

    async fn delete_scheduled(&self, channel: &ChannelId, id: &str) -> Result<(), ChatError> {
        // The task is aborted when its entry drops.
        let removed = self
            .space
            .with_world(&self.team, |w| Ok(w.rooms.remove_pending(channel, id)))?;
        if removed {
            Ok(())
        } else {
            Err(ChatError::NotFound(format!("scheduled message {id}")))
        }
    }

    async fn create_channel(&self, name: &str, is_private: bool) -> Result<ChannelInfo, ChatError> {
        let valid = !name.is_empty()
            && name.chars().count() <= 80
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !valid {
            return Err(ChatError::Refused("invalid_name_specials".into()));
        }
        let mut channel = self.space.with_world(&self.team, |w| {
            let channel = w
                .add_channel(name)
                .map_err(|_| ChatError::Refused("name_taken".into()))?;
            w.rooms.set_members(&channel.id, &[UserId::from(BOT_USER)]);
            Ok(channel)
        })?;
        self.mark(&channel.id, LineKind::Created)?;
        channel.is_private = is_private;
        Ok(channel)
    }

    async fn rename_channel(
        &self,
        channel: &ChannelId,
        name: &str,
    ) -> Result<ChannelInfo, ChatError> {
        let from = self.room(channel)?.name;
        self.space.with_world(&self.team, |w| {
            w.rename_channel(channel, name)
                .map_err(|_| ChatError::Refused("name_taken".into()))
        })?;
        self.mark(channel, LineKind::Renamed { from })?;
        self.room(channel)
    }

    async fn set_archived(&self, channel: &ChannelId, archived: bool) -> Result<(), ChatError> {
        let room = self.room(channel)?;
        if room.name == "general" {
            return Err(ChatError::Refused("cant_archive_general".into()));
        }
        self.space
            .with_world(&self.team, |w| w.rooms.set_archived(channel, archived))?;
        let verb = if archived { "archived" } else { "unarchived" };
        self.did(channel, format!("{verb} #{}", room.name))
    }

    async fn set_about(
        &self,
        channel: &ChannelId,
        about: About,
        text: &str,
    ) -> Result<(), ChatError> {
        self.room(channel)?;
        self.space.with_world(&self.team, |w| {
            w.rooms.set_about(channel, about, text);
            Ok(())
        })?;
        let what = match about {
            About::Topic => "topic",
            About::Purpose => "purpose",
        };
        self.did(channel, format!("set the {what}: {text}"))
    }

    async fn invite(&self, channel: &ChannelId, users: &[UserId]) -> Result<(), ChatError> {
        self.room(channel)?;
        let names = self.space.with_world(&self.team, |w| {
            let everyone = w.user_ids();
            let mut names = Vec::new();
            for user in users {
                let name = w
                    .user(user)
                    .ok_or_else(|| ChatError::NotFound(format!("user {user}")))?
                    .name
                    .clone();
                if !w.rooms.change_member(channel, user, true, &everyone) {
                    return Err(ChatError::Refused("already_in_channel".into()));
                }
                names.push(format!("@{name}"));
            }
            Ok(names)
        })?;
        self.did(channel, format!("invited {}", names.join(", ")))
    }

    async fn kick(&self, channel: &ChannelId, user: &UserId) -> Result<(), ChatError> {
        self.room(channel)?;
        let name = self.space.with_world(&self.team, |w| {
            let everyone = w.user_ids();
            let name = w
                .user(user)
                .ok_or_else(|| ChatError::NotFound(format!("user {user}")))?
                .name
                .clone();
            if w.rooms.change_member(channel, user, false, &everyone) {
                Ok(name)
            } else {
                Err(ChatError::Refused("not_in_channel".into()))
            }
        })?;
        self.did(channel, format!("removed @{name}"))
    }

    async fn members(
        &self,
        channel: &ChannelId,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<MemberPage, ChatError> {
        self.room(channel)?;
        let all = self
            .space
            .with_world(&self.team, |w| Ok(w.rooms.members(channel, &w.user_ids())))?;
        let (members, next_cursor) = offset_page(&all, cursor, limit)?;
        Ok(MemberPage {
            members,
            next_cursor,
        })
    }

    async fn join(&self, channel: &ChannelId) -> Result<ChannelInfo, ChatError> {
        let room = self.room(channel)?;
        let joined = self.space.with_world(&self.team, |w| {
            let everyone = w.user_ids();
            Ok(w.rooms
                .change_member(channel, &UserId::from(BOT_USER), true, &everyone))
        })?;
        if joined {
            self.mark(channel, LineKind::Joined)?;
        }
        Ok(room)
    }

    async fn leave(&self, channel: &ChannelId) -> Result<(), ChatError> {
        self.room(channel)?;
        let left = self.space.with_world(&self.team, |w| {
            let everyone = w.user_ids();
            Ok(w.rooms
                .change_member(channel, &UserId::from(BOT_USER), false, &everyone))
        })?;
        if !left {
            return Err(ChatError::Refused("not_in_channel".into()));
        }
        self.mark(channel, LineKind::Left)
    }

    async fn open_conversation(&self, users: &[UserId]) -> Result<ChannelId, ChatError> {
        if let [user] = users {
            return self.open_direct(user).await;
        }
        self.space.with_world(&self.team, |w| {
            let mut names = users
                .iter()
                .map(|u| {
                    w.user(u)
                        .map(|u| u.name.clone())
                        .ok_or_else(|| ChatError::NotFound(format!("user {u}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            names.sort();
            names.dedup();
            Ok(w.rooms.group(names.join(",")))
        })
    }

    async fn history(&self, query: HistoryQuery) -> Result<HistoryPage, ChatError> {
        let all = self.space.with_world(&self.team, |w| {
            w.channel(&query.channel)
                .ok_or_else(|| not_found(&query.channel))?;
            Ok(w.history(
                &query.channel,
                query.thread_ts.as_ref(),
                query.oldest.as_ref(),
                query.latest.as_ref(),
            ))
        })?;
        let (messages, next_cursor) = offset_page(&all, query.cursor.as_deref(), query.limit)?;
        Ok(HistoryPage {
            messages,
            next_cursor,
        })
    }
}
