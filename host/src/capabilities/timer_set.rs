//! A team's timers, named by the bot. Owned by the team (they outlive a
//! poisoned instance) and driven by its supervisor, which sleeps until
//! [`TimerSet::next_due`] and fires what [`TimerSet::pop_due`] returns.

use std::collections::BTreeMap;
use std::time::Duration;

use thiserror::Error;
use tokio::time::Instant;

/// Longest interval a bot may ask for: a year.
const MAX_SECONDS: u32 = 366 * 24 * 3600;
const MAX_NAME: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TimerError {
    #[error("too many timers (at most {0})")]
    TooMany(usize),
    #[error("invalid timer: {0}")]
    Invalid(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Timer {
    due: Instant,
    every: Option<Duration>,
}

/// Named one-shot and periodic timers.
#[derive(Debug, Clone)]
pub struct TimerSet {
    max: usize,
    timers: BTreeMap<String, Timer>,
}

impl TimerSet {
    pub fn new(max: usize) -> Self {
        Self {
            max,
            timers: BTreeMap::new(),
        }
    }

    /// Sets (or replaces) a timer. `every` makes it periodic.
    ///
    /// # Errors
    /// An empty or long name, zero or over a year of seconds, or too many
    /// timers.
    pub fn set(&mut self, name: &str, seconds: u32, periodic: bool) -> Result<(), TimerError> {
        if name.is_empty() || name.len() > MAX_NAME {
            return Err(TimerError::Invalid("name must be 1 to 128 bytes"));
        }
        if seconds == 0 || seconds > MAX_SECONDS {
            return Err(TimerError::Invalid("seconds must be between 1 and a year"));
        }
        if !self.timers.contains_key(name) && self.timers.len() >= self.max {
            return Err(TimerError::TooMany(self.max));
        }
        let period = Duration::from_secs(u64::from(seconds));
        self.timers.insert(
            name.to_owned(),
            Timer {
                due: Instant::now() + period,
                every: periodic.then_some(period),
            },
        );
        Ok(())
    }

    /// Cancels a timer; returns whether it existed.
    pub fn cancel(&mut self, name: &str) -> bool {
        self.timers.remove(name).is_some()
    }

    pub fn len(&self) -> usize {
        self.timers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.timers.is_empty()
    }

    /// When the earliest timer is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.timers.values().map(|t| t.due).min()
    }

    /// Names of timers due at `now`, earliest first. One-shot timers are
    /// removed; periodic ones rescheduled (a late tick is not repeated for
    /// every missed period).
    pub fn pop_due(&mut self, now: Instant) -> Vec<String> {
        let mut due: Vec<(Instant, String)> = self
            .timers
            .iter()
            .filter(|(_, t)| t.due <= now)
            .map(|(name, t)| (t.due, name.clone()))
            .collect();
        due.sort();
        for (_, name) in &due {
            let periodic = self.timers.get_mut(name).and_then(|t| {
                let every = t.every?;
                t.due = (t.due + every).max(now + every / 2);
                Some(())
            });
            if periodic.is_none() {
                self.timers.remove(name);
            }
        }
        due.into_iter().map(|(_, name)| name).collect()
    }

    /// The earliest timer due at `now`, popped as [`pop_due`](Self::pop_due)
    /// does; the others stay due. For a caller that may have to stop
    /// between timers without losing the one-shot ones.
    pub fn pop_next_due(&mut self, now: Instant) -> Option<String> {
        let (name, _) = self
            .timers
            .iter()
            .filter(|(_, t)| t.due <= now)
            .min_by_key(|(name, t)| (t.due, (*name).clone()))?;
        let name = name.clone();
        let periodic = self.timers.get_mut(&name).and_then(|t| {
            let every = t.every?;
            t.due = (t.due + every).max(now + every / 2);
            Some(())
        });
        if periodic.is_none() {
            self.timers.remove(&name);
        }
        Some(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn periodic_and_one_shot_timers_fire_in_order() {
        let mut set = TimerSet::new(4);
        set.set("tick", 10, true).expect("set");
        set.set("once", 15, false).expect("set");
        let start = Instant::now();
        assert_eq!(set.next_due(), Some(start + Duration::from_secs(10)));
        assert_eq!(set.pop_due(start + Duration::from_secs(10)), ["tick"]);
        assert_eq!(
            set.pop_due(start + Duration::from_secs(20)),
            ["once", "tick"]
        );
        assert_eq!(set.len(), 1, "one-shot removed, periodic kept");
        assert_eq!(set.next_due(), Some(start + Duration::from_secs(30)));
    }

    #[tokio::test(start_paused = true)]
    async fn timers_can_be_taken_one_at_a_time_without_losing_the_rest() {
        let mut set = TimerSet::new(4);
        set.set("b", 5, false).expect("set");
        set.set("a", 5, false).expect("set");
        set.set("tick", 3, true).expect("set");
        let later = Instant::now() + Duration::from_secs(6);
        assert_eq!(set.pop_next_due(later).as_deref(), Some("tick"));
        assert_eq!(
            set.pop_next_due(later).as_deref(),
            Some("a"),
            "same time: by name"
        );
        assert_eq!(set.len(), 2, "b is still due, tick rescheduled");
        assert_eq!(set.pop_next_due(later).as_deref(), Some("b"));
        assert_eq!(set.pop_next_due(later), None);
    }

    #[tokio::test(start_paused = true)]
    async fn names_replace_and_limits_hold() {
        let mut set = TimerSet::new(1);
        set.set("a", 5, true).expect("set");
        set.set("a", 7, true).expect("replacing is not a new timer");
        assert_eq!(set.set("b", 5, true), Err(TimerError::TooMany(1)));
        assert!(matches!(set.set("", 5, true), Err(TimerError::Invalid(_))));
        assert!(matches!(set.set("c", 0, true), Err(TimerError::Invalid(_))));
        assert!(set.cancel("a"));
        assert!(!set.cancel("a"));
    }
}
