//! `bothost:bot/chat`: posting, reactions and lookups, for the bot's own
//! team only. Text is length-checked and posts are budgeted before the
//! backend sees them.

use super::bindings::chat::{self as wit, Host};
use super::convert as conv;
use super::{Capabilities, PostBudget};
use crate::chat::{
    Blocks, ChatError, EphemeralMessage, MAX_TEXT_CHARS, OutgoingMessage, RichMessage, Surface,
};
use crate::ids::{ChannelId, TeamId, Ts, UserId};

type Answer<T> = wasmtime::Result<Result<T, wit::ChatError>>;

/// Takes one call from `budget`, or says the bot is over it.
fn spend(budget: &mut PostBudget, team: &TeamId, what: &str) -> Result<(), ChatError> {
    if budget.try_take() {
        Ok(())
    } else {
        tracing::debug!(%team, what, "call refused: over the bot's budget");
        Err(ChatError::RateLimited)
    }
}

impl Capabilities {
    fn check_text(text: &str) -> Result<(), ChatError> {
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(ChatError::TooLong {
                limit: u32::try_from(MAX_TEXT_CHARS).unwrap_or(u32::MAX),
            });
        }
        Ok(())
    }

    /// Takes a post to `channel` from the spam guard (see
    /// [`PostGuard`](super::PostGuard)).
    fn spend_post(&mut self, channel: &ChannelId) -> Result<(), ChatError> {
        match self.posts.try_take(channel) {
            Ok(()) => Ok(()),
            Err(refused) => {
                let team = &self.team;
                tracing::debug!(%team, %channel, ?refused, "post refused: over the bot's budget");
                Err(ChatError::RateLimited)
            }
        }
    }

    /// Checks a bot's blocks for a message.
    pub(super) fn check_blocks(blocks: Option<&str>) -> Result<Option<Blocks>, ChatError> {
        blocks
            .map(|json| {
                Blocks::parse(json, Surface::Message)
                    .map_err(|e| ChatError::Refused(format!("invalid_blocks: {e}")))
            })
            .transpose()
    }

    /// A rich message from the WIT arguments, checked.
    fn rich(
        channel: String,
        text: String,
        options: wit::PostOptions,
    ) -> wasmtime::Result<Result<RichMessage, ChatError>> {
        super::check_argument("text", text.len())?;
        super::check_argument("blocks", options.blocks.as_ref().map_or(0, String::len))?;
        Ok((|| {
            Self::check_text(&text)?;
            Ok(RichMessage {
                channel: ChannelId::new(channel),
                text,
                blocks: Self::check_blocks(options.blocks.as_deref())?,
                thread_ts: options.thread_ts.map(Ts::new),
                reply_broadcast: options.reply_broadcast,
            })
        })())
    }

    pub(super) fn spend_action(&mut self) -> Result<(), ChatError> {
        spend(&mut self.actions, &self.team, "action")
    }

    async fn post(&mut self, message: OutgoingMessage) -> Answer<wit::MessageRef> {
        super::check_argument("text", message.text.len())?;
        let result = async {
            Self::check_text(&message.text)?;
            self.spend_post(&message.channel)?;
            self.chat.post(message).await
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
        super::check_argument("text", text.len())?;
        let result = async {
            Self::check_text(&text)?;
            let channel = ChannelId::new(channel);
            self.spend_post(&channel)?;
            self.chat.update(&channel, &Ts::new(ts), text).await
        }
        .await;
        Ok(result.map_err(conv::chat_error))
    }

    // Reactions, typing and opening a DM are Web API calls (or socket
    // frames) too: they have a budget of their own, so no call of the chat
    // interface is free to spam.
    async fn add_reaction(&mut self, channel: String, ts: String, name: String) -> Answer<()> {
        let result = async {
            self.spend_action()?;
            self.chat
                .react(&ChannelId::new(channel), &Ts::new(ts), &name)
                .await
        }
        .await;
        Ok(result.map_err(conv::chat_error))
    }

    async fn typing(&mut self, channel: String) -> Answer<()> {
        let result = async {
            self.spend_action()?;
            self.chat.typing(&ChannelId::new(channel)).await
        }
        .await;
        Ok(result.map_err(conv::chat_error))
    }

    async fn open_direct(&mut self, user: String) -> Answer<String> {
        let result = async {
            self.spend_action()?;
            self.chat.open_direct(&UserId::new(user)).await
        }
        .await;
        Ok(result.map(ChannelId::into_string).map_err(conv::chat_error))
    }

    async fn user_info(&mut self, user: String) -> Answer<wit::User> {
        let result = self.chat.user_info(&UserId::new(user)).await;
        Ok(result.map(conv::user).map_err(conv::chat_error))
    }

    async fn channel_info(&mut self, channel: String) -> Answer<wit::Channel> {
        let result = self.chat.channel_info(&ChannelId::new(channel)).await;
        Ok(result.map(conv::channel).map_err(conv::chat_error))
    }

    async fn find_user(&mut self, name: String) -> Answer<Option<wit::User>> {
        let name = name.trim_start_matches('@');
        let result = self.chat.find_user(name).await;
        Ok(result.map(|u| u.map(conv::user)).map_err(conv::chat_error))
    }

    async fn find_channel(&mut self, name: String) -> Answer<Option<wit::Channel>> {
        let name = name.trim_start_matches('#');
        let result = self.chat.find_channel(name).await;
        Ok(result
            .map(|c| c.map(conv::channel))
            .map_err(conv::chat_error))
    }

    async fn post_with(
        &mut self,
        channel: String,
        text: String,
        options: wit::PostOptions,
    ) -> Answer<wit::MessageRef> {
        let message = Self::rich(channel, text, options)?;
        let result = async {
            let message = message?;
            self.spend_post(&message.channel)?;
            self.chat.post_rich(message).await
        }
        .await;
        Ok(result.map(conv::message_ref).map_err(conv::chat_error))
    }

    async fn post_ephemeral(
        &mut self,
        channel: String,
        user: String,
        text: String,
        blocks: Option<String>,
    ) -> Answer<()> {
        super::check_argument("text", text.len())?;
        super::check_argument("blocks", blocks.as_ref().map_or(0, String::len))?;
        let result = async {
            Self::check_text(&text)?;
            let blocks = Self::check_blocks(blocks.as_deref())?;
            let channel = ChannelId::new(channel);
            self.spend_post(&channel)?;
            self.chat
                .post_ephemeral(EphemeralMessage {
                    channel,
                    user: UserId::new(user),
                    text,
                    blocks,
                })
                .await
        }
        .await;
        Ok(result.map_err(conv::chat_error))
    }

    async fn delete_message(&mut self, channel: String, ts: String) -> Answer<()> {
        let result = async {
            self.spend_action()?;
            self.chat
                .delete(&ChannelId::new(channel), &Ts::new(ts))
                .await
        }
        .await;
        Ok(result.map_err(conv::chat_error))
    }

    async fn permalink(&mut self, channel: String, ts: String) -> Answer<String> {
        let result = async {
            self.spend_action()?;
            self.chat
                .permalink(&ChannelId::new(channel), &Ts::new(ts))
                .await
        }
        .await;
        Ok(result.map_err(conv::chat_error))
    }

    async fn schedule_message(
        &mut self,
        channel: String,
        post_at: u64,
        text: String,
        options: wit::PostOptions,
    ) -> Answer<String> {
        let message = Self::rich(channel, text, options)?;
        let result = async {
            let message = message?;
            self.spend_post(&message.channel)?;
            self.chat.schedule(message, post_at).await
        }
        .await;
        Ok(result.map_err(conv::chat_error))
    }

    async fn list_scheduled(
        &mut self,
        channel: Option<String>,
    ) -> Answer<Vec<wit::ScheduledMessage>> {
        let result = async {
            self.spend_action()?;
            let channel = channel.map(ChannelId::new);
            self.chat.list_scheduled(channel.as_ref()).await
        }
        .await;
        Ok(result
            .map(|list| list.into_iter().map(conv::scheduled).collect())
            .map_err(conv::chat_error))
    }

    async fn delete_scheduled(&mut self, channel: String, id: String) -> Answer<()> {
        let result = async {
            self.spend_action()?;
            self.chat
                .delete_scheduled(&ChannelId::new(channel), &id)
                .await
        }
        .await;
        Ok(result.map_err(conv::chat_error))
    }
}
