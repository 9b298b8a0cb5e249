//! `bothost:bot/log`: bot logs as `tracing` events tagged with the team.
//! Messages are capped and control characters escaped.

use super::Capabilities;
use super::bindings::log::{Host, Level};
use crate::log_budget::{Admit, MAX_LINE as MAX_MESSAGE};
use crate::text::{sanitize, truncate};

impl Host for Capabilities {
    fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        super::check_argument("message", message.len())?;
        let mut message = message;
        truncate(&mut message, MAX_MESSAGE);
        let team = &self.team;
        let Admit::Yes { dropped } = self.log.admit(message.len()) else {
            return Ok(());
        };
        if dropped > 0 {
            tracing::warn!(%team, dropped, "bot log lines dropped (over the bot's log rate)");
        }
        let message = sanitize(&message);
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
