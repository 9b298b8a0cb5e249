//! Each example bot does what its README entry promises.

use std::time::Duration;

use bothost_tests::{Harness, guests};

#[tokio::test]
async fn echo_answers_dms_and_mentions_but_not_chatter() {
    expect_echo(&Harness::new(), guests::ECHO).await;
}

#[tokio::test]
async fn repeat_repeats_every_message_with_the_configured_prefix() {
    expect_repeat(&Harness::new(), guests::REPEAT).await;
}

/// What every language's echo example does (Rust, Python, JS alike).
pub(crate) async fn expect_echo(host: &Harness, bot: &str) {
    host.add("T1", bot, &[]).await.expect("add");
    assert_eq!(
        host.say("T1", "alice", "dm", "hello there").await,
        ["[@alice] alice: hello there", "[@alice] bot: hello there"]
    );
    assert_eq!(
        host.say("T1", "bob", "#general", "@bot ping").await,
        ["[#general] bob: @bot ping", "[#general] bot: ping"]
    );
    assert_eq!(
        host.say("T1", "bob", "#general", "just chatting").await,
        ["[#general] bob: just chatting"],
        "no mention, no answer"
    );
    assert!(host.remove(&"T1".into()).await);
}

/// What every language's repeat example does.
pub(crate) async fn expect_repeat(host: &Harness, bot: &str) {
    host.add("T1", bot, &[]).await.expect("add");
    assert_eq!(
        host.say("T1", "alice", "#random", "say it again").await,
        [
            "[#random] alice: say it again",
            "[#random] bot: say it again"
        ]
    );
    let spec = Harness::spec("T1", bot, &[("prefix", "you said: ")]);
    host.update(spec).await.expect("reconfigure");
    assert_eq!(
        host.say("T1", "alice", "#random", "hi").await,
        ["[#random] alice: hi", "[#random] bot: you said: hi"]
    );
    assert!(host.remove(&"T1".into()).await);
}

#[tokio::test(start_paused = true)]
async fn cron_posts_on_its_timer_and_follows_reconfigure() {
    let host = Harness::new();
    let config = [
        ("channel", "random"),
        ("interval_secs", "60"),
        ("text", "tick"),
    ];
    host.add("T1", guests::CRON, &config).await.expect("add");
    let handle = host.handle(&"T1".into()).expect("served");

    tokio::time::sleep(Duration::from_secs(59)).await;
    handle.flush().await.expect("flush");
    assert!(host.lines().is_empty(), "nothing before the first interval");

    tokio::time::sleep(Duration::from_secs(1)).await;
    handle.flush().await.expect("flush");
    assert_eq!(host.lines(), ["[#random] bot: tick"]);

    tokio::time::sleep(Duration::from_secs(120)).await;
    handle.flush().await.expect("flush");
    assert_eq!(host.lines(), ["[#random] bot: tick", "[#random] bot: tick"]);

    let spec = Harness::spec(
        "T1",
        guests::CRON,
        &[
            ("channel", "general"),
            ("interval_secs", "10"),
            ("text", "tock"),
        ],
    );
    host.update(spec).await.expect("reconfigure");
    tokio::time::sleep(Duration::from_secs(10)).await;
    handle.flush().await.expect("flush");
    assert_eq!(host.lines(), ["[#general] bot: tock"]);
    host.close().await;
}

#[tokio::test]
async fn cron_rejects_a_bad_interval() {
    let host = Harness::new();
    let err = host
        .add("T1", guests::CRON, &[("interval_secs", "0")])
        .await
        .expect_err("interval 0 is refused");
    assert!(err.to_string().contains("invalid config"), "{err}");
    host.close().await;
}

#[tokio::test]
async fn counter_counts_per_channel_and_keeps_counts_across_reconfigure() {
    let host = Harness::new();
    host.add("T1", guests::COUNTER, &[]).await.expect("add");
    host.say("T1", "alice", "#general", "one").await;
    host.say("T1", "bob", "#general", "two").await;
    host.say("T1", "bob", "#random", "elsewhere").await;
    assert_eq!(
        host.say("T1", "alice", "#general", "!count").await,
        ["[#general] alice: !count", "[#general] bot: count: 3"]
    );
    host.update(Harness::spec("T1", guests::COUNTER, &[("label", "total")]))
        .await
        .expect("reconfigure");
    assert_eq!(
        host.say("T1", "alice", "#general", "!count").await,
        ["[#general] alice: !count", "[#general] bot: total: 4"],
        "count survived reconfigure, label changed"
    );
    assert_eq!(
        host.say("T1", "alice", "#random", "!count").await,
        ["[#random] alice: !count", "[#random] bot: total: 2"]
    );
    host.close().await;
}
