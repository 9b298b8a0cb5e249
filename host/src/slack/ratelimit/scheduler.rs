//! The scheduler actor behind a [`RateLimiter`](super::RateLimiter): token
//! buckets per method and per channel, one queue of waiting requests in
//! arrival order, and the completions of permits coming back.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{
    Acquire, CHANNEL_BURST, CHANNEL_PER_SECOND, CHANNEL_QUEUE, Completion, METHOD_QUEUE, Method,
    Permit, RateError,
};
use crate::deadline::sleep_until;
use crate::ids::ChannelId;

/// Runs the actor until `cancel` fires or every handle is dropped; waiting
/// requests then fail with [`RateError::Stopped`].
pub(super) async fn run(requests: mpsc::Receiver<Acquire>, cancel: CancellationToken) {
    // Unbounded, but fed only by permits, at most one message each; a
    // completion must never wait (it is sent from `Drop`).
    let (done_tx, done_rx) = mpsc::unbounded_channel();
    let scheduler = Scheduler {
        buckets: HashMap::new(),
        channels: HashMap::new(),
        waiting: VecDeque::new(),
        done_tx,
    };
    scheduler.serve(requests, done_rx, cancel).await;
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
        // Slack said when to try again: once the pause is over, one call
        // may go, however slowly the bucket refills (a Tier 1 method would
        // otherwise wait a minute after a one-second `Retry-After`).
        if self.paused_until.is_some_and(|p| p <= now) {
            self.paused_until = None;
            self.tokens = self.tokens.max(1.0);
        }
    }

    /// When a token will be available (now if one is).
    fn ready_at(&mut self, now: Instant) -> Instant {
        self.refill(now);
        if let Some(paused) = self.paused_until {
            return paused;
        }
        if self.tokens >= 1.0 {
            now
        } else {
            now + Duration::from_secs_f64((1.0 - self.tokens) / self.per_second)
        }
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
    /// Handed to every permit, to report back how its call went.
    done_tx: mpsc::UnboundedSender<Completion>,
}

impl Scheduler {
    async fn serve(
        mut self,
        mut requests: mpsc::Receiver<Acquire>,
        mut done: mpsc::UnboundedReceiver<Completion>,
        cancel: CancellationToken,
    ) {
        loop {
            let wake = self.pump(Instant::now());
            tokio::select! {
                // Completions before requests: a 429 reported just before
                // the caller asks again must pause the method first.
                biased;
                () = cancel.cancelled() => break,
                Some(completion) = done.recv() => self.complete(completion),
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

    fn accept(&mut self, request: Acquire) {
        let Acquire {
            method,
            channel,
            deadline,
            reply,
        } = request;
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

    /// A call is over: free its lane; after a 429, pause its method.
    fn complete(&mut self, completion: Completion) {
        if let Some(channel) = &completion.channel
            && let Some(lane) = self.channels.get_mut(channel)
        {
            lane.in_flight = false;
        }
        if let Some(retry_after) = completion.pause {
            let now = Instant::now();
            let bucket = self.bucket(completion.method, now);
            let until = now + retry_after;
            bucket.paused_until = Some(bucket.paused_until.map_or(until, |p| p.max(until)));
            bucket.tokens = 0.0;
            let method = completion.method;
            tracing::info!(?method, ?retry_after, "slack rate limit hit; method paused");
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
                method,
                channel: w.channel.clone(),
                done: Some(self.done_tx.clone()),
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
