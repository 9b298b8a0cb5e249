//! Idle eviction: a team whose bot has not run for `idle_secs` gives its
//! instance back; its next event or timer revives it with `init`, and the
//! people talking to it see no difference.

use std::time::Duration;

use bothost::limits::BotLimits;
use bothost::runtime::RuntimeConfig;
use bothost_tests::{Harness, guests};

fn host_idling_after(secs: u64) -> Harness {
    Harness::with_config(RuntimeConfig {
        max_teams: 8,
        limits: BotLimits {
            idle_secs: secs,
            ..BotLimits::default()
        },
        ..RuntimeConfig::default()
    })
}

fn evictions(host: &Harness, team: &str) -> u64 {
    let handle = host.handle(&team.into()).expect("served");
    handle.view().stats.idle_evictions
}

#[tokio::test(start_paused = true)]
async fn an_idle_team_is_evicted_and_answers_its_next_message_the_same() {
    let host = host_idling_after(60);
    host.add("T1", guests::COUNTER, &[]).await.expect("add");
    let handle = host.handle(&"T1".into()).expect("served");
    assert_eq!(
        host.say("T1", "alice", "#general", "!count").await,
        ["[#general] alice: !count", "[#general] bot: count: 1"]
    );

    tokio::time::sleep(Duration::from_secs(59)).await;
    handle.flush().await.expect("flush");
    assert_eq!(evictions(&host, "T1"), 0, "not idle long enough yet");
    tokio::time::sleep(Duration::from_secs(2)).await;
    handle.flush().await.expect("flush");
    assert_eq!(evictions(&host, "T1"), 1, "dropped after 60 s idle");

    // The counter keeps its count in key-value state: the revived
    // instance goes on from it.
    assert_eq!(
        host.say("T1", "alice", "#general", "!count").await,
        ["[#general] alice: !count", "[#general] bot: count: 2"]
    );
    assert_eq!(host.status("T1"), bothost::team::BotStatus::Running);
    host.close().await;
}

#[tokio::test(start_paused = true)]
async fn a_timer_revives_an_evicted_team() {
    let host = host_idling_after(60);
    let config = [
        ("channel", "random"),
        ("interval_secs", "300"),
        ("text", "tick"),
    ];
    host.add("T1", guests::CRON, &config).await.expect("add");
    let handle = host.handle(&"T1".into()).expect("served");
    tokio::time::sleep(Duration::from_secs(120)).await;
    handle.flush().await.expect("flush");
    assert_eq!(evictions(&host, "T1"), 1);
    assert!(host.lines().is_empty());

    tokio::time::sleep(Duration::from_secs(180)).await;
    handle.flush().await.expect("flush");
    assert_eq!(
        host.lines(),
        ["[#random] bot: tick"],
        "the timer fired on a fresh instance"
    );
    tokio::time::sleep(Duration::from_secs(300)).await;
    handle.flush().await.expect("flush");
    assert_eq!(
        host.lines(),
        ["[#random] bot: tick"],
        "and keeps its period"
    );
    assert_eq!(evictions(&host, "T1"), 2, "evicted again in between");
    host.close().await;
}

#[tokio::test(start_paused = true)]
async fn idle_secs_zero_keeps_the_instance_warm() {
    let host = host_idling_after(0);
    host.add("T1", guests::ECHO, &[]).await.expect("add");
    tokio::time::sleep(Duration::from_secs(24 * 3600)).await;
    host.handle(&"T1".into())
        .expect("served")
        .flush()
        .await
        .expect("flush");
    assert_eq!(evictions(&host, "T1"), 0);
    host.close().await;
}
