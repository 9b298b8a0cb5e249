//! Bots built against earlier releases of the contract keep loading and
//! running unchanged, side by side with current ones.

use std::time::Duration;

use bothost_tests::{Harness, guests};

#[tokio::test(start_paused = true)]
async fn a_bot_built_for_0_1_0_runs_beside_a_current_one() {
    let host = Harness::new();
    host.add("T1", guests::WORLD_0_1_0, &[])
        .await
        .expect("a 0.1.0 bot loads and starts");
    host.add("T2", guests::ECHO, &[])
        .await
        .expect("a current bot starts in the same host");

    host.add("T3", guests::WORLD_0_2_0, &[])
        .await
        .expect("a 0.2.0 bot starts in the same host");
    // The admin API says which contract each team's component targets.
    let contract = |team: &str| host.handle(&team.into()).expect("served").view().contract;
    assert_eq!(contract("T1"), "0.1.0");
    assert_eq!(contract("T2"), "0.2.2");
    assert_eq!(contract("T3"), "0.2.0");

    // Events, key-value state, lookups and their errors reach it in the
    // 0.1.0 types.
    assert_eq!(
        host.say("T1", "alice", "#general", "count").await,
        ["[#general] alice: count", "[#general] bot: 0.1.0 count 1"]
    );
    assert_eq!(
        host.say("T1", "alice", "#general", "count").await,
        ["[#general] alice: count", "[#general] bot: 0.1.0 count 2"]
    );
    assert_eq!(
        host.say("T1", "alice", "#general", "keys").await,
        ["[#general] alice: keys", "[#general] bot: 0.1.0 keys count"]
    );
    assert_eq!(
        host.say("T1", "bob", "#general", "whoami").await,
        [
            "[#general] bob: whoami",
            "[#general] bot: 0.1.0 you are bob"
        ]
    );
    assert_eq!(
        host.say("T1", "bob", "#general", "nobody").await,
        ["[#general] bob: nobody", "[#general] bot: 0.1.0 not found"]
    );
    assert_eq!(
        host.say("T2", "alice", "#general", "@bot hi").await,
        ["[#general] alice: @bot hi", "[#general] bot: hi"]
    );

    // The timers they set in `init` fire `on-timer`.
    tokio::time::sleep(Duration::from_secs(60)).await;
    for team in ["T1", "T3"] {
        let handle = host.handle(&team.into()).expect("served");
        handle.flush().await.expect("flush");
    }
    let mut ticks = host.lines();
    ticks.sort();
    assert_eq!(
        ticks,
        ["[#general] bot: 0.1.0 tick", "[#general] bot: 0.2.0 tick"]
    );

    // Reconfigure and remove (its `shutdown`) work too.
    host.update(Harness::spec("T1", guests::WORLD_0_1_0, &[("a", "b")]))
        .await
        .expect("reconfigure");
    assert_eq!(
        host.say("T1", "alice", "#general", "count").await,
        ["[#general] alice: count", "[#general] bot: 0.1.0 count 3"],
        "reconfigure keeps the instance and its state"
    );
    assert!(host.remove(&"T1".into()).await);
    assert_eq!(
        host.say("T2", "alice", "#general", "@bot still").await,
        ["[#general] alice: @bot still", "[#general] bot: still"]
    );
    host.close().await;
}

#[tokio::test]
async fn a_0_1_0_bot_and_a_current_bot_keep_their_state_apart() {
    let host = Harness::new();
    host.add("T1", guests::WORLD_0_1_0, &[])
        .await
        .expect("0.1.0");
    host.add("T2", guests::WORLD_0_1_0, &[])
        .await
        .expect("0.1.0");
    host.say("T1", "alice", "#general", "count").await;
    host.say("T1", "alice", "#general", "count").await;
    assert_eq!(
        host.say("T2", "alice", "#general", "count").await,
        ["[#general] alice: count", "[#general] bot: 0.1.0 count 1"],
        "one team's counter is not another's"
    );
    host.close().await;
}
