//! `bothost:bot/chat`: posting, reactions and lookups, for the bot's own
//! team only. Text is length-checked and posts are budgeted before the
//! backend sees them.

use super::Capabilities;
use crate::chat::{ChatError, MAX_TEXT_CHARS, OutgoingMessage};
use crate::ids::{ChannelId, Ts, UserId};
use crate::runtime::bindings::chat::{self as wit, Host};
use crate::runtime::convert as conv;

type Answer<T> = wasmtime::Result<Result<T, wit::ChatError>>;

impl Capabilities {
    fn check_text(text: &str) -> Result<(), ChatError> {
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(ChatError::TooLong {
                limit: u32::try_from(MAX_TEXT_CHARS).unwrap_or(u32::MAX),
            });
        }
        Ok(())
    }

    fn spend_post(&mut self) -> Result<(), ChatError> {
        if self.posts.try_take() {
            Ok(())
        } else {
            tracing::debug!(team = %self.team, "post refused: over the bot's post budget");
            Err(ChatError::RateLimited)
        }
    }

    async fn post(&mut self, message: OutgoingMessage) -> Answer<wit::MessageRef> {
        let result = async {
            Self::check_text(&message.text)?;
            self.spend_post()?;
            self.chat.post(&self.team, message).await
        }
        .await;
        Ok(result.map(conv::message_ref).map_err(conv::chat_error))
    }
}

impl Host for Capabilities {
    async fn post_message(&mut self, channel: String, text: String) -> Answer<wit::MessageRef> {
        self.post(OutgoingMessage {
            channel: ChannelId::new(channel),
            text,
            thread_ts: None,
        })
        .await
    }

    async fn post_reply(
        &mut self,
        channel: String,
        thread_ts: String,
        text: String,
    ) -> Answer<wit::MessageRef> {
        self.post(OutgoingMessage {
            channel: ChannelId::new(channel),
            text,
            thread_ts: Some(Ts::new(thread_ts)),
        })
        .await
    }

    async fn update_message(&mut self, channel: String, ts: String, text: String) -> Answer<()> {
        let result = async {
            Self::check_text(&text)?;
            self.spend_post()?;
            self.chat
                .update(&self.team, &ChannelId::new(channel), &Ts::new(ts), text)
                .await
        }
        .await;
        Ok(result.map_err(conv::chat_error))
    }

    async fn add_reaction(&mut self, channel: String, ts: String, name: String) -> Answer<()> {
        let result = self
            .chat
            .react(&self.team, &ChannelId::new(channel), &Ts::new(ts), &name)
            .await;
        Ok(result.map_err(conv::chat_error))
    }

    async fn typing(&mut self, channel: String) -> Answer<()> {
        let result = self.chat.typing(&self.team, &ChannelId::new(channel)).await;
        Ok(result.map_err(conv::chat_error))
    }

    async fn open_direct(&mut self, user: String) -> Answer<String> {
        let result = self.chat.open_direct(&self.team, &UserId::new(user)).await;
        Ok(result.map(ChannelId::into_string).map_err(conv::chat_error))
    }

    async fn user_info(&mut self, user: String) -> Answer<wit::User> {
        let result = self.chat.user_info(&self.team, &UserId::new(user)).await;
        Ok(result.map(conv::user).map_err(conv::chat_error))
    }

    async fn channel_info(&mut self, channel: String) -> Answer<wit::Channel> {
        let result = self
            .chat
            .channel_info(&self.team, &ChannelId::new(channel))
            .await;
        Ok(result.map(conv::channel).map_err(conv::chat_error))
    }

    async fn find_user(&mut self, name: String) -> Answer<Option<wit::User>> {
        let name = name.trim_start_matches('@');
        let result = self.chat.find_user(&self.team, name).await;
        Ok(result.map(|u| u.map(conv::user)).map_err(conv::chat_error))
    }

    async fn find_channel(&mut self, name: String) -> Answer<Option<wit::Channel>> {
        let name = name.trim_start_matches('#');
        let result = self.chat.find_channel(&self.team, name).await;
        Ok(result
            .map(|c| c.map(conv::channel))
            .map_err(conv::chat_error))
    }
}
