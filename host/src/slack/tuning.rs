//! Timing of Slack connections. Defaults follow what the official SDKs do
//! (see `protocols.md` §5); tests shorten them to run in milliseconds.

use std::time::Duration;

use crate::backoff::Backoff;

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

impl Tuning {
    /// The reconnect backoff these timings describe: jittered, so teams
    /// that dropped together do not reconnect together.
    pub fn backoff(&self) -> Backoff {
        Backoff::new(self.backoff_min, self.backoff_max).jittered()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnect_backoff_follows_the_tuning_with_jitter() {
        let tuning = Tuning {
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(8),
            ..Tuning::default()
        };
        let mut b = tuning.backoff();
        assert_eq!(b.min(), Duration::from_secs(1));
        for _ in 0..6 {
            let d = b.fail();
            assert!(
                d >= Duration::from_millis(500) && d <= Duration::from_secs(8),
                "{d:?}"
            );
        }
    }
}
