//! The Beep Boop resourcer drives teams end to end: the simulator (the same
//! code as `bothost resourcer-sim`) in front, the fake Slack behind, the
//! real host in between.

use std::path::PathBuf;
use std::time::Duration;

use bothost::ids::TeamId;
use bothost::resourcer::{ResourcerConfig, Simulator};
use bothost::secret::Secret;
use bothost::shutdown::Shutdown;
use bothost::sources::{FileTeams, ResourcerSource};
use bothost::spec::TeamSource;
use bothost_tests::fake_slack::Workspace;
use bothost_tests::guests;
use bothost_tests::slack_env::{SlackEnv, mention};
use serde_json::{Map, Value, json};
use tokio::sync::watch;

struct World {
    env: SlackEnv,
    sim: Simulator,
    /// Which resourcer session's grace period is over.
    settled: watch::Receiver<Option<u64>>,
    scope: Shutdown,
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
        let source = ResourcerSource::new(env.host.clone(), PathBuf::from(bot), None, grace);
        let settled = source.settled();
        let scope = Shutdown::new();
        let task = scope.spawn(source.run(config, scope.child()));
        sim.wait_clients(1).await;
        Self {
            env,
            sim,
            settled,
            scope,
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

    /// Waits until the grace period of resourcer session `session` is over.
    async fn settled(&mut self, session: u64) {
        tokio::time::timeout(
            Duration::from_secs(10),
            self.settled.wait_for(|s| s.is_some_and(|s| s >= session)),
        )
        .await
        .expect("grace period ends")
        .expect("source running");
    }

    async fn close(self) {
        self.scope.cancel();
        self.task.await.expect("source stops");
        self.scope.close().await;
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
    // A grace period long enough that the replay always lands inside it,
    // even on a loaded machine; the test waits for its end, not a clock.
    let mut world = World::start(guests::TRAPPER, Duration::from_secs(1)).await;
    world.sim.add("r-1", resource(&World::ws("T1"), &[]));
    world.sim.add("r-2", resource(&World::ws("T2"), &[]));
    world.env.slack.wait_rtm_connected("T1", 1).await;
    world.env.slack.wait_rtm_connected("T2", 1).await;
    assert_eq!(world.ask("T1", "mem", 1).await, "mem: 1 config v=-");

    world.sim.drop_clients();
    world.sim.wait_clients(2).await;
    assert_eq!(world.sim.auths().len(), 2, "the auth frame is sent again");
    // Past the second session's grace period: both were re-announced,
    // so both stay.
    world.settled(2).await;
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
    let world = World::start(guests::ECHO, Duration::from_secs(1)).await;
    world.sim.add("r-1", resource(&World::ws("T1"), &[]));
    world.sim.add("r-2", resource(&World::ws("T2"), &[]));
    world.env.slack.wait_rtm_connected("T2", 1).await;
    world.sim.set_replay_on_connect(false);
    world.sim.drop_clients();
    world.sim.wait_clients(2).await;
    world.sim.add("r-1", resource(&World::ws("T1"), &[]));
    world.env.wait_link_gone("T2").await;
    let teams = bothost_tests::team_ids(&world.env.host);
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

#[tokio::test]
async fn a_resource_naming_a_team_of_the_teams_file_is_refused_and_its_removal_leaves_it_alone() {
    let world = World::start(guests::TRAPPER, Duration::from_secs(30)).await;
    // T1 is the teams file's, running echo.
    let dir = std::env::temp_dir().join(format!("bothost-owned-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("bothost.toml");
    std::fs::write(
        &path,
        format!(
            "[[teams]]\nid = \"T1\"\nbot = \"{}\"\ntoken_env = \"T1_TOKEN\"\n",
            guests::ECHO
        ),
    )
    .expect("write");
    let mut file = FileTeams::default();
    let env = |var: &str| (var == "T1_TOKEN").then(|| "xoxb-T1".to_owned());
    let report = file
        .reload(&world.env.host, &path, &env)
        .await
        .expect("reload");
    assert_eq!(report.added, [TeamId::from("T1")]);
    world.env.slack.wait_rtm_connected("T1", 1).await;

    // The resourcer claims T1 (refused), then adds T2; resources are
    // applied in order, so once T2 is up the claim has been handled.
    world
        .sim
        .add("r-1", resource(&World::ws("T1"), &[("v", "9")]));
    world.sim.add("r-2", resource(&World::ws("T2"), &[]));
    world.env.slack.wait_rtm_connected("T2", 1).await;
    let t1 = TeamId::from("T1");
    assert_eq!(world.env.host.owner(&t1), Some(TeamSource::File));
    let conflicts = world.env.host.conflicts();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(
        (
            &conflicts[0].team,
            &conflicts[0].owner,
            &conflicts[0].caller,
            conflicts[0].action
        ),
        (
            &t1,
            &TeamSource::File,
            &TeamSource::Resourcer {
                resource: "r-1".into()
            },
            "add"
        )
    );

    // Removing the refused resource does not touch the file's team.
    world.sim.remove("r-1");
    world.sim.remove("r-2");
    world.env.wait_link_gone("T2").await;
    assert!(
        world.env.host.contains(&t1),
        "the file's team is still served"
    );
    assert_eq!(world.env.host.owner(&t1), Some(TeamSource::File));
    assert_eq!(world.env.slack.rtm_connections("T1"), 1, "never relinked");
    // (T2's trapper said `bye` on its way out.)
    let n = world.env.slack.posts().len() + 1;
    let ws = World::ws("T1");
    world
        .env
        .slack
        .rtm_message("T1", "CT1GENERAL", "UT1ALICE", &mention(&ws, "still mine"));
    assert_eq!(
        world.env.slack.wait_posts(n).await[n - 1].text,
        "still mine",
        "still the file's echo bot, not the resourcer's"
    );
    let _ = std::fs::remove_dir_all(dir);
    world.close().await;
}

#[tokio::test]
async fn a_slow_team_does_not_hold_up_another_resource() {
    let world = World::start(guests::ECHO, Duration::from_secs(30)).await;
    // T1's token check hangs (Slack slow for it); T2 is announced after.
    world.env.slack.fail_next(
        "auth.test",
        bothost_tests::fake_slack::Fault::Slow(Duration::from_secs(3600)),
    );
    world.sim.add("r-1", resource(&World::ws("T1"), &[]));
    // T1's token check is held by Slack before T2 is announced.
    world.env.slack.wait_faults_taken("auth.test").await;
    world.sim.add("r-2", resource(&World::ws("T2"), &[]));
    // T2 is served while T1's add still waits on Slack: messages about
    // different resources do not queue behind each other.
    world.env.slack.wait_rtm_connected("T2", 1).await;
    let channel = "CT2GENERAL";
    world
        .env
        .slack
        .rtm_message("T2", channel, "UT2ALICE", &mention(&World::ws("T2"), "hi"));
    let posts = world.env.slack.wait_posts(1).await;
    assert_eq!(
        (posts[0].team.as_str(), posts[0].channel.as_str()),
        ("T2", channel)
    );
    assert_eq!(world.env.slack.rtm_connections("T1"), 0, "T1 still waits");
    world.close().await;
}
