//! A real host connected to the fake Slack: what the Slack scenarios
//! start from. Timings are shortened so reconnects take milliseconds.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bothost::config::{ResolvedApp, ResolvedTeam};
use bothost::ids::TeamId;
use bothost::profile::BotConfig;
use bothost::runtime::RuntimeConfig;
use bothost::secret::Secret;
use bothost::serve::Host;
use bothost::shutdown::Shutdown;
use bothost::slack::{LinkStatus, Tuning};

use crate::fake_slack::{FakeSlack, Workspace};

/// Timings for tests: fast reconnects and liveness checks.
pub fn fast_tuning() -> Tuning {
    Tuning {
        ping_interval: Duration::from_millis(250),
        // Generous: a loaded CI machine must not look like a dead socket.
        missed_pings: 8,
        hello_timeout: Duration::from_secs(2),
        server_ping_timeout: Duration::from_secs(30),
        backoff_min: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        post_wait: Duration::from_secs(8),
    }
}

/// A fake Slack and a host pointed at it.
#[derive(Debug)]
pub struct SlackEnv {
    pub slack: FakeSlack,
    pub host: Arc<Host>,
}

impl SlackEnv {
    /// Starts both, with `tuning`.
    ///
    /// # Panics
    /// If the host cannot start.
    pub async fn start_with(tuning: Tuning) -> Self {
        let slack = FakeSlack::start().await;
        let runtime = RuntimeConfig {
            max_teams: 8,
            ..RuntimeConfig::default()
        };
        let host = Arc::new(
            Host::new(&runtime, &slack.base_url(), tuning, Shutdown::new()).expect("host"),
        );
        Self { slack, host }
    }

    pub async fn start() -> Self {
        Self::start_with(fast_tuning()).await
    }

    /// Adds a workspace to the fake and the team to the host, over RTM
    /// (`app` = None) or Socket Mode.
    ///
    /// # Panics
    /// If the host refuses the team.
    pub async fn team(
        &self,
        team: &str,
        bot: &str,
        app: Option<&str>,
        config: BotConfig,
    ) -> Workspace {
        let ws = Workspace::new(team, &format!("xoxb-{team}-token"));
        self.slack.add_workspace(ws.clone());
        self.host
            .add(ResolvedTeam {
                id: TeamId::from(team),
                bot: Path::new(bot).to_path_buf(),
                token: Secret::new(ws.bot_token.clone()),
                app: app.map(str::to_owned),
                config,
            })
            .await
            .expect("team added");
        ws
    }

    /// Registers a Socket Mode app in the fake and the host.
    pub fn app(&self, app: &str, teams: &[&str]) {
        let token = format!("xapp-{app}-token");
        self.slack.add_app(app, &token, teams);
        self.host.add_app(ResolvedApp {
            id: app.to_owned(),
            token: Secret::new(token),
        });
    }

    /// Waits (up to 10 s) until the team's link status satisfies `want`.
    ///
    /// # Panics
    /// On timeout, with the last status seen.
    pub async fn wait_link(&self, team: &str, want: impl Fn(&LinkStatus) -> bool) -> LinkStatus {
        let link = self
            .host
            .hub()
            .link(&TeamId::from(team))
            .expect("team linked");
        let mut rx = link.subscribe();
        let seen = tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|s| want(s))).await;
        match seen {
            Ok(Ok(status)) => status.clone(),
            _ => panic!(
                "team {team}: link status never matched; last {}",
                link.status()
            ),
        }
    }

    /// Waits (up to 10 s) until the team is no longer served.
    ///
    /// # Panics
    /// On timeout.
    pub async fn wait_link_gone(&self, team: &str) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let id = TeamId::from(team);
        while self.host.hub().link(&id).is_some() || self.host.manager().handle(&id).is_some() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "team {team} still served"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub async fn close(self) {
        self.host.close().await;
        self.slack.shutdown().await;
    }
}

/// A mention of the workspace's bot followed by `text`.
pub fn mention(ws: &Workspace, text: &str) -> String {
    format!("<@{}> {text}", ws.bot_user_id)
}
