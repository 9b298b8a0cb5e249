//! A team's share of the host's CPU over time, and the strikes that put a
//! misbehaving bot in quarantine.
//!
//! The per-call budget bounds one call; it does not stop a bot that makes
//! many calls just under it (a few timers a second, each spinning 490 ms).
//! [`CpuShare`] is a token bucket of CPU time refilled at the team's share
//! of one core: a call's measured cost (guest code and the synchronous part
//! of host calls) is charged after it returns, and while the bucket is
//! below zero the team's actor makes no further guest call; events wait in
//! the mailbox (and are dropped when it is full), control still answers.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use crate::limits::BotLimits;

/// CPU time a team may still use, in seconds (negative: in debt).
#[derive(Debug, Clone)]
pub(super) struct CpuShare {
    per_second: f64,
    burst: f64,
    balance: f64,
    updated: Instant,
}

impl CpuShare {
    pub(super) fn new(limits: &BotLimits) -> Self {
        let burst = Duration::from_millis(limits.cpu_burst_ms).as_secs_f64();
        Self {
            per_second: f64::from(limits.cpu_share_percent.max(1)) / 100.0,
            burst,
            balance: burst,
            updated: Instant::now(),
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.balance = (self.balance + elapsed * self.per_second).min(self.burst);
        self.updated = now;
    }

    /// Charges a call's cost. Returns true when this call put the team in
    /// debt (a throttle begins).
    pub(super) fn charge(&mut self, used: Duration, now: Instant) -> bool {
        self.refill(now);
        let was_ok = self.balance >= 0.0;
        self.balance -= used.as_secs_f64();
        was_ok && self.balance < 0.0
    }

    /// When the team may run its bot again; `None` when it may now.
    pub(super) fn throttled_until(&mut self, now: Instant) -> Option<Instant> {
        self.refill(now);
        (self.balance < 0.0).then(|| now + Duration::from_secs_f64(-self.balance / self.per_second))
    }

    /// A fresh start (after quarantine or an update).
    pub(super) fn reset(&mut self, now: Instant) {
        self.balance = self.burst;
        self.updated = now;
    }
}

/// Faults and throttles within a window; too many put the bot in
/// quarantine.
#[derive(Debug, Clone)]
pub(super) struct Strikes {
    window: Duration,
    limit: usize,
    times: VecDeque<Instant>,
}

impl Strikes {
    pub(super) fn new(limits: &BotLimits) -> Self {
        Self {
            window: Duration::from_secs(limits.strike_window_secs),
            limit: usize::try_from(limits.strikes.max(1)).unwrap_or(usize::MAX),
            times: VecDeque::new(),
        }
    }

    /// Records a strike; true when the limit is reached.
    pub(super) fn strike(&mut self, now: Instant) -> bool {
        while self
            .times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) > self.window)
        {
            self.times.pop_front();
        }
        self.times.push_back(now);
        self.times.len() >= self.limit
    }

    pub(super) fn clear(&mut self) {
        self.times.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> BotLimits {
        BotLimits {
            cpu_share_percent: 25,
            cpu_burst_ms: 1000,
            strikes: 3,
            strike_window_secs: 60,
            ..BotLimits::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_bot_over_its_share_waits_until_it_is_back_in_credit() {
        let mut share = CpuShare::new(&limits());
        let now = Instant::now();
        assert!(
            !share.charge(Duration::from_millis(900), now),
            "within the burst"
        );
        assert_eq!(share.throttled_until(now), None);
        assert!(share.charge(Duration::from_millis(600), now), "into debt");
        // 500 ms of debt at a quarter of a core: two seconds.
        assert_eq!(
            share.throttled_until(now),
            Some(now + Duration::from_secs(2))
        );
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(share.throttled_until(Instant::now()), None);
    }

    #[tokio::test(start_paused = true)]
    async fn strikes_count_within_the_window_only() {
        let mut strikes = Strikes::new(&limits());
        assert!(!strikes.strike(Instant::now()));
        assert!(!strikes.strike(Instant::now()));
        tokio::time::advance(Duration::from_secs(61)).await;
        assert!(!strikes.strike(Instant::now()), "the first two expired");
        assert!(!strikes.strike(Instant::now()));
        assert!(strikes.strike(Instant::now()), "three within a minute");
    }
}
