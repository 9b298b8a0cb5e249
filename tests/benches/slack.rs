//! Message in → reply out through the fake Slack on loopback, with many
//! teams connected over RTM: connect time, latency (p50/p99) at a steady
//! rate, and throughput flat out.
//!
//! `cargo bench -p bothost-tests --bench slack` (1,000 teams);
//! `-- quick` for 100 teams and shorter runs.

use std::collections::HashMap;
use std::time::Duration;

use bothost::builder::HostBuilder;
use bothost::host::Host;
use bothost::runtime::RuntimeConfig;
use bothost::slack::Tuning;
use bothost_tests::fake_slack::{FakeSlack, Workspace};
use bothost_tests::slack_env::add_numbered_teams;
use tokio::time::Instant;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

struct Setup {
    slack: FakeSlack,
    host: Host,
    teams: Vec<Workspace>,
}

async fn setup(teams: usize) -> Setup {
    let slack = FakeSlack::start().await;
    let runtime = RuntimeConfig {
        max_teams: u32::try_from(teams).expect("teams"),
        ..RuntimeConfig::default()
    };
    let host = HostBuilder::slack(runtime, slack.base_url(), Tuning::default())
        .build()
        .expect("host");
    let start = Instant::now();
    let workspaces = add_numbered_teams(&slack, &host, teams, bothost_guests::ECHO, None).await;
    for ws in &workspaces {
        slack.wait_rtm_connected(&ws.team_id, 1).await;
    }
    println!(
        "connect {teams} teams (auth.test + users/conversations.list + rtm.connect + hello + bot init): {:.2} s",
        start.elapsed().as_secs_f64()
    );
    Setup {
        slack,
        host,
        teams: workspaces,
    }
}

/// Sends `count` mentions at `rate` per second, round-robin over teams;
/// returns the latency of each reply.
async fn run(
    setup: &Setup,
    count: usize,
    rate: Option<u32>,
    offset: usize,
) -> (Vec<Duration>, Duration) {
    let mut sent: HashMap<String, Instant> = HashMap::with_capacity(count);
    let before = setup.slack.posts().len();
    let mut tick = rate.map(|r| tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(r))));
    let start = Instant::now();
    for i in 0..count {
        if let Some(tick) = tick.as_mut() {
            tick.tick().await;
        }
        let ws = &setup.teams[i % setup.teams.len()];
        let text = format!("m{}", offset + i);
        let channel = format!("C{}GENERAL", ws.team_id);
        let alice = format!("U{}ALICE", ws.team_id);
        sent.insert(text.clone(), Instant::now());
        setup.slack.rtm_message(
            &ws.team_id,
            &channel,
            &alice,
            &format!("<@{}> {text}", ws.bot_user_id),
        );
        if rate.is_none() && i % 64 == 63 {
            tokio::task::yield_now().await;
        }
    }
    let posts = setup.slack.wait_posts(before + count).await;
    let elapsed = start.elapsed();
    let mut latencies: Vec<Duration> = posts[before..]
        .iter()
        .filter_map(|p| sent.get(&p.text).map(|s| p.at.duration_since(*s)))
        .collect();
    latencies.sort();
    (latencies, elapsed)
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
        // Warm up every team's instance and sockets.
        run(&setup, teams, None, 0).await;
        let rate = 1000;
        let steady = if quick { 2000 } else { 10_000 };
        let (lat, elapsed) = run(&setup, steady, Some(rate), 1_000_000).await;
        println!(
            "steady {rate} msg/s over {teams} teams: {} replies in {:.2} s, latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            lat.len(),
            elapsed.as_secs_f64(),
            percentile(&lat, 0.5).as_secs_f64() * 1e3,
            percentile(&lat, 0.99).as_secs_f64() * 1e3,
            lat.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        );
        // Flat out: one message per team (the per-channel pacing of ~1/s
        // would otherwise be what is measured).
        let (lat, elapsed) = run(&setup, teams, None, 2_000_000).await;
        println!(
            "burst of {teams} messages (one per team): {:.0} msg/s end to end, latency p50 {:.2} ms, p99 {:.2} ms",
            lat.len() as f64 / elapsed.as_secs_f64(),
            percentile(&lat, 0.5).as_secs_f64() * 1e3,
            percentile(&lat, 0.99).as_secs_f64() * 1e3,
        );
        setup.host.close().await;
        setup.slack.shutdown().await;
    });
}
