//! A progress line while many teams start: with thousands of teams a
//! start takes a while, and an operator should see it move (running,
//! starting, pending, failed; connected) instead of a silent minute. The
//! counting is the periodic summary's ([`Counts`]).

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::host::Host;
use crate::summary::Counts;

/// Teams still starting.
fn starting(counts: &Counts) -> usize {
    counts.bots.get("starting").copied().unwrap_or(0)
}

/// Logs the teams by status every `every` while some are starting, and a
/// last line once none is; then ends. Cancelled with the host's sources.
pub async fn log_startup(host: Arc<Host>, every: Duration, cancel: CancellationToken) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        let counts = Counts::of(&host.teams());
        let done = starting(&counts) == 0;
        if done && counts.teams == 0 {
            return;
        }
        tracing::info!(
            teams = counts.teams,
            bots = %counts.bots_line(),
            links = %counts.links_line(),
            "{}",
            if done { "teams started" } else { "teams starting" }
        );
        if done {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_teams_still_starting() {
        let mut counts = Counts::default();
        assert_eq!(starting(&counts), 0);
        counts.bots.insert("starting", 3);
        counts.bots.insert("running", 1);
        assert_eq!(starting(&counts), 3);
    }
}
