//! The periodic INFO summary of `bothost serve`: teams by bot status and by
//! link status, and Slack reconnects since the last summary. Per-team
//! chatter (each reconnect) belongs at DEBUG; at thousands of teams this one
//! line is what an operator reads. Logged only when something changed, so a
//! quiet host stays quiet.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::host::Host;
use crate::team::TeamView;

/// How often `serve` summarises unless told otherwise.
pub const DEFAULT_EVERY: Duration = Duration::from_secs(60);

/// Teams counted by bot status and by link status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub teams: usize,
    pub bots: BTreeMap<&'static str, usize>,
    pub links: BTreeMap<&'static str, usize>,
}

impl Counts {
    pub fn of(teams: &[TeamView]) -> Self {
        let mut counts = Self {
            teams: teams.len(),
            ..Self::default()
        };
        for team in teams {
            *counts.bots.entry(team.bot.name()).or_default() += 1;
            *counts.links.entry(team.link.name()).or_default() += 1;
        }
        counts
    }

    /// Teams by bot status, e.g. `running=3 failed=1`.
    pub fn bots_line(&self) -> String {
        line(&self.bots)
    }

    /// Teams by link status, e.g. `connected=3 closed=1`.
    pub fn links_line(&self) -> String {
        line(&self.links)
    }
}

/// `running=3 failed=1`: stable order, easy to grep and to read.
fn line(counts: &BTreeMap<&'static str, usize>) -> String {
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{k}={n}")).collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(" ")
    }
}

/// What changed since the last summary, if anything worth a line.
#[derive(Debug, Default)]
struct Summariser {
    last: Option<Counts>,
    reconnects_seen: u64,
}

impl Summariser {
    /// The counts and the reconnects since last time, or `None` when
    /// nothing changed.
    fn next(&mut self, counts: Counts, reconnects_total: u64) -> Option<(Counts, u64)> {
        let reconnects = reconnects_total.saturating_sub(self.reconnects_seen);
        self.reconnects_seen = reconnects_total;
        if reconnects == 0 && self.last.as_ref() == Some(&counts) {
            return None;
        }
        self.last = Some(counts.clone());
        Some((counts, reconnects))
    }
}

/// Logs a summary every `every` until `cancel`; spawned by `serve` in the
/// host's task scope so shutdown stops it.
pub async fn run(host: Arc<Host>, every: Duration, cancel: CancellationToken) {
    let mut summariser = Summariser {
        last: None,
        reconnects_seen: host.metrics().reconnects_total(),
    };
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = cancel.cancelled() => break,
            _ = tick.tick() => {}
        }
        let counts = Counts::of(&host.teams());
        if let Some((counts, reconnects)) =
            summariser.next(counts, host.metrics().reconnects_total())
        {
            tracing::info!(
                teams = counts.teams,
                bots = %counts.bots_line(),
                links = %counts.links_line(),
                reconnects,
                "summary"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(bots: &[(&'static str, usize)], links: &[(&'static str, usize)]) -> Counts {
        Counts {
            teams: bots.iter().map(|(_, n)| n).sum(),
            bots: bots.iter().copied().collect(),
            links: links.iter().copied().collect(),
        }
    }

    #[test]
    fn logs_only_what_changed() {
        let mut s = Summariser::default();
        let a = counts(&[("running", 2)], &[("connected", 2)]);
        assert_eq!(
            s.next(a.clone(), 0),
            Some((a.clone(), 0)),
            "first is logged"
        );
        assert_eq!(s.next(a.clone(), 0), None, "nothing changed");
        assert_eq!(
            s.next(a.clone(), 3),
            Some((a.clone(), 3)),
            "reconnects are news"
        );
        assert_eq!(s.next(a.clone(), 3), None, "counted since last time");
        let b = counts(
            &[("running", 1), ("failed", 1)],
            &[("connected", 1), ("token_revoked", 1)],
        );
        assert_eq!(s.next(b.clone(), 3), Some((b, 0)));
    }

    #[test]
    fn lines_are_sorted_and_never_empty() {
        let c = counts(&[("running", 2), ("failed", 1)], &[]);
        assert_eq!(line(&c.bots), "failed=1 running=2");
        assert_eq!(line(&c.links), "none");
    }
}
