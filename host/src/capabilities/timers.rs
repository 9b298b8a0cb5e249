//! `bothost:bot/timers`: named timers held by the host for the team, and
//! kept in its database so they outlive a restart.

use super::bindings::timers::{self as wit, Host};
use super::{Capabilities, TimerError};

fn timer_error(e: TimerError) -> wit::TimerError {
    match e {
        TimerError::TooMany(_) => wit::TimerError::TooMany,
        TimerError::Invalid(why) => wit::TimerError::Invalid(why.to_owned()),
    }
}

impl Capabilities {
    /// Sets a timer, then keeps it (a database that cannot take it leaves
    /// the timer running until the next restart, and says so in the log).
    async fn set_timer(
        &mut self,
        name: &str,
        seconds: u32,
        periodic: bool,
    ) -> Result<(), wit::TimerError> {
        self.timers
            .set(name, seconds, periodic)
            .map_err(timer_error)?;
        self.keep_timer(name).await;
        Ok(())
    }

    /// Writes the timer `name` as it now stands (or its absence) to the
    /// team's stored timers.
    pub async fn keep_timer(&mut self, name: &str) {
        let kept = match self.timers.stored(name) {
            Some(timer) => super::kv::bounded(self.timer_store.save(&self.team, &timer)).await,
            None => super::kv::bounded(self.timer_store.delete(&self.team, name)).await,
        };
        if let Err(e) = kept {
            tracing::warn!(team = %self.team, timer = name, error = %e, "timer not stored; it will not survive a restart");
        }
    }
}

impl Host for Capabilities {
    async fn every(
        &mut self,
        name: String,
        seconds: u32,
    ) -> wasmtime::Result<Result<(), wit::TimerError>> {
        Ok(self.set_timer(&name, seconds, true).await)
    }

    async fn once(
        &mut self,
        name: String,
        seconds: u32,
    ) -> wasmtime::Result<Result<(), wit::TimerError>> {
        Ok(self.set_timer(&name, seconds, false).await)
    }

    async fn cancel(&mut self, name: String) -> wasmtime::Result<bool> {
        let existed = self.timers.cancel(&name);
        if existed {
            self.keep_timer(&name).await;
        }
        Ok(existed)
    }
}
