//! Timing of Slack connections. Defaults follow what the official SDKs do
//! (see `protocols.md` §5); tests shorten them to run in milliseconds.

use std::time::Duration;

use rand::Rng;

/// Liveness and reconnect timings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tuning {
    /// RTM: send a ping when nothing was sent or received for this long.
    pub ping_interval: Duration,
    /// RTM: the socket is dead after this many ping intervals without any
    /// frame from Slack.
    pub missed_pings: u32,
    /// Time from opening a socket to `hello`.
    pub hello_timeout: Duration,
    /// Socket Mode: dead after this long without a ping from Slack.
    pub server_ping_timeout: Duration,
    /// First reconnect delay; doubles (with jitter) up to `backoff_max`.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// Longest a post may wait in the rate scheduler before the bot is
    /// told `rate-limited`; stays under the bot's wall-clock budget.
    pub post_wait: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            ping_interval: Duration::from_secs(10),
            missed_pings: 3,
            hello_timeout: Duration::from_secs(30),
            server_ping_timeout: Duration::from_secs(30),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
            post_wait: Duration::from_secs(8),
        }
    }
}

/// Jittered exponential backoff for reconnects.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    attempts: u32,
}

impl Backoff {
    pub fn new(tuning: &Tuning) -> Self {
        Self {
            min: tuning.backoff_min,
            max: tuning.backoff_max,
            attempts: 0,
        }
    }

    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    pub fn reset(&mut self) {
        self.attempts = 0;
    }

    /// Counts a failure and returns the delay before the next try: the
    /// doubled delay, jittered into its upper half so many teams that
    /// dropped together do not reconnect together.
    pub fn next_delay(&mut self) -> Duration {
        self.attempts = self.attempts.saturating_add(1);
        let exp = self.attempts.saturating_sub(1).min(20);
        let base = self.min.saturating_mul(1 << exp).min(self.max);
        let jitter = rand::rng().random_range(0.5..=1.0);
        base.mul_f64(jitter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let tuning = Tuning {
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(8),
            ..Tuning::default()
        };
        let mut b = Backoff::new(&tuning);
        for expected in [1u64, 2, 4, 8, 8, 8] {
            let d = b.next_delay();
            let base = Duration::from_secs(expected);
            assert!(
                d >= base / 2 && d <= base,
                "{d:?} not within [{:?}, {base:?}]",
                base / 2
            );
        }
        b.reset();
        assert!(b.next_delay() <= Duration::from_secs(1));
    }
}
