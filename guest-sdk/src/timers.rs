//! Timers owned by the host, delivered to [`Bot::on_timer`](crate::Bot::on_timer).
//!
//! A timer is named by the bot. Setting a name again replaces that timer,
//! so `init` may set its timers unconditionally: when the host re-creates
//! the instance no duplicates appear. Timers survive `reconfigure` and
//! re-instantiation.

use crate::TimerError;
use crate::bindings::bothost::bot::timers as wit;

/// Fire `name` every `seconds`, the first time after `seconds`.
pub fn every(name: &str, seconds: u32) -> Result<(), TimerError> {
    wit::every(name, seconds)
}

/// Fire `name` once, after `seconds`.
pub fn once(name: &str, seconds: u32) -> Result<(), TimerError> {
    wit::once(name, seconds)
}

/// Cancel `name`; returns whether such a timer existed.
pub fn cancel(name: &str) -> bool {
    wit::cancel(name)
}
