//! `bothost:bot/timers`: named timers held by the host for the team.

use super::bindings::timers::{self as wit, Host};
use super::{Capabilities, TimerError};

fn timer_error(e: TimerError) -> wit::TimerError {
    match e {
        TimerError::TooMany(_) => wit::TimerError::TooMany,
        TimerError::Invalid(why) => wit::TimerError::Invalid(why.to_owned()),
    }
}

impl Host for Capabilities {
    fn every(
        &mut self,
        name: String,
        seconds: u32,
    ) -> wasmtime::Result<Result<(), wit::TimerError>> {
        Ok(self.timers.set(&name, seconds, true).map_err(timer_error))
    }

    fn once(
        &mut self,
        name: String,
        seconds: u32,
    ) -> wasmtime::Result<Result<(), wit::TimerError>> {
        Ok(self.timers.set(&name, seconds, false).map_err(timer_error))
    }

    fn cancel(&mut self, name: String) -> wasmtime::Result<bool> {
        Ok(self.timers.cancel(&name))
    }
}
