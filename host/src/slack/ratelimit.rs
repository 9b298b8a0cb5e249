//! The per-team rate scheduler: an actor reached through a [`RateLimiter`]
//! handle (after twilight's design). Callers ask for a [`Permit`] before a
//! Web API call; the actor hands permits out under per-method tier limits
//! and, for posts, through an ordered per-channel queue (about one message
//! a second per channel, small bursts, one post in flight per channel so
//! they land in order). A 429 reported through [`RateLimiter::throttled`]
//! pauses that method until `Retry-After` has passed. Bots never see a 429:
//! a request that cannot get a permit before its deadline fails with
//! [`RateError`], which the chat backend turns into `rate-limited`.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use thiserror::Error;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::deadline::sleep_until;
use crate::ids::ChannelId;

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
}

impl Method {
    /// (burst, sustained per minute) for the method's tier.
    fn tier(self) -> (f64, f64) {
        match self {
            // Special tier: paced per channel below; this is the
            // workspace-wide cap on top.
            Method::PostMessage => (20.0, 100.0),
            Method::Update | Method::ReactionsAdd | Method::ConversationsOpen => (10.0, 50.0),
            Method::ConversationsList | Method::UsersList => (5.0, 20.0),
            Method::AuthTest => (10.0, 100.0),
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

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RateError {
    #[error("too many requests queued")]
    QueueFull,
    #[error("no capacity before the deadline")]
    Deadline,
    #[error("rate scheduler stopped")]
    Stopped,
}

/// The right to make one call. Dropping it tells the scheduler the call is
/// over, which lets the next post to the same channel go.
#[derive(Debug)]
pub struct Permit {
    channel: Option<ChannelId>,
    release: mpsc::UnboundedSender<ChannelId>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(channel) = self.channel.take() {
            // The actor may be gone at shutdown; nothing to release then.
            let _ = self.release.send(channel);
        }
    }
}

#[derive(Debug)]
enum Request {
    Acquire {
        method: Method,
        channel: Option<ChannelId>,
        deadline: Instant,
        reply: oneshot::Sender<Result<Permit, RateError>>,
    },
    Throttled {
        method: Method,
        retry_after: Duration,
    },
}

/// Handle to a team's rate scheduler. Clone freely.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    requests: mpsc::Sender<Request>,
}

impl RateLimiter {
    /// Starts the scheduler; it runs until `cancel` fires or every handle
    /// is dropped. The returned future must be spawned by an owner.
    pub fn new(cancel: CancellationToken) -> (Self, impl Future<Output = ()> + Send + 'static) {
        let (requests, rx) = mpsc::channel(1024);
        let (release_tx, release_rx) = mpsc::unbounded_channel();
        let actor = Scheduler {
            buckets: HashMap::new(),
            channels: HashMap::new(),
            waiting: VecDeque::new(),
            release_tx,
        };
        (Self { requests }, actor.run(rx, release_rx, cancel))
    }

    /// Waits for a permit to call `method` (posting to `channel`, if any),
    /// giving up after `wait`. Cancel-safe: dropping the future gives up.
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
            .send(Request::Acquire {
                method,
                channel: channel.cloned(),
                deadline: Instant::now() + wait,
                reply,
            })
            .await
            .map_err(|_| RateError::Stopped)?;
        answer.await.map_err(|_| RateError::Stopped)?
    }

    /// Reports an HTTP 429: `method` pauses for `retry_after` (at most an
    /// hour). Waits for room in the queue so the signal is never lost.
    pub async fn throttled(&self, method: Method, retry_after: Duration) {
        let retry_after = retry_after.min(Duration::from_secs(3600));
        let _ = self
            .requests
            .send(Request::Throttled {
                method,
                retry_after,
            })
            .await;
    }
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    burst: f64,
    per_second: f64,
    updated: Instant,
    paused_until: Option<Instant>,
}

impl Bucket {
    fn new(burst: f64, per_second: f64, now: Instant) -> Self {
        Self {
            tokens: burst,
            burst,
            per_second,
            updated: now,
            paused_until: None,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        self.updated = now;
    }

    /// When a token will be available (now if one is).
    fn ready_at(&mut self, now: Instant) -> Instant {
        self.refill(now);
        let paused = self.paused_until.filter(|p| *p > now);
        let token_at = if self.tokens >= 1.0 {
            now
        } else {
            now + Duration::from_secs_f64((1.0 - self.tokens) / self.per_second)
        };
        paused.map_or(token_at, |p| p.max(token_at))
    }
}

#[derive(Debug)]
struct ChannelLane {
    bucket: Bucket,
    in_flight: bool,
}

#[derive(Debug)]
struct Waiter {
    method: Method,
    channel: Option<ChannelId>,
    deadline: Instant,
    reply: oneshot::Sender<Result<Permit, RateError>>,
}

struct Scheduler {
    buckets: HashMap<Method, Bucket>,
    channels: HashMap<ChannelId, ChannelLane>,
    /// Every waiting request, oldest first (order within a channel is
    /// arrival order).
    waiting: VecDeque<Waiter>,
    release_tx: mpsc::UnboundedSender<ChannelId>,
}

impl Scheduler {
    async fn run(
        mut self,
        mut requests: mpsc::Receiver<Request>,
        mut releases: mpsc::UnboundedReceiver<ChannelId>,
        cancel: CancellationToken,
    ) {
        loop {
            let wake = self.pump(Instant::now());
            tokio::select! {
                biased;
                () = cancel.cancelled() => break,
                released = releases.recv() => {
                    if let Some(channel) = released
                        && let Some(lane) = self.channels.get_mut(&channel)
                    {
                        lane.in_flight = false;
                    }
                }
                request = requests.recv() => match request {
                    Some(request) => self.accept(request),
                    None => break,
                },
                () = sleep_until(wake) => {}
            }
        }
        for waiter in self.waiting.drain(..) {
            let _ = waiter.reply.send(Err(RateError::Stopped));
        }
    }

    fn accept(&mut self, request: Request) {
        match request {
            Request::Acquire {
                method,
                channel,
                deadline,
                reply,
            } => {
                let queued_for_channel = channel.as_ref().map_or(0, |c| {
                    self.waiting
                        .iter()
                        .filter(|w| w.channel.as_ref() == Some(c))
                        .count()
                });
                let queued_for_method = self.waiting.iter().filter(|w| w.method == method).count();
                if queued_for_channel >= CHANNEL_QUEUE || queued_for_method >= METHOD_QUEUE {
                    let _ = reply.send(Err(RateError::QueueFull));
                    return;
                }
                self.waiting.push_back(Waiter {
                    method,
                    channel,
                    deadline,
                    reply,
                });
            }
            Request::Throttled {
                method,
                retry_after,
            } => {
                let now = Instant::now();
                let bucket = self.bucket(method, now);
                let until = now + retry_after;
                bucket.paused_until = Some(bucket.paused_until.map_or(until, |p| p.max(until)));
                bucket.tokens = 0.0;
                tracing::info!(?method, ?retry_after, "slack rate limit hit; method paused");
            }
        }
    }

    fn bucket(&mut self, method: Method, now: Instant) -> &mut Bucket {
        self.buckets.entry(method).or_insert_with(|| {
            let (burst, per_minute) = method.tier();
            Bucket::new(burst, per_minute / 60.0, now)
        })
    }

    /// Grants every permit that can go now, fails expired waiters, and
    /// returns when to look again.
    fn pump(&mut self, now: Instant) -> Option<Instant> {
        let mut wake: Option<Instant> = None;
        let mut earliest = |at: Instant| wake = Some(wake.map_or(at, |w: Instant| w.min(at)));
        let mut blocked_channels: Vec<ChannelId> = Vec::new();
        let mut i = 0;
        while i < self.waiting.len() {
            let waiter = &self.waiting[i];
            if waiter.reply.is_closed() {
                self.waiting.remove(i);
                continue;
            }
            if waiter.deadline <= now {
                if let Some(w) = self.waiting.remove(i) {
                    let _ = w.reply.send(Err(RateError::Deadline));
                }
                continue;
            }
            let deadline = waiter.deadline;
            let method = waiter.method;
            let channel = waiter.channel.clone();
            // Keep order within a channel: an earlier post that cannot go
            // blocks the later ones.
            if let Some(c) = &channel
                && blocked_channels.contains(c)
            {
                i += 1;
                continue;
            }
            let method_at = self.bucket(method, now).ready_at(now);
            let channel_at = channel.as_ref().map(|c| {
                let lane = self
                    .channels
                    .entry(c.clone())
                    .or_insert_with(|| ChannelLane {
                        bucket: Bucket::new(CHANNEL_BURST, CHANNEL_PER_SECOND, now),
                        in_flight: false,
                    });
                (lane.in_flight, lane.bucket.ready_at(now))
            });
            let ready_at = channel_at.map_or(method_at, |(_, at)| at.max(method_at));
            let in_flight = channel_at.is_some_and(|(busy, _)| busy);
            if in_flight || ready_at > now {
                if !in_flight {
                    earliest(ready_at);
                }
                earliest(deadline);
                if let Some(c) = channel {
                    blocked_channels.push(c);
                }
                i += 1;
                continue;
            }
            let Some(w) = self.waiting.remove(i) else {
                break;
            };
            self.bucket(method, now).tokens -= 1.0;
            if let Some(c) = &w.channel
                && let Some(lane) = self.channels.get_mut(c)
            {
                lane.bucket.tokens -= 1.0;
                lane.in_flight = true;
            }
            let permit = Permit {
                channel: w.channel.clone(),
                release: self.release_tx.clone(),
            };
            if let Err(Ok(permit)) = w.reply.send(Ok(permit)) {
                // The caller gave up; its permit is released on drop.
                drop(permit);
            }
        }
        // Forget idle channels so the map does not grow without bound.
        self.channels.retain(|_, lane| {
            lane.bucket.refill(now);
            lane.in_flight || lane.bucket.tokens < lane.bucket.burst - 1e-9
        });
        wake
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> (RateLimiter, CancellationToken, tokio::task::JoinHandle<()>) {
        let cancel = CancellationToken::new();
        let (limiter, actor) = RateLimiter::new(cancel.clone());
        (limiter, cancel, tokio::spawn(actor))
    }

    #[tokio::test(start_paused = true)]
    async fn posts_to_one_channel_burst_then_pace_at_one_per_second_in_order() {
        let (limiter, cancel, task) = start();
        let channel = ChannelId::from("C1");
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..5 {
            let permit = limiter
                .acquire(Method::PostMessage, Some(&channel), Duration::from_secs(30))
                .await
                .expect("permit");
            times.push(start.elapsed().as_millis());
            drop(permit);
        }
        assert_eq!(times, [0, 0, 0, 1000, 2000]);
        cancel.cancel();
        task.await.expect("actor");
    }

    #[tokio::test(start_paused = true)]
    async fn one_post_in_flight_per_channel_but_channels_are_independent() {
        let (limiter, cancel, task) = start();
        let (a, b) = (ChannelId::from("CA"), ChannelId::from("CB"));
        let held = limiter
            .acquire(Method::PostMessage, Some(&a), Duration::from_secs(5))
            .await
            .expect("first");
        let other = limiter
            .acquire(Method::PostMessage, Some(&b), Duration::from_secs(5))
            .await;
        assert!(other.is_ok(), "another channel is not blocked");
        let second = tokio::spawn({
            let limiter = limiter.clone();
            let a = a.clone();
            async move {
                limiter
                    .acquire(Method::PostMessage, Some(&a), Duration::from_secs(1))
                    .await
            }
        });
        tokio::time::sleep(Duration::from_millis(500)).await;
        drop(held);
        assert!(second.await.expect("join").is_ok(), "granted once released");
        cancel.cancel();
        task.await.expect("actor");
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_the_method_for_retry_after() {
        let (limiter, cancel, task) = start();
        limiter
            .throttled(Method::Update, Duration::from_secs(7))
            .await;
        let start = Instant::now();
        let permit = limiter
            .acquire(Method::Update, None, Duration::from_secs(30))
            .await
            .expect("permit");
        assert_eq!(start.elapsed().as_secs(), 7);
        drop(permit);
        cancel.cancel();
        task.await.expect("actor");
    }

    #[tokio::test(start_paused = true)]
    async fn deadline_and_queue_limits_refuse_instead_of_waiting_forever() {
        let (limiter, cancel, task) = start();
        limiter
            .throttled(Method::ReactionsAdd, Duration::from_secs(60))
            .await;
        let refused = limiter
            .acquire(Method::ReactionsAdd, None, Duration::from_secs(2))
            .await;
        assert_eq!(refused.err(), Some(RateError::Deadline));
        let channel = ChannelId::from("C1");
        let _held = limiter
            .acquire(Method::PostMessage, Some(&channel), Duration::from_secs(1))
            .await
            .expect("first");
        let mut waiting = Vec::new();
        for _ in 0..CHANNEL_QUEUE {
            let limiter = limiter.clone();
            let channel = channel.clone();
            waiting.push(tokio::spawn(async move {
                limiter
                    .acquire(Method::PostMessage, Some(&channel), Duration::from_secs(60))
                    .await
            }));
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
        let overflow = limiter
            .acquire(Method::PostMessage, Some(&channel), Duration::from_secs(60))
            .await;
        assert_eq!(overflow.err(), Some(RateError::QueueFull));
        cancel.cancel();
        task.await.expect("actor");
        for w in waiting {
            assert_eq!(w.await.expect("join").err(), Some(RateError::Stopped));
        }
    }
}
