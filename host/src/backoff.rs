//! The one backoff of the host: how long to wait after the n-th failure in
//! a row. Used for re-instantiating a faulted bot, reconnecting Slack
//! sockets and reconnecting to the resourcer.
//!
//! The delay doubles from `min` up to `max`. Without jitter it is exact,
//! which tests on a paused clock rely on. With jitter each delay is drawn
//! from the upper half of the doubled value, so many connections that
//! dropped together (a network blip, a Slack restart) do not all come back
//! in the same instant (`protocols.md` §5: exponential with jitter, from
//! 1 s, capped at 30 s–5 min).

use std::time::Duration;

use rand::Rng;

/// Doublings after which the delay stops growing; `min * 2^20` is beyond
/// any sensible `max`, and the cap keeps the shift from overflowing.
const MAX_DOUBLINGS: u32 = 20;

/// Exponential backoff over consecutive failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    jitter: bool,
    failures: u32,
}

impl Default for Backoff {
    /// One second doubling to five minutes, without jitter: slow enough
    /// that something failing on every try (a bot that traps on every
    /// event) does not burn CPU, quick enough to recover from a blip.
    fn default() -> Self {
        Self::new(Duration::from_secs(1), Duration::from_secs(300))
    }
}

impl Backoff {
    /// A deterministic backoff: `min`, `2 min`, `4 min`, … capped at `max`
    /// (a `max` below `min` counts as `min`).
    pub fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max: max.max(min),
            jitter: false,
            failures: 0,
        }
    }

    /// The same schedule with each delay drawn uniformly from the upper
    /// half of its value, to spread out reconnects that would otherwise
    /// happen in lockstep.
    #[must_use]
    pub fn jittered(mut self) -> Self {
        self.jitter = true;
        self
    }

    /// Records a failure and returns how long to wait before retrying.
    pub fn fail(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let doublings = self.failures.saturating_sub(1).min(MAX_DOUBLINGS);
        let base = self.min.saturating_mul(1 << doublings).min(self.max);
        if self.jitter {
            base.mul_f64(rand::rng().random_range(0.5..=1.0))
        } else {
            base
        }
    }

    /// Records a success: the next failure waits `min` again.
    pub fn succeed(&mut self) {
        self.failures = 0;
    }

    /// Failures since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// The shortest wait; a wait someone else asked for (Slack's
    /// `Retry-After`) is never shorter than this.
    pub fn min(&self) -> Duration {
        self.min
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_doubles_from_one_second_caps_at_five_minutes_and_resets() {
        let mut b = Backoff::default();
        let waits: Vec<u64> = (0..10).map(|_| b.fail().as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]);
        assert_eq!(b.failures(), 10);
        b.succeed();
        assert_eq!(b.failures(), 0);
        assert_eq!(b.fail(), Duration::from_secs(1));
    }

    #[test]
    fn without_jitter_the_schedule_is_exact() {
        let mut b = Backoff::new(Duration::from_millis(20), Duration::from_millis(200));
        let waits: Vec<u128> = (0..6).map(|_| b.fail().as_millis()).collect();
        assert_eq!(waits, [20, 40, 80, 160, 200, 200]);
    }

    #[test]
    fn jitter_stays_in_the_upper_half_of_each_step() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(8)).jittered();
        for expected in [1u64, 2, 4, 8, 8, 8] {
            let d = b.fail();
            let base = Duration::from_secs(expected);
            assert!(
                d >= base / 2 && d <= base,
                "{d:?} not within [{:?}, {base:?}]",
                base / 2
            );
        }
        b.succeed();
        assert!(b.fail() <= Duration::from_secs(1));
    }

    #[test]
    fn many_failures_neither_overflow_nor_pass_the_cap() {
        let mut b = Backoff::new(Duration::from_secs(3600), Duration::from_secs(7200));
        for _ in 0..100 {
            assert!(b.fail() <= Duration::from_secs(7200));
        }
        let inverted = Backoff::new(Duration::from_secs(5), Duration::from_secs(1));
        assert_eq!(inverted.clone().fail(), Duration::from_secs(5));
        assert_eq!(inverted.min(), Duration::from_secs(5));
    }
}
