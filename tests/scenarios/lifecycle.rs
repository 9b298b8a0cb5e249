//! Add, update and remove, as the resource sources will drive them.

use std::time::Duration;

use bothost::host::{ChangeError, StoredState};
use bothost::ids::TeamId;
use bothost::runtime::RuntimeConfig;
use bothost::spec::TeamSource;
use bothost::storage::{Storage, StorageQuota};
use bothost::team::{BotStatus, TeamError};
use bothost_tests::{Harness, guests};

#[tokio::test]
async fn repeated_add_and_remove_are_harmless() {
    let host = Harness::new();
    host.add("T1", guests::ECHO, &[]).await.expect("add");
    host.add("T1", guests::REPEAT, &[])
        .await
        .expect("second add is ignored");
    assert_eq!(host.len(), 1);
    assert_eq!(
        host.say("T1", "alice", "dm", "still echo").await,
        ["[@alice] alice: still echo", "[@alice] bot: still echo"],
        "the duplicate add did not replace the bot"
    );
    assert!(host.remove(&TeamId::from("T1")).await);
    assert!(
        !host.remove(&TeamId::from("T1")).await,
        "second remove is a no-op"
    );
    assert!(!host.remove(&TeamId::from("T-unknown")).await);
    assert!(host.is_empty());
    host.close().await;
}

#[tokio::test]
async fn remove_runs_the_bots_shutdown_and_stops_its_events() {
    let host = Harness::new();
    host.add("T1", guests::TRAPPER, &[]).await.expect("add");
    let handle = host.handle(&TeamId::from("T1")).expect("served");
    assert!(host.remove(&TeamId::from("T1")).await);
    assert_eq!(
        host.lines(),
        ["[#general] bot: bye"],
        "shutdown ran and could still post"
    );
    assert_eq!(handle.status(), BotStatus::Stopped);
    let event = bothost::event::Event::TeamJoin {
        user: "U0BOB".into(),
    };
    assert!(matches!(
        handle.try_deliver(event),
        Err(TeamError::Closed(_))
    ));
    host.close().await;
}

#[tokio::test]
async fn reconfigure_keeps_the_live_instance_and_a_new_component_replaces_it() {
    let host = Harness::new();
    host.add("T1", guests::TRAPPER, &[("v", "1")])
        .await
        .expect("add");
    host.say("T1", "alice", "#general", "mem").await;
    host.update(Harness::spec("T1", guests::TRAPPER, &[("v", "2")]))
        .await
        .expect("reconfigure");
    assert_eq!(
        host.say("T1", "alice", "#general", "mem").await[1],
        "[#general] bot: mem: 2 config v=2",
        "same instance (memory kept), new config"
    );
    host.update(Harness::spec("T1", guests::ECHO, &[]))
        .await
        .expect("swap component");
    assert_eq!(
        host.lines(),
        ["[#general] bot: bye"],
        "the old instance was shut down"
    );
    assert_eq!(
        host.say("T1", "alice", "dm", "now echo").await,
        ["[@alice] alice: now echo", "[@alice] bot: now echo"]
    );
    host.update(Harness::spec("T1", guests::TRAPPER, &[("v", "3")]))
        .await
        .expect("swap back");
    assert_eq!(
        host.say("T1", "alice", "#general", "mem").await[1],
        "[#general] bot: mem: 1 config v=3",
        "a fresh instance starts from zero"
    );
    host.close().await;
}

#[tokio::test]
async fn stored_state_survives_a_component_swap() {
    let host = Harness::new();
    host.add("T1", guests::COUNTER, &[]).await.expect("add");
    host.say("T1", "alice", "#general", "a").await;
    host.say("T1", "alice", "#general", "b").await;
    host.update(Harness::spec("T1", guests::REPEAT, &[]))
        .await
        .expect("swap");
    host.say("T1", "alice", "#general", "not counted").await;
    host.update(Harness::spec("T1", guests::COUNTER, &[]))
        .await
        .expect("swap back");
    assert_eq!(
        host.say("T1", "alice", "#general", "!count").await[1],
        "[#general] bot: count: 3"
    );
    host.close().await;
}

#[tokio::test]
async fn update_of_an_unknown_team_is_an_error_and_adds_nothing() {
    let host = Harness::new();
    let err = host
        .update(Harness::spec("T9", guests::ECHO, &[]))
        .await
        .expect_err("unknown team");
    assert!(matches!(err, TeamError::UnknownTeam(_)));
    assert!(host.is_empty());
    host.close().await;
}

#[tokio::test]
async fn two_teams_never_see_each_other() {
    let host = Harness::new();
    host.add("TA", guests::COUNTER, &[]).await.expect("add");
    host.add("TB", guests::COUNTER, &[]).await.expect("add");
    for _ in 0..3 {
        host.say("TA", "alice", "#general", "msg").await;
    }
    assert_eq!(
        host.say("TB", "alice", "#general", "!count").await[1],
        "[#general] bot: count: 1"
    );
    assert_eq!(
        host.say("TA", "alice", "#general", "!count").await[1],
        "[#general] bot: count: 4"
    );
    let teams: Vec<String> = host
        .host
        .teams()
        .into_iter()
        .map(|r| r.id.to_string())
        .collect();
    assert_eq!(teams, ["TA", "TB"]);
    host.close().await;
}

#[tokio::test(start_paused = true)]
async fn a_refused_reconfigure_keeps_the_old_config_even_after_a_crash() {
    let host = Harness::new();
    host.add("T1", guests::TRAPPER, &[("v", "1")])
        .await
        .expect("add");
    let err = host
        .update(Harness::spec(
            "T1",
            guests::TRAPPER,
            &[("v", "2"), ("refuse", "yes")],
        ))
        .await
        .expect_err("refused");
    assert!(matches!(err, TeamError::ReconfigureRefused { .. }), "{err}");
    assert_eq!(host.status("T1"), BotStatus::Running, "still serving");
    let spec = host.spec_of(&TeamId::from("T1")).expect("spec");
    assert_eq!(spec.config.get("v").map(String::as_str), Some("1"));
    host.say("T1", "alice", "#general", "panic").await;
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    assert_eq!(
        host.say("T1", "alice", "#general", "mem").await[1],
        "[#general] bot: mem: 1 config v=1",
        "the fresh instance started from the config the bot accepted"
    );
    host.close().await;
}

/// Three messages to T1, one to T2, then T1 removed and added again.
async fn count_remove_and_readd(host: &Harness) {
    host.add("T1", guests::COUNTER, &[]).await.expect("add");
    host.add("T2", guests::COUNTER, &[]).await.expect("add");
    for _ in 0..3 {
        host.say("T1", "alice", "#general", "msg").await;
    }
    host.say("T2", "alice", "#general", "msg").await;
    assert!(host.remove(&TeamId::from("T1")).await);
    host.add("T1", guests::COUNTER, &[])
        .await
        .expect("add again");
}

#[tokio::test]
async fn a_removed_team_s_state_is_found_again_within_the_retention_period() {
    let host = Harness::new();
    count_remove_and_readd(&host).await;
    assert_eq!(
        host.say("T1", "alice", "#general", "!count").await[1],
        "[#general] bot: count: 4",
        "re-added within the retention period: its state is back"
    );
    host.close().await;
}

#[tokio::test]
async fn a_removed_team_s_stored_state_is_purged_after_the_retention_period() {
    let host = Harness::with_storage(
        RuntimeConfig {
            max_teams: 8,
            ..RuntimeConfig::default()
        },
        Storage::memory(StorageQuota::default()),
        Duration::ZERO,
    );
    count_remove_and_readd(&host).await;
    assert_eq!(
        host.say("T1", "alice", "#general", "!count").await[1],
        "[#general] bot: count: 1",
        "no retention: the team came back with nothing stored"
    );
    assert_eq!(
        host.say("T2", "alice", "#general", "!count").await[1],
        "[#general] bot: count: 2",
        "the other team's state is untouched"
    );
    host.close().await;
}

#[tokio::test]
async fn a_relink_keeps_stored_state_and_another_source_cannot_remove_the_team() {
    let host = Harness::new();
    let t1 = TeamId::from("T1");
    host.add("T1", guests::COUNTER, &[]).await.expect("add");
    host.say("T1", "alice", "#general", "msg").await;
    let err = host
        .host
        .remove_as(&TeamSource::File, &t1, StoredState::Purge)
        .await
        .expect_err("not the file's team");
    assert!(matches!(err, ChangeError::NotOwner { .. }), "{err}");
    assert!(host.host.contains(&t1), "left alone");
    assert!(
        host.host
            .remove_as(&TeamSource::Local, &t1, StoredState::Keep)
            .await
            .expect("its own source")
    );
    host.add("T1", guests::COUNTER, &[]).await.expect("back");
    assert_eq!(
        host.say("T1", "alice", "#general", "!count").await[1],
        "[#general] bot: count: 2",
        "relinked with its state"
    );
    host.close().await;
}
