//! Ending a running call from outside. A team's actor must be able to stop
//! its bot mid-call when an operator updates or removes the team, whatever
//! the bot is doing; the flag is read at the next epoch tick, where the
//! call traps (and the instance is dropped like after any trap).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A handle that interrupts the instance's running call. Clone freely;
/// cheap to call from any thread.
#[derive(Debug, Clone, Default)]
pub struct Interrupter(Arc<AtomicBool>);

impl Interrupter {
    /// Asks the running call (if any) to end at the next epoch tick.
    pub fn interrupt(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether an interrupt was asked for.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Clears the flag before a new call.
    pub(super) fn reset(&self) {
        self.0.store(false, Ordering::Relaxed);
    }
}
