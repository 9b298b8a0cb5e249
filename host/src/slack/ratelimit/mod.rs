//! The rate scheduler: an actor reached through a [`RateLimiter`] handle
//! (after twilight's design), one per team and one per Socket Mode app.
//! Every Web API call the host makes goes through it, the connect calls
//! (`rtm.connect`, `apps.connections.open`) included. Callers ask for a
//! [`Permit`] before a call; the actor hands permits out under per-method
//! tier limits and, for posts, through an ordered per-channel queue (about
//! one message a second per channel, small bursts, one post in flight per
//! channel so they land in order).
//!
//! A permit ends with the call's [`Outcome`]: [`Permit::complete`] frees
//! the channel lane and, when Slack answered 429, pauses the method until
//! `Retry-After` has passed, so the next caller waits instead of being
//! refused too. The helpers [`RateLimiter::call_once`] and
//! [`RateLimiter::call_within`] do the completing for the caller, so a 429
//! cannot be forgotten. A permit dropped without an outcome (a cancelled
//! call) still frees its lane.
//!
//! Bots never see a 429: a request that cannot get a permit before its
//! deadline fails with [`RateError`], which the chat backend turns into
//! `rate-limited`.

mod call;
mod scheduler;
#[cfg(test)]
mod tests;

use std::time::Duration;

use thiserror::Error;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::api::ApiError;
use crate::ids::ChannelId;

pub use call::CallError;

/// Web API methods the host calls, each with its rate tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    PostMessage,
    Update,
    ReactionsAdd,
    ConversationsOpen,
    ConversationsList,
    UsersList,
    AuthTest,
    // Contract 0.2.2 (tiers from Slack's method pages).
    ConversationsCreate,
    ConversationsRename,
    ConversationsArchive,
    ConversationsUnarchive,
    ConversationsSetTopic,
    ConversationsSetPurpose,
    ConversationsInvite,
    ConversationsKick,
    ConversationsMembers,
    ConversationsJoin,
    ConversationsLeave,
    ConversationsHistory,
    ConversationsReplies,
    GetPermalink,
    PostEphemeral,
    Delete,
    ScheduleMessage,
    ScheduledMessagesList,
    DeleteScheduledMessage,
    /// `rtm.connect`, once per RTM (re)connect.
    RtmConnect,
    /// `apps.connections.open`, once per Socket Mode (re)connect, on the
    /// app's own scheduler (its token is the app's, not a team's).
    AppsConnectionsOpen,
}

impl Method {
    /// (burst, sustained per minute) for the method's tier
    /// (`protocols.md` §4.7).
    fn tier(self) -> (f64, f64) {
        match self {
            // Special tier: paced per channel below; this is the
            // workspace-wide cap on top. Slack publishes no number for it;
            // this is the bots' default post budget (`BotLimits`), so a
            // bot within its budget never waits here, and a bot allowed
            // more is paced rather than refused. A 429 pauses it anyway.
            Method::PostMessage => (100.0, 600.0),
            Method::Update | Method::ReactionsAdd | Method::ConversationsOpen => (10.0, 50.0),
            // Tier 3.
            Method::ConversationsInvite
            | Method::ConversationsKick
            | Method::ConversationsJoin
            | Method::ConversationsLeave
            | Method::ConversationsHistory
            | Method::ConversationsReplies
            | Method::Delete
            | Method::ScheduleMessage
            | Method::ScheduledMessagesList
            | Method::DeleteScheduledMessage => (10.0, 50.0),
            // Tier 4.
            Method::ConversationsMembers | Method::GetPermalink | Method::PostEphemeral => {
                (20.0, 100.0)
            }
            // Tier 2.
            Method::ConversationsList
            | Method::UsersList
            | Method::ConversationsCreate
            | Method::ConversationsRename
            | Method::ConversationsArchive
            | Method::ConversationsUnarchive
            | Method::ConversationsSetTopic
            | Method::ConversationsSetPurpose => (5.0, 20.0),
            Method::AuthTest => (10.0, 100.0),
            // Tier 1, "1+ per minute" (§2.2; for apps.connections.open
            // api.slack.com says Tier 1 and docs.slack.dev t3, §3.1: the
            // stricter is kept). The burst lets a link that drops a few
            // times in a row come straight back; the reconnect backoff
            // spaces the tries long before the burst runs out.
            Method::RtmConnect | Method::AppsConnectionsOpen => (10.0, 1.0),
        }
    }
}

/// Posts per channel: a burst of this many, then one a second.
const CHANNEL_BURST: f64 = 3.0;
const CHANNEL_PER_SECOND: f64 = 1.0;
/// Posts waiting for one channel before new ones are refused.
const CHANNEL_QUEUE: usize = 16;
/// Requests waiting for one method before new ones are refused.
const METHOD_QUEUE: usize = 256;
/// Longest pause a `Retry-After` can impose; a larger value is more
/// likely a broken header than Slack's intent.
const MAX_PAUSE: Duration = Duration::from_secs(3600);

/// Why no permit was handed out.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RateError {
    #[error("too many requests queued")]
    QueueFull,
    #[error("no capacity before the deadline")]
    Deadline,
    #[error("rate scheduler stopped")]
    Stopped,
}

/// How a call made under a permit went, as far as the scheduler cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Slack answered without a rate limit (a success or any other error),
    /// or the call never reached Slack.
    Done,
    /// Slack answered 429: the method pauses for `retry_after`.
    RateLimited { retry_after: Duration },
}

impl Outcome {
    /// The outcome of a Web API call's result.
    pub fn of<T>(result: &Result<T, ApiError>) -> Self {
        match result.as_ref().err().and_then(ApiError::retry_after) {
            Some(retry_after) => Outcome::RateLimited { retry_after },
            None => Outcome::Done,
        }
    }
}

/// What the actor hears when a permit ends.
#[derive(Debug)]
struct Completion {
    method: Method,
    /// The lane to free, for posts.
    channel: Option<ChannelId>,
    /// How long to pause `method`, after a 429.
    pause: Option<Duration>,
}

/// The right to make one call. End it with [`complete`](Self::complete)
/// once Slack has answered; dropping it instead only frees the channel
/// lane (right for a call that was cancelled, wrong for one that got a
/// 429, hence the `must_use`).
#[derive(Debug)]
#[must_use = "complete the permit with the call's outcome"]
pub struct Permit {
    method: Method,
    channel: Option<ChannelId>,
    /// `None` once the permit has been completed.
    done: Option<mpsc::UnboundedSender<Completion>>,
}

impl Permit {
    /// Ends the permit with the call's outcome: the next post to the same
    /// channel may go, and a 429 pauses the method for its `Retry-After`
    /// (at most an hour). Never blocks: it runs in `Drop` paths too.
    pub fn complete(mut self, outcome: Outcome) {
        self.finish(outcome);
    }

    fn finish(&mut self, outcome: Outcome) {
        let Some(done) = self.done.take() else { return };
        let pause = match outcome {
            Outcome::Done => None,
            Outcome::RateLimited { retry_after } => Some(retry_after.min(MAX_PAUSE)),
        };
        if self.channel.is_none() && pause.is_none() {
            return;
        }
        // The actor may be gone at shutdown; nothing to release then.
        let _ = done.send(Completion {
            method: self.method,
            channel: self.channel.take(),
            pause,
        });
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.finish(Outcome::Done);
    }
}

/// A request for a permit.
#[derive(Debug)]
struct Acquire {
    method: Method,
    channel: Option<ChannelId>,
    deadline: Instant,
    reply: oneshot::Sender<Result<Permit, RateError>>,
}

/// Handle to a rate scheduler. Clone freely.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    requests: mpsc::Sender<Acquire>,
}

impl RateLimiter {
    /// Starts the scheduler; it runs until `cancel` fires or every handle
    /// is dropped. The returned future must be spawned by an owner.
    pub fn new(cancel: CancellationToken) -> (Self, impl Future<Output = ()> + Send + 'static) {
        let (requests, rx) = mpsc::channel(1024);
        (Self { requests }, scheduler::run(rx, cancel))
    }

    /// Waits for a permit to call `method` (posting to `channel`, if any),
    /// giving up after `wait`. Cancel-safe: dropping the future gives up.
    /// Prefer [`call_once`](Self::call_once) or
    /// [`call_within`](Self::call_within), which complete the permit.
    ///
    /// # Errors
    /// [`RateError`] when the queue is full, the deadline passes, or the
    /// scheduler stopped.
    pub async fn acquire(
        &self,
        method: Method,
        channel: Option<&ChannelId>,
        wait: Duration,
    ) -> Result<Permit, RateError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Acquire {
                method,
                channel: channel.cloned(),
                deadline: Instant::now() + wait,
                reply,
            })
            .await
            .map_err(|_| RateError::Stopped)?;
        answer.await.map_err(|_| RateError::Stopped)?
    }
}
