//! `bothost:bot/log`: bot logs as `tracing` events tagged with the team.
//! Messages are capped and control characters escaped.

use super::Capabilities;
use crate::runtime::bindings::log::{Host, Level};
use crate::runtime::output::sanitize;

/// Longest log message kept, in bytes.
const MAX_MESSAGE: usize = 4096;

impl Host for Capabilities {
    fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        let mut message = message;
        if message.len() > MAX_MESSAGE {
            let mut cut = MAX_MESSAGE;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
        }
        let message = sanitize(&message);
        let team = &self.team;
        match level {
            Level::Trace => tracing::trace!(target: "bot", %team, "{message}"),
            Level::Debug => tracing::debug!(target: "bot", %team, "{message}"),
            Level::Info => tracing::info!(target: "bot", %team, "{message}"),
            Level::Warn => tracing::warn!(target: "bot", %team, "{message}"),
            Level::Error => tracing::error!(target: "bot", %team, "{message}"),
        }
        Ok(())
    }
}
