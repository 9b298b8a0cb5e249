//! A local team's chat: the [`ChatBackend`] its bot reaches the local
//! space through, bound to that one team.

use std::sync::Arc;

use async_trait::async_trait;

use super::space::LocalSpace;
use super::transcript::LineKind;
use super::world::{BOT_USER, Reaction, World};
use crate::chat::{ChannelInfo, ChatBackend, ChatError, MessageRef, OutgoingMessage, UserInfo};
use crate::ids::{ChannelId, TeamId, Ts, UserId};

/// One local team's chat.
#[derive(Debug, Clone)]
pub struct LocalChat {
    pub(super) space: Arc<LocalSpace>,
    pub(super) team: TeamId,
}

#[async_trait]
impl ChatBackend for LocalChat {
    async fn post(&self, message: OutgoingMessage) -> Result<MessageRef, ChatError> {
        let ts = self.space.with_world(&self.team, |w| {
            w.channel(&message.channel)
                .ok_or_else(|| ChatError::NotFound(format!("channel {}", message.channel)))?;
            let ts = w.ts();
            w.post(
                &message.channel,
                &ts,
                &message.text,
                message.thread_ts.clone(),
            );
            Ok(ts)
        })?;
        self.space.bot_line(
            &self.team,
            &message.channel,
            message.text,
            ts.clone(),
            message.thread_ts,
            LineKind::Message,
        )?;
        Ok(MessageRef {
            channel: message.channel,
            ts,
        })
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
}
