//! A team's timers, named by the bot. Owned by the team (they outlive a
//! poisoned instance) and driven by its supervisor, which sleeps until
//! [`TimerSet::next_due`] and fires what [`TimerSet::pop_due`] returns.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use thiserror::Error;
use tokio::time::Instant;

use crate::storage::StoredTimer;

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

    /// The timer `name` as the database keeps it (its next due time on the
    /// wall clock), or `None` when there is no such timer (any more).
    pub fn stored(&self, name: &str) -> Option<StoredTimer> {
        let timer = self.timers.get(name)?;
        let left = timer.due.saturating_duration_since(Instant::now());
        Some(StoredTimer {
            name: name.to_owned(),
            every: timer.every,
            due: SystemTime::now() + left,
        })
    }

    /// Puts back timers kept across a restart. One that came due while the
    /// host was down fires once, now, however many times it was missed
    /// (a periodic one then keeps its period from now); names already set
    /// are left alone, and the timer limit still holds.
    pub fn restore(&mut self, stored: Vec<StoredTimer>) {
        let (now, wall) = (Instant::now(), SystemTime::now());
        for timer in stored {
            if self.timers.contains_key(&timer.name) || self.timers.len() >= self.max {
                continue;
            }
            let left = timer.due.duration_since(wall).unwrap_or(Duration::ZERO);
            self.timers.insert(
                timer.name,
                Timer {
                    due: now + left,
                    every: timer.every.filter(|every| !every.is_zero()),
                },
            );
        }
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
    async fn restored_timers_fire_once_for_what_was_missed() {
        let wall = SystemTime::now();
        let mut set = TimerSet::new(2);
        set.restore(vec![
            // Due an hour ago, every minute: sixty missed firings.
            StoredTimer {
                name: "tick".into(),
                every: Some(Duration::from_secs(60)),
                due: wall - Duration::from_secs(3600),
            },
            StoredTimer {
                name: "later".into(),
                every: None,
                due: wall + Duration::from_secs(300),
            },
            StoredTimer {
                name: "over-the-limit".into(),
                every: None,
                due: wall,
            },
        ]);
        assert_eq!(set.len(), 2, "the limit holds");
        let now = Instant::now();
        assert_eq!(set.pop_due(now), ["tick"], "once, not sixty times");
        assert_eq!(set.pop_due(now), Vec::<String>::new());
        let stored = set.stored("tick").expect("periodic timer kept");
        assert_eq!(stored.every, Some(Duration::from_secs(60)));
        assert!(stored.due > SystemTime::now(), "next due after now");
        assert!(set.stored("nothing").is_none());
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
