//! The Beep Boop resourcer drives teams end to end: the simulator (the same
//! code as `bothost resourcer-sim`) in front, the fake Slack behind, the
//! real host in between.

use std::path::PathBuf;
use std::time::Duration;

use bothost::resourcer::{ResourcerConfig, Simulator};
use bothost::secret::Secret;
use bothost::sources::ResourcerSource;
use bothost_tests::fake_slack::Workspace;
use bothost_tests::guests;
use bothost_tests::slack_env::SlackEnv;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;

struct World {
    env: SlackEnv,
    sim: Simulator,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

fn resource(ws: &Workspace, custom: &[(&str, &str)]) -> Map<String, Value> {
    let mut map = json!({
        "SlackTeamID": ws.team_id,
        "SlackTeamName": ws.team_name,
        "SlackBotAccessToken": ws.bot_token,
        "SlackBotUserID": ws.bot_user_id,
        "SlackAccessToken": "xoxp-user-secret",
    })
    .as_object()
    .cloned()
    .expect("object");
    for (k, v) in custom {
        map.insert((*k).to_owned(), json!(v));
    }
    map
}

impl World {
    async fn start(bot: &str, grace: Duration) -> Self {
        let env = SlackEnv::start().await;
        for id in ["T1", "T2"] {
            env.slack
                .add_workspace(Workspace::new(id, &format!("xoxb-{id}")));
        }
        let sim = Simulator::start(
            "127.0.0.1:0".parse().expect("addr"),
            Some(("bot-pod-1".into(), Secret::new("bb-token"))),
        )
        .await
        .expect("simulator");
        let mut config = ResourcerConfig::new(sim.url(), "bot-pod-1", Secret::new("bb-token"));
        config.backoff_min = Duration::from_millis(20);
        config.backoff_max = Duration::from_millis(100);
        let source = ResourcerSource {
            host: env.host.clone(),
            bot: PathBuf::from(bot),
            app: None,
            grace,
        };
        let cancel = CancellationToken::new();
        let task = tokio::spawn(source.run(config, cancel.clone()));
        sim.wait_clients(1).await;
        Self {
            env,
            sim,
            cancel,
            task,
        }
    }

    fn ws(id: &str) -> Workspace {
        Workspace::new(id, &format!("xoxb-{id}"))
    }

    /// Says `text` in #general of `team` and returns the bot's answer.
    async fn ask(&self, team: &str, text: &str, nth: usize) -> String {
        let channel = format!("C{team}GENERAL");
        let user = format!("U{team}ALICE");
        self.env.slack.rtm_message(team, &channel, &user, text);
        self.env.slack.wait_posts(nth).await[nth - 1].text.clone()
    }

    async fn close(self) {
        self.cancel.cancel();
        self.task.await.expect("source stops");
        self.sim.shutdown().await;
        self.env.close().await;
    }
}

#[tokio::test]
async fn add_update_and_remove_resource_drive_the_team() {
    let world = World::start(guests::TRAPPER, Duration::from_secs(30)).await;
    world
        .sim
        .add("r-1", resource(&World::ws("T1"), &[("v", "1")]));
    world.env.slack.wait_rtm_connected("T1", 1).await;
    assert_eq!(world.ask("T1", "mem", 1).await, "mem: 1 config v=1");
    world
        .sim
        .update("r-1", resource(&World::ws("T1"), &[("v", "2")]));
    // The update is applied in order before the next event arrives.
    let answer = loop {
        let n = world.env.slack.posts().len() + 1;
        let answer = world.ask("T1", "mem", n).await;
        if !answer.ends_with("v=1") {
            break answer;
        }
    };
    assert!(
        answer.starts_with("mem: ") && answer.ends_with("config v=2"),
        "{answer}"
    );
    assert_eq!(
        world.env.slack.rtm_connections("T1"),
        1,
        "same token: the socket stayed"
    );
    world.sim.remove("r-1");
    world.env.wait_link_gone("T1").await;
    assert!(world.env.host.teams().is_empty());
    assert_eq!(world.sim.auths(), ["bot-pod-1"]);
    world.close().await;
}

#[tokio::test]
async fn a_reconnect_and_replay_leaves_bots_untouched() {
    let world = World::start(guests::TRAPPER, Duration::from_millis(300)).await;
    world.sim.add("r-1", resource(&World::ws("T1"), &[]));
    world.sim.add("r-2", resource(&World::ws("T2"), &[]));
    world.env.slack.wait_rtm_connected("T1", 1).await;
    world.env.slack.wait_rtm_connected("T2", 1).await;
    assert_eq!(world.ask("T1", "mem", 1).await, "mem: 1 config v=-");

    world.sim.drop_clients();
    world.sim.wait_clients(2).await;
    assert_eq!(world.sim.auths().len(), 2, "the auth frame is sent again");
    // Past the grace period: both were re-announced, so both stay.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        world.ask("T1", "mem", 2).await,
        "mem: 2 config v=-",
        "same instance, memory kept"
    );
    assert_eq!(
        world.env.slack.rtm_connections("T1"),
        1,
        "Slack link untouched"
    );
    assert_eq!(world.env.host.teams().len(), 2);
    world.close().await;
}

#[tokio::test]
async fn teams_not_reannounced_within_the_grace_period_are_removed() {
    let world = World::start(guests::ECHO, Duration::from_millis(200)).await;
    world.sim.add("r-1", resource(&World::ws("T1"), &[]));
    world.sim.add("r-2", resource(&World::ws("T2"), &[]));
    world.env.slack.wait_rtm_connected("T2", 1).await;
    world.sim.set_replay_on_connect(false);
    world.sim.drop_clients();
    world.sim.wait_clients(2).await;
    world.sim.add("r-1", resource(&World::ws("T1"), &[]));
    world.env.wait_link_gone("T2").await;
    let teams: Vec<String> = world
        .env
        .host
        .teams()
        .iter()
        .map(|t| t.team.to_string())
        .collect();
    assert_eq!(teams, ["T1"]);
    world.close().await;
}

#[tokio::test]
async fn bad_messages_duplicates_and_unknown_removes_are_never_fatal() {
    let world = World::start(guests::ECHO, Duration::from_secs(30)).await;
    world.sim.send_raw("{not json");
    world
        .sim
        .send_raw(r#"{"type":"add_resource","msgID":"m-1"}"#);
    world.sim.send_raw(r#"{"type":"surprise","msgID":"m-2"}"#);
    world.sim.remove("r-unknown");
    let mut no_team = resource(&World::ws("T1"), &[]);
    no_team.remove("SlackTeamID");
    world.sim.add("r-0", no_team);
    world.sim.add("r-1", resource(&World::ws("T1"), &[]));
    world.sim.add("r-1", resource(&World::ws("T1"), &[]));
    world.env.slack.wait_rtm_connected("T1", 1).await;
    let ws = World::ws("T1");
    assert_eq!(
        world
            .ask("T1", &format!("<@{}> alive", ws.bot_user_id), 1)
            .await,
        "alive"
    );
    assert_eq!(world.env.host.teams().len(), 1);
    assert_eq!(world.sim.auths().len(), 1, "still the first connection");
    world.close().await;
}
