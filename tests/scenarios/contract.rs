//! Contract 0.2.2: the channel-admin example creates a channel, invites,
//! sets the topic, reads history, posts a Block Kit summary and archives,
//! in `bothost local --script` and against the fake Slack over Socket
//! Mode, beside bots built for 0.1.0 and 0.2.0.

use bothost_tests::fake_slack::Call;
use bothost_tests::slack_env::SlackEnv;
use bothost_tests::{Harness, config_of, guests};
use serde_json::{Value, json};

#[tokio::test(start_paused = true)]
async fn channel_admin_script_transcript() {
    let script = "\
!project launch @bob
/in #launch
hello team
bob: shipping friday
!members
!summary
!archive
";
    let out = crate::script::transcript(guests::CHANNEL_ADMIN, &[], script).await;
    assert_eq!(
        out,
        "\
[#general] alice: !project launch @bob
[#launch] bot created #launch
[#launch] bot invited @alice, @bob
[#launch] bot set the topic: Project launch
[#launch] bot: Welcome to project launch!
[#general] bot: created <#C0NEW1> with 2 members
[#launch] alice: hello team
[#launch] bob: shipping friday
[#launch] alice: !members
[#launch] bot: 3 members
[#launch] alice: !summary
[#launch] bot: summary: 2 messages, 2 people [blocks: header, section, divider, context]
[#launch] alice: !archive
[#launch] bot: archiving this channel, bye!
[#launch] bot archived #launch
"
    );
}

#[tokio::test(start_paused = true)]
async fn channel_admin_script_messages_threads_and_schedules() {
    let script = "\
!whisper only you
!thread
/in #random
!rename ops
/in #ops
!purpose plans
!remove @bob
!members
!remind +5 later
!reminders
/wait 6
!oops
!group @alice @bob
!archive
/in #general
!unarchive C0RANDOM
";
    let out = crate::script::transcript(guests::CHANNEL_ADMIN, &[], script).await;
    // The scheduled message is posted on tokio's clock, during `/wait`.
    assert_eq!(
        out,
        "\
[#general] alice: !whisper only you
[#general] bot (only @alice sees): psst: only you
[#general] alice: !thread
[#general thread 2] bot: this thread has 1 messages (also sent to the channel)
[#random] alice: !rename ops
[#ops] bot renamed #random to #ops
[#ops] bot: now #ops
[#ops] alice: !purpose plans
[#ops] bot set the purpose: plans
[#ops] alice: !remove @bob
[#ops] bot removed @bob
[#ops] alice: !members
[#ops] bot: 2 members
[#ops] alice: !remind +5 later
[#ops] bot: scheduled Q1
[#ops] alice: !reminders
[#ops] bot: 1 scheduled: Q1
[#ops] bot: later
[#ops] alice: !oops
[#ops] bot deleted 14
[#ops] alice: !group @alice @bob
[@alice,bob] bot: hello, group
[#ops] alice: !archive
[#ops] bot: archiving this channel, bye!
[#ops] bot archived #ops
[#general] alice: !unarchive C0RANDOM
[#ops] bot unarchived #ops
[#general] bot: unarchived <#C0RANDOM>
"
    );
}

#[tokio::test(start_paused = true)]
async fn channel_admin_runs_beside_0_1_0_and_0_2_0_bots() {
    let host = Harness::new();
    host.add("T1", guests::WORLD_0_1_0, &[])
        .await
        .expect("0.1.0");
    host.add("T2", guests::CHANNEL_ADMIN, &[])
        .await
        .expect("0.2.2");
    host.add("T3", guests::WORLD_0_2_0, &[])
        .await
        .expect("0.2.0");
    let contract = |team: &str| host.handle(&team.into()).expect("served").view().contract;
    assert_eq!(
        [contract("T1"), contract("T2"), contract("T3")],
        ["0.1.0", "0.2.2", "0.2.0"]
    );
    assert_eq!(
        host.say("T2", "alice", "#general", "!project ops").await,
        [
            "[#general] alice: !project ops",
            "[#ops] bot created #ops",
            "[#ops] bot invited @alice",
            "[#ops] bot set the topic: Project ops",
            "[#ops] bot: Welcome to project ops!",
            "[#general] bot: created <#C0NEW1> with 1 members"
        ]
    );
    assert_eq!(
        host.say("T1", "alice", "#general", "count").await,
        ["[#general] alice: count", "[#general] bot: 0.1.0 count 1"]
    );
    assert_eq!(
        host.say("T3", "alice", "#general", "count").await,
        ["[#general] alice: count", "[#general] bot: 0.2.0 count 1"]
    );
    host.close().await;
}

fn params(calls: &[Call]) -> Vec<Value> {
    calls.iter().map(|c| c.params.clone()).collect()
}

fn said(channel: &str, user: &str, text: &str, ts: &str) -> Value {
    json!({"type": "message", "channel": channel, "user": user,
        "text": text, "ts": ts, "channel_type": "channel"})
}

#[tokio::test]
async fn channel_admin_over_socket_mode_makes_the_slack_calls() {
    let env = SlackEnv::start().await;
    env.app("A1", &["T2"]);
    let old = env
        .team("T1", guests::WORLD_0_1_0, None, config_of(&[]))
        .await;
    let ws = env
        .team("T2", guests::CHANNEL_ADMIN, Some("A1"), config_of(&[]))
        .await;
    env.slack.wait_socket_connected("A1", 1).await;
    env.slack.wait_rtm_connected("T1", 1).await;
    let general = format!("C{}GENERAL", ws.team_id);
    let (alice, bob) = (
        format!("U{}ALICE", ws.team_id),
        format!("U{}BOB", ws.team_id),
    );

    let command = format!("!project launch <@{bob}>");
    env.slack.socket_event(
        "A1",
        "T2",
        said(&general, &alice, &command, "1700000000.000100"),
    );
    let posts = env.slack.wait_posts(2).await;
    let launch = posts[0].channel.clone();
    assert_eq!(posts[0].text, "Welcome to project launch!");
    assert_eq!(
        (posts[1].channel.as_str(), posts[1].text.as_str()),
        (
            general.as_str(),
            format!("created <#{launch}> with 2 members").as_str()
        )
    );
    assert_eq!(
        params(&env.slack.calls("conversations.create")),
        [json!({"name": "launch", "is_private": "false"})]
    );
    assert_eq!(
        params(&env.slack.calls("conversations.invite")),
        [json!({"channel": launch, "users": format!("{alice},{bob}")})]
    );
    assert_eq!(
        params(&env.slack.calls("conversations.setTopic")),
        [json!({"channel": launch, "topic": "Project launch"})]
    );

    env.slack.socket_event(
        "A1",
        "T2",
        said(&launch, &bob, "shipping friday", "1700000000.000200"),
    );
    env.slack.socket_event(
        "A1",
        "T2",
        said(&launch, &alice, "!summary", "1700000000.000300"),
    );
    let posts = env.slack.wait_posts(3).await;
    assert_eq!(posts[2].text, "summary: 1 messages, 1 people");
    let history = env.slack.calls("conversations.history");
    assert_eq!(history[0].params["channel"], json!(launch));
    assert_eq!(
        params(&env.slack.calls("chat.getPermalink")),
        [json!({"channel": launch, "message_ts": "1700000000.000200"})]
    );
    let summary = env
        .slack
        .calls("chat.postMessage")
        .pop()
        .expect("summary post");
    let blocks = summary.params["blocks"].as_array().expect("blocks as JSON");
    assert_eq!(blocks[0]["type"], "header");

    env.slack.socket_event(
        "A1",
        "T2",
        said(&launch, &alice, "!archive", "1700000000.000400"),
    );
    env.slack.wait_calls("conversations.archive", 1).await;
    assert_eq!(
        params(&env.slack.calls("conversations.archive")),
        [json!({"channel": launch})]
    );

    // The 0.1.0 bot in the same host still answers.
    env.slack.rtm_message(
        "T1",
        &format!("C{}GENERAL", old.team_id),
        &format!("U{}ALICE", old.team_id),
        "count",
    );
    let posts = env.slack.wait_posts(5).await;
    assert!(
        posts
            .iter()
            .any(|p| p.team == "T1" && p.text == "0.1.0 count 1"),
        "{posts:#?}"
    );
    env.close().await;
}

/// Sends `text` from `user` in `channel` to T2 over Socket Mode.
fn send(env: &SlackEnv, channel: &str, user: &str, text: &str, n: u32) -> String {
    let ts = format!("1700000001.{n:06}");
    env.slack
        .socket_event("A1", "T2", said(channel, user, text, &ts));
    ts
}

/// The arguments of the `n`th call of `method` (1-based), once it came.
async fn nth_call(env: &SlackEnv, method: &str, n: usize) -> Value {
    env.slack.wait_calls(method, n).await[n - 1].params.clone()
}

#[tokio::test]
async fn every_0_2_2_call_reaches_slack_with_its_arguments() {
    let env = SlackEnv::start().await;
    env.app("A1", &["T2"]);
    env.team("T2", guests::CHANNEL_ADMIN, Some("A1"), config_of(&[]))
        .await;
    env.slack.wait_socket_connected("A1", 1).await;
    let (general, random) = ("CT2GENERAL", "CT2RANDOM");
    let (alice, bob) = ("UT2ALICE", "UT2BOB");

    send(&env, random, alice, "!rename ops-room", 1);
    assert_eq!(
        nth_call(&env, "conversations.rename", 1).await,
        json!({"channel": random, "name": "ops-room"})
    );
    send(&env, random, alice, "!purpose plans and more", 2);
    assert_eq!(
        nth_call(&env, "conversations.setPurpose", 1).await,
        json!({"channel": random, "purpose": "plans and more"})
    );
    send(&env, random, alice, &format!("!remove <@{bob}>"), 3);
    assert_eq!(
        nth_call(&env, "conversations.kick", 1).await,
        json!({"channel": random, "user": bob})
    );
    send(&env, random, alice, "!whisper hi", 4);
    assert_eq!(
        nth_call(&env, "chat.postEphemeral", 1).await,
        json!({"channel": random, "user": alice, "text": "psst: hi"})
    );
    let root = send(&env, random, alice, "!thread", 5);
    assert_eq!(
        nth_call(&env, "conversations.replies", 1).await,
        json!({"channel": random, "ts": root, "limit": "100"})
    );
    let broadcast = nth_call(&env, "chat.postMessage", 2).await;
    assert_eq!(
        (&broadcast["thread_ts"], &broadcast["reply_broadcast"]),
        (&json!(root), &json!(true))
    );

    send(&env, random, alice, "!remind 4102444800 later", 6);
    assert_eq!(
        nth_call(&env, "chat.scheduleMessage", 1).await,
        json!({"channel": random, "post_at": 4_102_444_800_u64, "text": "later"})
    );
    let posts = env.slack.wait_posts(3).await;
    let id = posts[2]
        .text
        .strip_prefix("scheduled ")
        .expect("an id")
        .to_owned();
    send(&env, random, alice, "!reminders", 7);
    assert_eq!(
        nth_call(&env, "chat.scheduledMessages.list", 1).await,
        json!({"channel": random, "limit": "100"})
    );
    assert_eq!(
        env.slack.wait_posts(4).await[3].text,
        format!("1 scheduled: {id}")
    );
    send(&env, random, alice, &format!("!cancel {id}"), 8);
    assert_eq!(
        nth_call(&env, "chat.deleteScheduledMessage", 1).await,
        json!({"channel": random, "scheduled_message_id": id})
    );
    assert!(env.slack.wait_calls("chat.deleteScheduledMessage", 1).await[0].ok);

    send(&env, random, alice, "!oops", 9);
    let newest = env.slack.posts()[3].ts.clone();
    assert_eq!(
        nth_call(&env, "chat.delete", 1).await,
        json!({"channel": random, "ts": newest})
    );
    assert!(env.slack.wait_calls("chat.delete", 1).await[0].ok);

    send(&env, random, alice, "!members", 10);
    assert_eq!(
        nth_call(&env, "conversations.members", 1).await,
        json!({"channel": random, "limit": "200"})
    );
    assert_eq!(env.slack.wait_posts(5).await[4].text, "2 members");

    send(&env, random, alice, "!archive", 11);
    nth_call(&env, "conversations.archive", 1).await;
    send(&env, general, alice, &format!("!unarchive {random}"), 12);
    assert_eq!(
        nth_call(&env, "conversations.unarchive", 1).await,
        json!({"channel": random})
    );
    send(&env, random, alice, "!leave", 13);
    assert_eq!(
        nth_call(&env, "conversations.leave", 1).await,
        json!({"channel": random})
    );
    send(&env, general, alice, &format!("!join {random}"), 14);
    assert_eq!(
        nth_call(&env, "conversations.join", 1).await,
        json!({"channel": random})
    );
    send(
        &env,
        general,
        alice,
        &format!("!group <@{alice}> <@{bob}>"),
        15,
    );
    assert_eq!(
        nth_call(&env, "conversations.open", 1).await,
        json!({"users": format!("{alice},{bob}")})
    );
    let posts = env.slack.wait_posts(9).await;
    let last = posts.last().expect("a post");
    assert!(last.channel.starts_with('G'), "{posts:#?}");
    assert_eq!(last.text, "hello, group");
    for method in [
        "conversations.rename",
        "conversations.kick",
        "conversations.join",
        "conversations.open",
    ] {
        assert!(env.slack.calls(method).iter().all(|c| c.ok), "{method}");
    }
    env.close().await;
}
