//! One team's counters, kept by whoever sees the thing happen (the team's
//! actor, its capabilities, its guest output) and read by the admin API.
//! Per-team numbers live here rather than in Prometheus labels, which would
//! grow with every team.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;

/// Counters of one team. Shared by `Arc`; every field only grows.
#[derive(Debug, Default)]
pub struct TeamCounters {
    events: AtomicU64,
    events_dropped: AtomicU64,
    cpu_micros: AtomicU64,
    faults: AtomicU64,
    throttles: AtomicU64,
    quarantines: AtomicU64,
    logs_dropped: AtomicU64,
    idle_evictions: AtomicU64,
}

/// A snapshot, as the admin API shows it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TeamStats {
    pub events: u64,
    pub events_dropped: u64,
    pub cpu_ms: u64,
    pub faults: u64,
    pub throttles: u64,
    pub quarantines: u64,
    pub logs_dropped: u64,
    /// Times the bot's instance was dropped after being idle (revived on
    /// its next event or timer).
    pub idle_evictions: u64,
}

impl TeamCounters {
    pub fn event(&self) {
        self.events.fetch_add(1, Ordering::Relaxed);
    }

    pub fn event_dropped(&self) {
        self.events_dropped.fetch_add(1, Ordering::Relaxed);
    }

    pub fn cpu(&self, used: Duration) {
        let micros = u64::try_from(used.as_micros()).unwrap_or(u64::MAX);
        self.cpu_micros.fetch_add(micros, Ordering::Relaxed);
    }

    pub fn fault(&self) {
        self.faults.fetch_add(1, Ordering::Relaxed);
    }

    pub fn throttle(&self) {
        self.throttles.fetch_add(1, Ordering::Relaxed);
    }

    pub fn quarantine(&self) {
        self.quarantines.fetch_add(1, Ordering::Relaxed);
    }

    pub fn logs_dropped(&self, lines: u64) {
        self.logs_dropped.fetch_add(lines, Ordering::Relaxed);
    }

    pub fn idle_eviction(&self) {
        self.idle_evictions.fetch_add(1, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> TeamStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        TeamStats {
            events: get(&self.events),
            events_dropped: get(&self.events_dropped),
            cpu_ms: get(&self.cpu_micros) / 1000,
            faults: get(&self.faults),
            throttles: get(&self.throttles),
            quarantines: get(&self.quarantines),
            logs_dropped: get(&self.logs_dropped),
            idle_evictions: get(&self.idle_evictions),
        }
    }
}
