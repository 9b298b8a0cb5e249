//! Host metrics in Prometheus form. One [`Metrics`] per host, passed to
//! whoever counts (no global registry). Counters are process-wide, labelled
//! only by low-cardinality kinds: per-team detail lives in the admin API's
//! team list, not in label sets that would grow with every team.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabel {
    pub reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TeamStatusLabel {
    pub bot: String,
    pub link: String,
}

/// Every metric the host exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Events handed to bots, by event type.
    pub events: Family<KindLabel, Counter>,
    /// Events dropped because a team's mailbox was full.
    pub events_dropped: Counter,
    /// Posts that reached Slack.
    pub posts: Counter,
    /// Teams installed with "Add to Slack" (reinstalls included).
    pub installs: Counter,
    /// Install callbacks refused, by reason (`denied`, `expired_state`, …).
    pub install_refusals: Family<KindLabel, Counter>,
    /// Rotating bot tokens renewed, by outcome (`ok`, `failed`).
    pub token_refreshes: Family<KindLabel, Counter>,
    /// Bot instances lost to a trap or timeout.
    pub traps: Counter,
    /// Bots put in quarantine.
    pub quarantines: Counter,
    /// Idle bot instances dropped (revived on their next event or timer).
    pub idle_evictions: Counter,
    /// Slack sockets that ended and were re-opened, by transport.
    pub reconnects: Family<KindLabel, Counter>,
    /// The same, all transports together: the periodic log summary reads
    /// it without knowing which transports exist (a family cannot be
    /// iterated, and asking it for a label would create that series).
    reconnects_total: AtomicU64,
    /// Requests to the Slack-facing HTTP listener refused before anything
    /// was parsed (bad signature, stale timestamp, too large, unknown
    /// app…), by reason.
    pub verification_failures: Family<ReasonLabel, Counter>,
    /// Teams removed because Slack said the app was uninstalled or its
    /// bot token revoked.
    pub uninstalls: Counter,
    /// Teams by bot and link status, set at each scrape.
    teams: Family<TeamStatusLabel, Gauge>,
    /// Serialises scrapes, which reset and refill `teams`.
    scrape: Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("bothost");
        let events = Family::<KindLabel, Counter>::default();
        let events_dropped = Counter::default();
        let posts = Counter::default();
        let installs = Counter::default();
        let install_refusals = Family::<KindLabel, Counter>::default();
        let token_refreshes = Family::<KindLabel, Counter>::default();
        registry.register("installs", "OAuth installs completed", installs.clone());
        registry.register(
            "install_refusals",
            "OAuth install callbacks refused, by reason",
            install_refusals.clone(),
        );
        registry.register(
            "token_refreshes",
            "Rotating bot tokens renewed, by outcome",
            token_refreshes.clone(),
        );
        let traps = Counter::default();
        let quarantines = Counter::default();
        let idle_evictions = Counter::default();
        let reconnects = Family::<KindLabel, Counter>::default();
        let teams = Family::<TeamStatusLabel, Gauge>::default();
        let verification_failures = Family::<ReasonLabel, Counter>::default();
        let uninstalls = Counter::default();
        registry.register(
            "request_verification_failures",
            "Slack requests refused before parsing, by reason",
            verification_failures.clone(),
        );
        registry.register(
            "uninstalls",
            "Teams removed on app_uninstalled or tokens_revoked",
            uninstalls.clone(),
        );
        registry.register("events", "Events delivered to bots", events.clone());
        registry.register(
            "events_dropped",
            "Events dropped on a full team mailbox",
            events_dropped.clone(),
        );
        registry.register("posts", "Messages posted to Slack", posts.clone());
        registry.register(
            "traps",
            "Bot instances lost to a trap or timeout",
            traps.clone(),
        );
        registry.register(
            "quarantines",
            "Bots put in quarantine after too many strikes",
            quarantines.clone(),
        );
        registry.register(
            "idle_evictions",
            "Idle bot instances dropped, revived on their next event or timer",
            idle_evictions.clone(),
        );
        registry.register("reconnects", "Slack sockets re-opened", reconnects.clone());
        registry.register("teams", "Teams by bot and link status", teams.clone());
        Self {
            registry,
            events,
            events_dropped,
            posts,
            installs,
            install_refusals,
            token_refreshes,
            traps,
            quarantines,
            idle_evictions,
            reconnects,
            reconnects_total: AtomicU64::new(0),
            verification_failures,
            uninstalls,
            teams,
            scrape: Mutex::new(()),
        }
    }
}

impl Metrics {
    /// Counts an event by its [`Event::kind`](crate::event::Event::kind).
    pub fn event(&self, kind: &'static str) {
        self.events.get_or_create(&KindLabel { kind }).inc();
    }

    pub fn reconnect(&self, transport: &'static str) {
        self.reconnects
            .get_or_create(&KindLabel { kind: transport })
            .inc();
        self.reconnects_total.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a Slack request refused before parsing.
    pub fn verification_failure(&self, reason: &'static str) {
        self.verification_failures
            .get_or_create(&ReasonLabel { reason })
            .inc();
    }

    /// Reconnects since start, every transport together.
    pub fn reconnects_total(&self) -> u64 {
        self.reconnects_total.load(Ordering::Relaxed)
    }

    /// Renders the text exposition format, with the team gauge set from
    /// `statuses` (bot status, link status) pairs.
    pub fn render(&self, statuses: impl IntoIterator<Item = (String, String)>) -> String {
        let _guard = self
            .scrape
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.teams.clear();
        for (bot, link) in statuses {
            self.teams
                .get_or_create(&TeamStatusLabel { bot, link })
                .inc();
        }
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_team_statuses() {
        let m = Metrics::default();
        m.event("message");
        m.event("message");
        m.traps.inc();
        m.reconnect("rtm");
        m.reconnect("socket_mode");
        assert_eq!(m.reconnects_total(), 2);
        let text = m.render([("running".into(), "connected".into())]);
        assert!(
            text.contains("bothost_events_total{kind=\"message\"} 2"),
            "{text}"
        );
        assert!(text.contains("bothost_traps_total 1"), "{text}");
        assert!(
            text.contains("bothost_teams{bot=\"running\",link=\"connected\"} 1"),
            "{text}"
        );
        let text = m.render([]);
        assert!(
            !text.contains("bot=\"running\""),
            "gauge reset each scrape: {text}"
        );
    }
}
