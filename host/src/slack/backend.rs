//! The chat backend over Slack: bots' calls become rate-scheduled Web API
//! calls with the team's token (which the bot never sees), lookups are
//! served from the team's directory, and typing goes over RTM. A 429 is
//! absorbed here: the method pauses, and the call is retried until its
//! deadline.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use tokio::time::Instant;

use super::api::{ApiError, PostMessage};
use super::link::{RtmOutgoing, TeamLink};
use super::ratelimit::{Method, RateError};
use crate::chat::{ChannelInfo, ChatBackend, ChatError, MessageRef, OutgoingMessage, UserInfo};
use crate::ids::{ChannelId, TeamId, Ts, UserId};
use crate::metrics::Metrics;

/// Every connected team's link, by team id.
#[derive(Debug, Default)]
pub struct LinkRegistry {
    teams: RwLock<HashMap<TeamId, Arc<TeamLink>>>,
}

impl LinkRegistry {
    pub fn get(&self, team: &TeamId) -> Option<Arc<TeamLink>> {
        self.teams
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(team)
            .cloned()
    }

    pub(super) fn insert(&self, link: Arc<TeamLink>) {
        self.teams
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(link.team.clone(), link);
    }

    pub(super) fn remove(&self, team: &TeamId) -> Option<Arc<TeamLink>> {
        self.teams
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(team)
    }

    pub fn teams(&self) -> Vec<Arc<TeamLink>> {
        self.teams
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }
}

/// [`ChatBackend`] for teams connected to Slack.
#[derive(Debug, Clone)]
pub struct SlackChat {
    links: Arc<LinkRegistry>,
    metrics: Arc<Metrics>,
}

impl SlackChat {
    pub fn new(links: Arc<LinkRegistry>, metrics: Arc<Metrics>) -> Self {
        Self { links, metrics }
    }

    fn link(&self, team: &TeamId) -> Result<Arc<TeamLink>, ChatError> {
        self.links
            .get(team)
            .ok_or_else(|| ChatError::Unavailable(format!("team {team} is not connected")))
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

/// Runs `call` under a permit for `method`, absorbing 429s until the
/// team's post deadline.
async fn scheduled<T, F, Fut>(
    link: &TeamLink,
    method: Method,
    channel: Option<&ChannelId>,
    call: F,
) -> Result<T, ChatError>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    // One deadline for waiting and calling together, under the bot's
    // wall-clock budget: a slow Slack is the bot's `unavailable`, never a
    // timeout that would poison its instance.
    let deadline = Instant::now() + link.tuning.post_wait;
    loop {
        let wait = deadline.saturating_duration_since(Instant::now());
        let permit = link
            .limiter
            .acquire(method, channel, wait)
            .await
            .map_err(rate_error)?;
        let remaining = deadline.saturating_duration_since(Instant::now());
        let result = tokio::time::timeout(remaining, call())
            .await
            .map_err(|_| ChatError::Unavailable("slack did not answer in time".into()))?;
        drop(permit);
        match result {
            Ok(value) => return Ok(value),
            Err(ApiError::RateLimited { retry_after, .. }) => {
                link.limiter.throttled(method, retry_after).await;
                if Instant::now() + retry_after > deadline {
                    return Err(ChatError::RateLimited);
                }
            }
            Err(e) => {
                tracing::debug!(team = %link.team, ?method, code = e.code(), "slack call failed");
                return Err(chat_error(&e));
            }
        }
    }
}

#[async_trait]
impl ChatBackend for SlackChat {
    async fn post(&self, team: &TeamId, message: OutgoingMessage) -> Result<MessageRef, ChatError> {
        let link = self.link(team)?;
        let channel = message.channel.clone();
        let request = PostMessage {
            channel: message.channel,
            text: message.text,
            thread_ts: message.thread_ts,
        };
        let posted = scheduled(&link, Method::PostMessage, Some(&channel), || {
            link.web.chat_post_message(&link.token, &request)
        })
        .await?;
        self.metrics.posts.inc();
        Ok(MessageRef {
            channel: posted.channel,
            ts: posted.ts,
        })
    }

    async fn update(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        ts: &Ts,
        text: String,
    ) -> Result<(), ChatError> {
        let link = self.link(team)?;
        scheduled(&link, Method::Update, Some(channel), || {
            link.web.chat_update(&link.token, channel, ts, &text)
        })
        .await
    }

    async fn react(
        &self,
        team: &TeamId,
        channel: &ChannelId,
        ts: &Ts,
        name: &str,
    ) -> Result<(), ChatError> {
        let link = self.link(team)?;
        let name = name.trim_matches(':');
        scheduled(&link, Method::ReactionsAdd, None, || {
            link.web.reactions_add(&link.token, channel, ts, name)
        })
        .await
    }

    async fn typing(&self, team: &TeamId, channel: &ChannelId) -> Result<(), ChatError> {
        let link = self.link(team)?;
        // Best effort: only RTM has a typing indicator.
        link.send_rtm(RtmOutgoing::Typing(channel.clone()));
        Ok(())
    }

    async fn open_direct(&self, team: &TeamId, user: &UserId) -> Result<ChannelId, ChatError> {
        let link = self.link(team)?;
        scheduled(&link, Method::ConversationsOpen, None, || {
            link.web.conversations_open(&link.token, user)
        })
        .await
    }

    async fn user_info(&self, team: &TeamId, user: &UserId) -> Result<UserInfo, ChatError> {
        let link = self.link(team)?;
        link.directory(|d| d.user(user).cloned())
            .ok_or_else(|| ChatError::NotFound(format!("user {user}")))
    }

    async fn channel_info(
        &self,
        team: &TeamId,
        channel: &ChannelId,
    ) -> Result<ChannelInfo, ChatError> {
        let link = self.link(team)?;
        link.directory(|d| d.channel(channel).cloned())
            .ok_or_else(|| ChatError::NotFound(format!("channel {channel}")))
    }

    async fn find_user(&self, team: &TeamId, name: &str) -> Result<Option<UserInfo>, ChatError> {
        let link = self.link(team)?;
        Ok(link.directory(|d| d.user_named(name).cloned()))
    }

    async fn find_channel(
        &self,
        team: &TeamId,
        name: &str,
    ) -> Result<Option<ChannelInfo>, ChatError> {
        let link = self.link(team)?;
        Ok(link.directory(|d| d.channel_named(name).cloned()))
    }
}
