//! A busy workspace: a well-behaved bot answering every message never
//! loses a reply to the host's own budgets while Slack would take it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use bothost::ids::TeamId;
use bothost::secret::Secret;
use bothost::spec::{TeamSource, TeamSpec};
use bothost_tests::fake_slack::Workspace;
use bothost_tests::slack_env::{SlackEnv, mention};
use bothost_tests::{config_of, guests};

/// Team T1 over RTM running the echo bot, in a workspace with `rooms`
/// channels besides #general and #random; returns the rooms' ids.
async fn echo_with_rooms(env: &SlackEnv, rooms: usize) -> (Workspace, Vec<String>) {
    let mut ws = Workspace::new("T1", "xoxb-T1-token");
    let channels: Vec<String> = (0..rooms).map(|i| format!("CT1ROOM{i:02}")).collect();
    for (i, channel) in channels.iter().enumerate() {
        ws.channels.push((channel.clone(), format!("room-{i:02}")));
    }
    env.slack.add_workspace(ws.clone());
    env.host
        .add(TeamSpec {
            id: TeamId::from("T1"),
            bot: PathBuf::from(guests::ECHO),
            token: Secret::new(ws.bot_token.clone()),
            app: None,
            config: config_of(&[]),
            source: TeamSource::Admin,
        })
        .await
        .expect("team added");
    env.slack.wait_rtm_connected("T1", 1).await;
    (ws, channels)
}

#[tokio::test]
async fn twenty_messages_in_twenty_channels_at_once_all_get_their_reply() {
    let env = SlackEnv::start().await;
    let (ws, channels) = echo_with_rooms(&env, 20).await;
    // Twenty people asking the bot something at once, each in their own
    // channel: one post per channel, well inside Slack's one a second per
    // channel.
    let alice = format!("U{}ALICE", ws.team_id);
    for (i, channel) in channels.iter().enumerate() {
        let text = mention(&ws, &format!("question {i}"));
        env.slack.rtm_message("T1", channel, &alice, &text);
    }
    let posts = env.slack.wait_posts(20).await;
    let mut per_channel: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for post in &posts {
        per_channel
            .entry(post.channel.as_str())
            .or_default()
            .push(post.text.as_str());
    }
    assert_eq!(posts.len(), 20, "no reply lost, none doubled");
    for (i, channel) in channels.iter().enumerate() {
        assert_eq!(
            per_channel.get(channel.as_str()).map(Vec::as_slice),
            Some([format!("question {i}").as_str()].as_slice()),
            "the reply in {channel}"
        );
    }
    env.close().await;
}
