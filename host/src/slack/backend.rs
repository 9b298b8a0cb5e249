//! The chat backend over Slack: bots' calls become rate-scheduled Web API
//! calls with the team's token (which the bot never sees), lookups are
//! served from the team's directory, and typing goes over RTM. A 429 is
//! absorbed by the scheduler: the method pauses, and the call is retried
//! until its deadline.

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;

use super::api::{ApiError, ChannelRecord, HistoryArgs, PostMessage, RichPost};
use super::link::{RtmOutgoing, TeamLink};
use super::ratelimit::{CallError, Method, RateError};
use crate::chat::{
    About, ChannelInfo, ChatBackend, ChatError, EphemeralMessage, HistoryMessage, HistoryPage,
    HistoryQuery, MemberPage, MessageRef, OutgoingMessage, RichMessage, ScheduledMessage, UserInfo,
};
use crate::ids::{ChannelId, Ts, UserId};

/// [`ChatBackend`] for one team connected to Slack.
#[derive(Debug, Clone)]
pub struct SlackChat {
    link: Arc<TeamLink>,
}

impl SlackChat {
    pub fn new(link: Arc<TeamLink>) -> Self {
        Self { link }
    }
}

/// Maps a Slack error to what the bot is told.
fn chat_error(e: &ApiError) -> ChatError {
    let code = e.code();
    match code {
        "channel_not_found"
        | "message_not_found"
        | "user_not_found"
        | "users_not_found"
        | "thread_not_found"
        | "invalid_scheduled_message_id" => ChatError::NotFound(code.to_owned()),
        "msg_too_long" | "msg_blocks_too_long" => ChatError::TooLong {
            limit: u32::try_from(crate::chat::MAX_TEXT_CHARS).unwrap_or(u32::MAX),
        },
        _ if e.retry_after().is_some() => ChatError::RateLimited,
        _ if e.is_fatal() => ChatError::Unavailable(code.to_owned()),
        _ if e.is_retryable() => ChatError::Unavailable(code.to_owned()),
        _ => ChatError::Refused(code.to_owned()),
    }
}

fn rate_error(e: RateError) -> ChatError {
    match e {
        RateError::QueueFull | RateError::Deadline => ChatError::RateLimited,
        RateError::Stopped => ChatError::Unavailable("team link stopped".into()),
    }
}

/// Runs `call` under the team's rate scheduler, absorbing 429s until the
/// team's post deadline.
async fn scheduled<T, F, Fut>(
    link: &TeamLink,
    method: Method,
    channel: Option<&ChannelId>,
    call: F,
) -> Result<T, ChatError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    // One deadline for waiting and calling together, under the bot's
    // wall-clock budget: a slow Slack is the bot's `unavailable`, never a
    // timeout that would poison its instance.
    let budget = link.tuning.post_wait;
    match link
        .limiter
        .call_within(method, channel, budget, call)
        .await
    {
        Ok(value) => Ok(value),
        Err(CallError::Rate(e)) => Err(rate_error(e)),
        Err(CallError::TimedOut) => Err(ChatError::Unavailable(
            "slack did not answer in time".into(),
        )),
        Err(CallError::Api(e)) => {
            tracing::debug!(team = %link.team, ?method, code = e.code(), "slack call failed");
            Err(chat_error(&e))
        }
    }
}

impl SlackChat {
    /// Remembers a channel Slack just described (created, renamed,
    /// joined), so lookups see it before its event arrives.
    fn remember(&self, record: ChannelRecord) -> ChannelInfo {
        let info = ChannelInfo {
            id: record.id,
            name: record.name,
            is_private: record.is_private,
            is_member: record.is_member,
        };
        self.link.directory_mut(|d| d.upsert_channel(info.clone()));
        info
    }
}

fn rich_post(message: &RichMessage) -> RichPost<'_> {
    RichPost {
        channel: &message.channel,
        text: &message.text,
        blocks: message.blocks.as_ref().map(|b| b.json()),
        thread_ts: message.thread_ts.as_ref(),
        reply_broadcast: message.reply_broadcast,
    }
}

#[async_trait]
impl ChatBackend for SlackChat {
    async fn post(&self, message: OutgoingMessage) -> Result<MessageRef, ChatError> {
        let link = &self.link;
        let channel = message.channel.clone();
        let request = PostMessage {
            channel: message.channel,
            text: message.text,
            thread_ts: message.thread_ts,
        };
        let posted = scheduled(link, Method::PostMessage, Some(&channel), || {
            link.web.chat_post_message(&link.token, &request)
        })
        .await?;
        link.metrics.posts.inc();
        Ok(MessageRef {
            channel: posted.channel,
            ts: posted.ts,
        })
    }

    async fn update(&self, channel: &ChannelId, ts: &Ts, text: String) -> Result<(), ChatError> {
        let link = &self.link;
        scheduled(link, Method::Update, Some(channel), || {
            link.web.chat_update(&link.token, channel, ts, &text)
        })
        .await
    }

    async fn react(&self, channel: &ChannelId, ts: &Ts, name: &str) -> Result<(), ChatError> {
        let link = &self.link;
        let name = name.trim_matches(':');
        scheduled(link, Method::ReactionsAdd, None, || {
            link.web.reactions_add(&link.token, channel, ts, name)
        })
        .await
    }

    async fn typing(&self, channel: &ChannelId) -> Result<(), ChatError> {
        let link = &self.link;
        // Best effort: only RTM has a typing indicator.
        link.send_rtm(RtmOutgoing::Typing(channel.clone()));
        Ok(())
    }

    async fn open_direct(&self, user: &UserId) -> Result<ChannelId, ChatError> {
        let link = &self.link;
        scheduled(link, Method::ConversationsOpen, None, || {
            link.web.conversations_open(&link.token, user)
        })
        .await
    }

    async fn user_info(&self, user: &UserId) -> Result<UserInfo, ChatError> {
        let link = &self.link;
        link.directory(|d| d.user(user).cloned())
            .ok_or_else(|| ChatError::NotFound(format!("user {user}")))
    }

    async fn channel_info(&self, channel: &ChannelId) -> Result<ChannelInfo, ChatError> {
        let link = &self.link;
        link.directory(|d| d.channel(channel).cloned())
            .ok_or_else(|| ChatError::NotFound(format!("channel {channel}")))
    }

    async fn find_user(&self, name: &str) -> Result<Option<UserInfo>, ChatError> {
        let link = &self.link;
        Ok(link.directory(|d| d.user_named(name).cloned()))
    }

    async fn find_channel(&self, name: &str) -> Result<Option<ChannelInfo>, ChatError> {
        let link = &self.link;
        Ok(link.directory(|d| d.channel_named(name).cloned()))
    }

    async fn post_rich(&self, message: RichMessage) -> Result<MessageRef, ChatError> {
        let link = &self.link;
        let post = rich_post(&message);
        let posted = scheduled(link, Method::PostMessage, Some(&message.channel), || {
            link.web.chat_post_rich(&link.token, &post)
        })
        .await?;
        link.metrics.posts.inc();
        Ok(MessageRef {
            channel: posted.channel,
            ts: posted.ts,
        })
    }

    async fn post_ephemeral(&self, message: EphemeralMessage) -> Result<(), ChatError> {
        let link = &self.link;
        let post = RichPost {
            channel: &message.channel,
            text: &message.text,
            blocks: message.blocks.as_ref().map(|b| b.json()),
            thread_ts: None,
            reply_broadcast: false,
        };
        scheduled(link, Method::PostEphemeral, None, || {
            link.web
                .chat_post_ephemeral(&link.token, &post, &message.user)
        })
        .await
    }

    async fn delete(&self, channel: &ChannelId, ts: &Ts) -> Result<(), ChatError> {
        let link = &self.link;
        scheduled(link, Method::Delete, None, || {
            link.web.chat_delete(&link.token, channel, ts)
        })
        .await
    }

    async fn permalink(&self, channel: &ChannelId, ts: &Ts) -> Result<String, ChatError> {
        let link = &self.link;
        scheduled(link, Method::GetPermalink, None, || {
            link.web.chat_get_permalink(&link.token, channel, ts)
        })
        .await
    }

    async fn schedule(&self, message: RichMessage, post_at: u64) -> Result<String, ChatError> {
        let link = &self.link;
        let post = rich_post(&message);
        scheduled(link, Method::ScheduleMessage, None, || {
            link.web.chat_schedule_message(&link.token, &post, post_at)
        })
        .await
    }

    async fn list_scheduled(
        &self,
        channel: Option<&ChannelId>,
    ) -> Result<Vec<ScheduledMessage>, ChatError> {
        let link = &self.link;
        let records = scheduled(link, Method::ScheduledMessagesList, None, || {
            link.web.chat_scheduled_list(&link.token, channel)
        })
        .await?;
        Ok(records
            .into_iter()
            .map(|r| ScheduledMessage {
                id: r.id,
                channel: r.channel_id,
                post_at: r.post_at,
                text: r.text,
            })
            .collect())
    }

    async fn delete_scheduled(&self, channel: &ChannelId, id: &str) -> Result<(), ChatError> {
        let link = &self.link;
        scheduled(link, Method::DeleteScheduledMessage, None, || {
            link.web.chat_delete_scheduled(&link.token, channel, id)
        })
        .await
    }

    async fn create_channel(&self, name: &str, is_private: bool) -> Result<ChannelInfo, ChatError> {
        let link = &self.link;
        let record = scheduled(link, Method::ConversationsCreate, None, || {
            link.web.conversations_create(&link.token, name, is_private)
        })
        .await?;
        Ok(self.remember(record))
    }

    async fn rename_channel(
        &self,
        channel: &ChannelId,
        name: &str,
    ) -> Result<ChannelInfo, ChatError> {
        let link = &self.link;
        let record = scheduled(link, Method::ConversationsRename, None, || {
            link.web.conversations_rename(&link.token, channel, name)
        })
        .await?;
        Ok(self.remember(record))
    }

    async fn set_archived(&self, channel: &ChannelId, archived: bool) -> Result<(), ChatError> {
        let link = &self.link;
        let method = if archived {
            Method::ConversationsArchive
        } else {
            Method::ConversationsUnarchive
        };
        scheduled(link, method, None, || {
            link.web
                .conversations_set_archived(&link.token, channel, archived)
        })
        .await
    }

    async fn set_about(
        &self,
        channel: &ChannelId,
        about: About,
        text: &str,
    ) -> Result<(), ChatError> {
        let link = &self.link;
        let (method, purpose) = match about {
            About::Topic => (Method::ConversationsSetTopic, false),
            About::Purpose => (Method::ConversationsSetPurpose, true),
        };
        scheduled(link, method, None, || {
            link.web
                .conversations_set_about(&link.token, channel, purpose, text)
        })
        .await
    }

    async fn invite(&self, channel: &ChannelId, users: &[UserId]) -> Result<(), ChatError> {
        let link = &self.link;
        scheduled(link, Method::ConversationsInvite, None, || {
            link.web.conversations_invite(&link.token, channel, users)
        })
        .await
    }

    async fn kick(&self, channel: &ChannelId, user: &UserId) -> Result<(), ChatError> {
        let link = &self.link;
        scheduled(link, Method::ConversationsKick, None, || {
            link.web.conversations_kick(&link.token, channel, user)
        })
        .await
    }

    async fn members(
        &self,
        channel: &ChannelId,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<MemberPage, ChatError> {
        let link = &self.link;
        let page = scheduled(link, Method::ConversationsMembers, None, || {
            link.web
                .conversations_members(&link.token, channel, cursor, limit)
        })
        .await?;
        Ok(MemberPage {
            members: page.items,
            next_cursor: page.next_cursor,
        })
    }

    async fn join(&self, channel: &ChannelId) -> Result<ChannelInfo, ChatError> {
        let link = &self.link;
        let record = scheduled(link, Method::ConversationsJoin, None, || {
            link.web.conversations_join(&link.token, channel)
        })
        .await?;
        Ok(self.remember(record))
    }

    async fn leave(&self, channel: &ChannelId) -> Result<(), ChatError> {
        let link = &self.link;
        scheduled(link, Method::ConversationsLeave, None, || {
            link.web.conversations_leave(&link.token, channel)
        })
        .await
    }

    async fn open_conversation(&self, users: &[UserId]) -> Result<ChannelId, ChatError> {
        let link = &self.link;
        scheduled(link, Method::ConversationsOpen, None, || {
            link.web.conversations_open_many(&link.token, users)
        })
        .await
    }

    async fn history(&self, query: HistoryQuery) -> Result<HistoryPage, ChatError> {
        let link = &self.link;
        let method = if query.thread_ts.is_some() {
            Method::ConversationsReplies
        } else {
            Method::ConversationsHistory
        };
        let args = HistoryArgs {
            limit: query.limit,
            oldest: query.oldest.as_ref().map(Ts::as_str),
            latest: query.latest.as_ref().map(Ts::as_str),
            cursor: query.cursor.as_deref(),
        };
        let page = scheduled(link, method, None, || {
            link.web.conversations_history(
                &link.token,
                &query.channel,
                query.thread_ts.as_ref(),
                &args,
            )
        })
        .await?;
        Ok(HistoryPage {
            messages: page
                .items
                .into_iter()
                .map(|m| HistoryMessage {
                    user: m.user,
                    text: m.text,
                    ts: m.ts,
                    thread_ts: m.thread_ts,
                    reply_count: m.reply_count,
                })
                .collect(),
            next_cursor: page.next_cursor,
        })
    }
}
