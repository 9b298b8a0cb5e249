//! How much a bot may write to the host's log: lines and bytes per second,
//! with bursts, shared by everything the bot writes (its `log` calls, its
//! stdout and stderr). A bot over budget loses lines, not the host its
//! log; the next line that gets through says how many were dropped.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::time::Instant;

use crate::counters::TeamCounters;
use crate::limits::BotLimits;

/// Longest line kept from a bot, in bytes; the rest is cut.
pub const MAX_LINE: usize = 2048;

#[derive(Debug)]
struct Buckets {
    lines: f64,
    bytes: f64,
    updated: Option<Instant>,
    dropped: u64,
}

/// One team's log budget. Shared by `Arc`.
#[derive(Debug)]
pub struct LogBudget {
    lines_per_sec: f64,
    line_burst: f64,
    bytes_per_sec: f64,
    byte_burst: f64,
    buckets: Mutex<Buckets>,
    counters: Arc<TeamCounters>,
}

/// Whether a line may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Write it; `dropped` lines were refused since the last one written.
    Yes {
        dropped: u64,
    },
    No,
}

impl LogBudget {
    pub fn new(limits: &BotLimits, counters: Arc<TeamCounters>) -> Self {
        let line_burst = f64::from(limits.log_burst_lines.max(1));
        let bytes_per_sec = limits.log_bytes_per_sec.max(1) as f64;
        Self {
            lines_per_sec: f64::from(limits.log_lines_per_sec),
            line_burst,
            bytes_per_sec,
            byte_burst: bytes_per_sec * 64.0,
            buckets: Mutex::new(Buckets {
                lines: line_burst,
                bytes: bytes_per_sec * 64.0,
                updated: None,
                dropped: 0,
            }),
            counters,
        }
    }

    /// Takes one line of `bytes` from the budget if there is room.
    pub fn admit(&self, bytes: usize) -> Admit {
        let now = Instant::now();
        let mut b = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(last) = b.updated {
            let secs = now.saturating_duration_since(last).as_secs_f64();
            b.lines = (b.lines + secs * self.lines_per_sec).min(self.line_burst);
            b.bytes = (b.bytes + secs * self.bytes_per_sec).min(self.byte_burst);
        }
        b.updated = Some(now);
        let cost = bytes.min(MAX_LINE) as f64;
        if b.lines >= 1.0 && b.bytes >= cost {
            b.lines -= 1.0;
            b.bytes -= cost;
            Admit::Yes {
                dropped: std::mem::take(&mut b.dropped),
            }
        } else {
            b.dropped += 1;
            self.counters.logs_dropped(1);
            Admit::No
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn bursts_then_drops_and_says_how_many() {
        let limits = BotLimits {
            log_lines_per_sec: 2,
            log_burst_lines: 3,
            ..BotLimits::default()
        };
        let counters = Arc::new(TeamCounters::default());
        let budget = LogBudget::new(&limits, counters.clone());
        for _ in 0..3 {
            assert_eq!(budget.admit(10), Admit::Yes { dropped: 0 });
        }
        assert_eq!(budget.admit(10), Admit::No);
        assert_eq!(budget.admit(10), Admit::No);
        tokio::time::advance(Duration::from_millis(500)).await;
        assert_eq!(budget.admit(10), Admit::Yes { dropped: 2 });
        assert_eq!(counters.snapshot().logs_dropped, 2);
    }
}
