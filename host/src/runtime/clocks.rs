//! Clocks granted to guests, coarsened to one millisecond. Bots need the
//! time of day for their own logic, never a high-resolution timer: a precise
//! clock is the first tool of timing side channels.

use std::time::{Duration, Instant, SystemTime};

use wasmtime_wasi::{HostMonotonicClock, HostWallClock};

const RESOLUTION: Duration = Duration::from_millis(1);

fn coarse(d: Duration) -> Duration {
    Duration::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Wall clock with millisecond resolution.
#[derive(Debug, Clone, Copy, Default)]
pub struct CoarseWallClock;

impl HostWallClock for CoarseWallClock {
    fn resolution(&self) -> Duration {
        RESOLUTION
    }

    fn now(&self) -> Duration {
        let since_epoch = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        coarse(since_epoch)
    }
}

/// Monotonic clock with millisecond resolution, starting at the
/// instance's creation.
#[derive(Debug, Clone, Copy)]
pub struct CoarseMonotonicClock {
    start: Instant,
}

impl CoarseMonotonicClock {
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
        }
    }
}

impl HostMonotonicClock for CoarseMonotonicClock {
    fn resolution(&self) -> u64 {
        u64::try_from(RESOLUTION.as_nanos()).unwrap_or(u64::MAX)
    }

    fn now(&self) -> u64 {
        u64::try_from(coarse(self.start.elapsed()).as_nanos()).unwrap_or(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_are_whole_milliseconds() {
        assert_eq!(CoarseWallClock.now().subsec_nanos() % 1_000_000, 0);
        assert_eq!(CoarseMonotonicClock::new().now() % 1_000_000, 0);
    }
}
