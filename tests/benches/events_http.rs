//! The Events API over HTTP on loopback: the fake Slack posts signed
//! `message` events to the host's request URL at a steady rate, round-robin
//! over many teams of one app, each running the echo bot. Measures event
//! request → ack (the HTTP answer) and event → bot reply (the fake's
//! `chat.postMessage`), p50/p99.
//!
//! `cargo bench -p bothost-tests --bench events_http` (1,000 teams, 1,000
//! events/s for 10 s); `-- quick` for 100 teams at 100 events/s for 5 s.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bothost::builder::HostBuilder;
use bothost::host::Host;
use bothost::runtime::RuntimeConfig;
use bothost::secret::Secret;
use bothost::slack::Tuning;
use bothost::spec::HttpAppSpec;
use bothost_tests::fake_slack::{ACK_TIMEOUT, EventsApp, FakeSlack, Retries, Workspace};
use bothost_tests::slack_env::add_numbered_teams;
use tokio::time::Instant;

const APP: &str = "A9";
const SECRET: &str = "bench-signing-secret";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

struct Setup {
    slack: FakeSlack,
    host: Arc<Host>,
    app: EventsApp,
    teams: Vec<Workspace>,
}

async fn setup(teams: usize) -> Setup {
    let slack = FakeSlack::start().await;
    let runtime = RuntimeConfig {
        max_teams: u32::try_from(teams).expect("teams"),
        ..RuntimeConfig::default()
    };
    let host = Arc::new(
        HostBuilder::slack(runtime, slack.base_url(), Tuning::default())
            .build()
            .expect("host"),
    );
    host.add_http_app(HttpAppSpec {
        id: APP.into(),
        signing_secret: Secret::new(SECRET),
    });
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let routes = host.slack_router().expect("slack host");
    let bound = bothost::admin::listen(addr, routes, host.tasks(), "Slack request listener")
        .await
        .expect("listen");
    let app = slack.events_app(APP, SECRET, &format!("http://{bound}"));
    let start = Instant::now();
    let workspaces =
        add_numbered_teams(&slack, &host, teams, bothost_guests::ECHO, Some(APP)).await;
    println!(
        "start {teams} teams on an HTTP app (auth.test + users/conversations.list + bot init): {:.2} s",
        start.elapsed().as_secs_f64()
    );
    Setup {
        slack,
        host,
        app,
        teams: workspaces,
    }
}

/// What a run measured.
struct Measured {
    /// First attempt's request → answer (a missing answer counts as 3 s).
    acks: Vec<Duration>,
    /// Event sent → reply posted.
    replies: Vec<Duration>,
    /// Requests Slack would have retried (no 2xx within 3 s).
    retried: usize,
}

/// Sends `count` mentions at `rate` per second, round-robin over teams,
/// each request on its own task.
async fn run(setup: &Setup, count: usize, rate: u32, offset: usize) -> Measured {
    let before = setup.slack.posts().len();
    let mut sent: HashMap<String, Instant> = HashMap::with_capacity(count);
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..count {
        tick.tick().await;
        let ws = &setup.teams[i % setup.teams.len()];
        let text = format!("m{}", offset + i);
        sent.insert(text.clone(), Instant::now());
        let app = setup.app.clone();
        let (team, channel, user) = (
            ws.team_id.clone(),
            format!("C{}GENERAL", ws.team_id),
            format!("U{}ALICE", ws.team_id),
        );
        let said = format!("<@{}> {text}", ws.bot_user_id);
        requests.spawn(async move {
            app.message(&team, &channel, &user, &said, &Retries::immediate(0))
                .await
        });
    }
    let mut acks = Vec::with_capacity(count);
    let mut retried = 0;
    while let Some(attempts) = requests.join_next().await {
        let attempts = attempts.expect("request task");
        retried += usize::from(attempts.len() > 1);
        assert_eq!(
            attempts.last().and_then(|a| a.status),
            Some(200),
            "{attempts:?}"
        );
        acks.push(attempts[0].took.min(ACK_TIMEOUT));
    }
    let posts = setup.slack.wait_posts(before + count).await;
    let mut replies: Vec<Duration> = posts[before..]
        .iter()
        .filter_map(|p| sent.get(&p.text).map(|s| p.at.duration_since(*s)))
        .collect();
    acks.sort();
    replies.sort();
    Measured {
        acks,
        replies,
        retried,
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "quick");
    let teams = if quick { 100 } else { 1000 };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    rt.block_on(async {
        let setup = setup(teams).await;
        // Warm up every team's instance and the client's connections.
        let warm = run(&setup, teams, 1000, 0).await;
        println!(
            "warm-up burst of {teams} events: request → ack p99 {:.2} ms, {} retried by Slack",
            ms(percentile(&warm.acks, 0.99)),
            warm.retried
        );
        // One event per team per second: the echo bot's posts are paced at
        // about one a second per channel, which would otherwise be measured.
        let rate = u32::try_from(teams).expect("rate");
        let steady = teams * if quick { 5 } else { 10 };
        let start = Instant::now();
        let Measured {
            acks,
            replies,
            retried,
        } = run(&setup, steady, rate, 1_000_000).await;
        println!(
            "steady {rate} events/s over {teams} teams: {} events in {:.2} s, {retried} retried by Slack; \
             request → ack p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; \
             event → reply p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            acks.len(),
            start.elapsed().as_secs_f64(),
            ms(percentile(&acks, 0.5)),
            ms(percentile(&acks, 0.99)),
            ms(acks.last().copied().unwrap_or_default()),
            ms(percentile(&replies, 0.5)),
            ms(percentile(&replies, 0.99)),
            ms(replies.last().copied().unwrap_or_default()),
        );
        setup.host.close().await;
        setup.slack.shutdown().await;
    });
}
