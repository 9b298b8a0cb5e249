//! A bot's own posting budget: a token bucket refilled at
//! `posts_per_minute`, bursting to `burst`. It is checked before anything
//! reaches the transport, so a spamming bot is refused at the door and the
//! team's Slack rate limits stay available for well-behaved traffic.

use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct PostBudget {
    tokens: f64,
    burst: f64,
    per_second: f64,
    last: Option<Instant>,
}

impl PostBudget {
    pub fn new(per_minute: u32, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            tokens: burst,
            burst,
            per_second: f64::from(per_minute) / 60.0,
            last: None,
        }
    }

    /// Takes one post from the budget if there is one.
    pub fn try_take(&mut self) -> bool {
        let ready = self.ready(Instant::now());
        if ready {
            self.take();
        }
        ready
    }

    /// Refills up to `now`; whether a post may go.
    pub(super) fn ready(&mut self, now: Instant) -> bool {
        if let Some(last) = self.last {
            let elapsed = now.saturating_duration_since(last);
            self.tokens = (self.tokens + elapsed.as_secs_f64() * self.per_second).min(self.burst);
        }
        self.last = Some(now);
        self.tokens >= 1.0
    }

    /// Spends one post; call after [`ready`](Self::ready) said yes.
    pub(super) fn take(&mut self) {
        self.tokens -= 1.0;
    }

    /// Whether the bucket is back to its full burst (as of the last
    /// refill): nothing is left to remember about it.
    pub(super) fn is_full(&self) -> bool {
        self.tokens >= self.burst - 1e-9
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn bursts_then_refills_at_the_rate() {
        let mut budget = PostBudget::new(60, 3);
        assert!((0..3).all(|_| budget.try_take()));
        assert!(!budget.try_take(), "burst spent");
        tokio::time::advance(Duration::from_millis(999)).await;
        assert!(!budget.try_take(), "not a full second yet");
        tokio::time::advance(Duration::from_millis(2)).await;
        assert!(budget.try_take(), "one post per second refills");
        assert!(!budget.try_take());
    }
}
