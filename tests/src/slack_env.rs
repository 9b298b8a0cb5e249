//! A real host connected to the fake Slack: what the Slack scenarios
//! start from. Timings are shortened so reconnects take milliseconds.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bothost::bot_config::BotConfig;
use bothost::builder::HostBuilder;
use bothost::chat::LinkStatus;
use bothost::host::Host;
use bothost::ids::TeamId;
use bothost::runtime::RuntimeConfig;
use bothost::secret::Secret;
use bothost::slack::Tuning;
use bothost::spec::{AppSpec, HttpAppSpec, TeamSource, TeamSpec};

use crate::fake_slack::{EventsApp, FakeSlack, Workspace};

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
            HostBuilder::slack(runtime, slack.base_url(), tuning)
                .build()
                .expect("host"),
        );
        // Teams Slack says are uninstalled are removed, as in `serve`.
        host.serve_uninstalls();
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
            .add(TeamSpec {
                id: TeamId::from(team),
                bot: Path::new(bot).to_path_buf(),
                token: Secret::new(ws.bot_token.clone()),
                app: app.map(str::to_owned),
                config,
                source: TeamSource::Admin,
            })
            .await
            .expect("team added");
        ws
    }

    /// Registers a Socket Mode app in the fake and the host.
    pub fn app(&self, app: &str, teams: &[&str]) {
        let token = format!("xapp-{app}-token");
        self.slack.add_app(app, &token, teams);
        self.host.add_app(AppSpec {
            id: app.to_owned(),
            token: Secret::new(token),
        });
    }

    /// Registers an app served over HTTP (signing secret
    /// `signing-secret-<app>`) and serves the host's Slack request URLs on
    /// a fresh loopback port; returns the fake's side of the app.
    ///
    /// # Panics
    /// If no loopback port can be bound.
    pub async fn events_app(&self, app: &str) -> EventsApp {
        let secret = format!("signing-secret-{app}");
        self.host.add_http_app(HttpAppSpec {
            id: app.to_owned(),
            signing_secret: Secret::new(secret.clone()),
        });
        let routes = self.host.slack_router().expect("a Slack host");
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        let bound =
            bothost::admin::listen(addr, routes, self.host.tasks(), "Slack request listener")
                .await
                .expect("bind the Slack request listener");
        self.slack
            .events_app(app, &secret, &format!("http://{bound}"))
    }

    /// The usual pair: team T1 over RTM and team T2 over Socket Mode app
    /// A1, both running `bot` and connected.
    ///
    /// # Panics
    /// If the host refuses a team or a socket never connects.
    pub async fn rtm_and_socket_mode(&self, bot: &str) -> (Workspace, Workspace) {
        self.app("A1", &["T2"]);
        let one = self.team("T1", bot, None, BotConfig::new()).await;
        let two = self.team("T2", bot, Some("A1"), BotConfig::new()).await;
        self.slack.wait_rtm_connected("T1", 1).await;
        self.slack.wait_socket_connected("A1", 1).await;
        (one, two)
    }

    /// Waits (up to 10 s) until the team's link status satisfies `want`.
    ///
    /// # Panics
    /// On timeout, with the last status seen.
    pub async fn wait_link(&self, team: &str, want: impl Fn(&LinkStatus) -> bool) -> LinkStatus {
        let mut rx = self
            .host
            .handle(&TeamId::from(team))
            .and_then(|h| h.link_status())
            .expect("team linked");
        let seen = tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|s| want(s)))
            .await
            .map(|seen| seen.map(|s| s.clone()));
        match seen {
            Ok(Ok(status)) => status,
            _ => panic!(
                "team {team}: link status never matched; last {}",
                *rx.borrow()
            ),
        }
    }

    /// Waits (up to 10 s) until the team is no longer served (its link
    /// closed with it).
    ///
    /// # Panics
    /// On timeout.
    pub async fn wait_link_gone(&self, team: &str) {
        let id = TeamId::from(team);
        let mut changes = self.host.changes();
        let gone = async {
            while self.host.contains(&id) {
                if changes.changed().await.is_err() {
                    return;
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(10), gone)
            .await
            .unwrap_or_else(|_| panic!("team {team} still served"));
    }

    pub async fn close(self) {
        self.host.close().await;
        self.slack.shutdown().await;
    }
}

/// Adds `count` numbered workspaces (`T00000`, `T00001`…) to the fake and
/// their teams to `host`, each running `bot` over RTM (`app` = None) or
/// the app; for the benchmarks.
///
/// # Panics
/// If the host refuses a team.
pub async fn add_numbered_teams(
    slack: &FakeSlack,
    host: &Host,
    count: usize,
    bot: &str,
    app: Option<&str>,
) -> Vec<Workspace> {
    let workspaces: Vec<Workspace> = (0..count)
        .map(|i| Workspace::new(&format!("T{i:05}"), &format!("xoxb-{i}")))
        .collect();
    for ws in &workspaces {
        slack.add_workspace(ws.clone());
        host.add(TeamSpec {
            id: TeamId::from(ws.team_id.as_str()),
            bot: Path::new(bot).to_path_buf(),
            token: Secret::new(ws.bot_token.clone()),
            app: app.map(str::to_owned),
            config: BotConfig::new(),
            source: TeamSource::Admin,
        })
        .await
        .expect("add");
    }
    workspaces
}

/// A mention of the workspace's bot followed by `text`.
pub fn mention(ws: &Workspace, text: &str) -> String {
    format!("<@{}> {text}", ws.bot_user_id)
}
