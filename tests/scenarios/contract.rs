//! Contract 0.2.2: the channel-admin example creates a channel, invites,
//! sets the topic, reads history, posts a Block Kit summary and archives,
//! in `bothost local --script` and against the fake Slack over Socket
//! Mode, beside bots built for 0.1.0 and 0.2.0.

use bothost::local_mode::{LocalSession, parse_script, run_script};
use bothost::runtime::RuntimeConfig;
use bothost_tests::fake_slack::Call;
use bothost_tests::slack_env::SlackEnv;
use bothost_tests::{Harness, config_of, guests};
use serde_json::{Value, json};

async fn transcript(bot: &str, script: &str) -> String {
    let runtime = RuntimeConfig {
        max_teams: 2,
        ..RuntimeConfig::default()
    };
    let mut session = LocalSession::start(bot.as_ref(), config_of(&[]), &runtime)
        .await
        .expect("session");
    let steps = parse_script(script).expect("script");
    let mut out = Vec::new();
    run_script(&mut session, steps, &mut out)
        .await
        .expect("run");
    for line in session.close().await {
        out.extend_from_slice(format!("{line}\n").as_bytes());
    }
    String::from_utf8(out).expect("utf-8")
}

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
    let out = transcript(guests::CHANNEL_ADMIN, script).await;
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
