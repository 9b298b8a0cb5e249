//! `bothost:bot/channels` (since 0.2.2): managing the team's channels and
//! reading their history. Each call is a Web API call, so each spends from
//! the bot's action budget before the backend sees it.

use super::Capabilities;
use super::bindings::channels::{self as wit, Host};
use super::bindings::chat as wit_chat;
use super::convert as conv;
use crate::chat::{About, ChatError, HistoryQuery, page_limit};
use crate::ids::{ChannelId, Ts, UserId};

type Answer<T> = wasmtime::Result<Result<T, wit_chat::ChatError>>;

/// Most users one `invite` or `open-conversation` may name.
const MAX_USERS: usize = 1000;
/// Most users in a group DM besides the bot.
const MAX_GROUP: usize = 8;
/// Longest topic or purpose Slack keeps, in characters.
const MAX_ABOUT_CHARS: usize = 250;

fn users(list: Vec<String>, max: usize) -> Result<Vec<UserId>, ChatError> {
    if list.is_empty() || list.len() > max {
        return Err(ChatError::Refused(format!(
            "invalid_users: give 1 to {max} users"
        )));
    }
    Ok(list.into_iter().map(UserId::new).collect())
}

impl Capabilities {
    /// Spends one action, then runs `call`; the answer in WIT terms.
    async fn act<T, U>(
        &mut self,
        call: impl AsyncFnOnce(&Self) -> Result<T, ChatError>,
        map: impl FnOnce(T) -> U,
    ) -> Answer<U> {
        let result = match self.spend_action() {
            Ok(()) => call(self).await,
            Err(e) => Err(e),
        };
        Ok(result.map(map).map_err(conv::chat_error))
    }
}

impl Host for Capabilities {
    async fn create(&mut self, name: String, is_private: bool) -> Answer<wit_chat::Channel> {
        super::check_argument("name", name.len())?;
        self.act(
            async |c| c.chat.create_channel(&name, is_private).await,
            conv::channel,
        )
        .await
    }

    async fn rename(&mut self, channel: String, name: String) -> Answer<wit_chat::Channel> {
        super::check_argument("name", name.len())?;
        let channel = ChannelId::new(channel);
        self.act(
            async |c| c.chat.rename_channel(&channel, &name).await,
            conv::channel,
        )
        .await
    }

    async fn archive(&mut self, channel: String) -> Answer<()> {
        let channel = ChannelId::new(channel);
        self.act(async |c| c.chat.set_archived(&channel, true).await, drop)
            .await
    }

    async fn unarchive(&mut self, channel: String) -> Answer<()> {
        let channel = ChannelId::new(channel);
        self.act(async |c| c.chat.set_archived(&channel, false).await, drop)
            .await
    }

    async fn set_topic(&mut self, channel: String, topic: String) -> Answer<()> {
        self.about(channel, About::Topic, topic).await
    }

    async fn set_purpose(&mut self, channel: String, purpose: String) -> Answer<()> {
        self.about(channel, About::Purpose, purpose).await
    }

    async fn invite(&mut self, channel: String, users: Vec<String>) -> Answer<()> {
        let channel = ChannelId::new(channel);
        let users = self::users(users, MAX_USERS);
        self.act(async |c| c.chat.invite(&channel, &users?).await, drop)
            .await
    }

    async fn kick(&mut self, channel: String, user: String) -> Answer<()> {
        let (channel, user) = (ChannelId::new(channel), UserId::new(user));
        self.act(async |c| c.chat.kick(&channel, &user).await, drop)
            .await
    }

    async fn members(
        &mut self,
        channel: String,
        cursor: Option<String>,
        limit: u32,
    ) -> Answer<wit::MemberPage> {
        let channel = ChannelId::new(channel);
        self.act(
            async |c| {
                c.chat
                    .members(&channel, cursor.as_deref(), page_limit(limit))
                    .await
            },
            conv::member_page,
        )
        .await
    }

    async fn join(&mut self, channel: String) -> Answer<wit_chat::Channel> {
        let channel = ChannelId::new(channel);
        self.act(async |c| c.chat.join(&channel).await, conv::channel)
            .await
    }

    async fn leave(&mut self, channel: String) -> Answer<()> {
        let channel = ChannelId::new(channel);
        self.act(async |c| c.chat.leave(&channel).await, drop).await
    }

    async fn open_conversation(&mut self, users: Vec<String>) -> Answer<String> {
        let users = self::users(users, MAX_GROUP);
        self.act(
            async |c| c.chat.open_conversation(&users?).await,
            ChannelId::into_string,
        )
        .await
    }

    async fn history(&mut self, query: wit::HistoryQuery) -> Answer<wit::HistoryPage> {
        let query = HistoryQuery {
            channel: ChannelId::new(query.channel),
            thread_ts: query.thread_ts.map(Ts::new),
            limit: page_limit(query.limit),
            oldest: query.oldest.map(Ts::new),
            latest: query.latest.map(Ts::new),
            cursor: query.cursor,
        };
        self.act(async |c| c.chat.history(query).await, conv::history_page)
            .await
    }
}

impl Capabilities {
    async fn about(&mut self, channel: String, about: About, text: String) -> Answer<()> {
        super::check_argument("text", text.len())?;
        let channel = ChannelId::new(channel);
        let limit = u32::try_from(MAX_ABOUT_CHARS).unwrap_or(u32::MAX);
        if text.chars().count() > MAX_ABOUT_CHARS {
            return Ok(Err(conv::chat_error(ChatError::TooLong { limit })));
        }
        self.act(
            async |c| c.chat.set_about(&channel, about, &text).await,
            drop,
        )
        .await
    }
}
