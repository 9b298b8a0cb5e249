//! The chat backend over Slack: bots' calls become rate-scheduled Web API
//! calls with the team's token (which the bot never sees), lookups are
//! served from the team's directory, and typing goes over RTM. A 429 is
//! absorbed by the scheduler: the method pauses, and the call is retried
//! until its deadline.

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;

use super::api::{ApiError, PostMessage};
use super::link::{RtmOutgoing, TeamLink};
use super::ratelimit::{CallError, Method, RateError};
use crate::chat::{ChannelInfo, ChatBackend, ChatError, MessageRef, OutgoingMessage, UserInfo};
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
        "channel_not_found" | "message_not_found" | "user_not_found" | "users_not_found" => {
            ChatError::NotFound(code.to_owned())
        }
        "msg_too_long" => ChatError::TooLong {
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
}
