//! The client against the simulator, over loopback. Every wait is on a
//! notice or a simulator signal, bounded by a timeout; nothing sleeps and
//! hopes.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};

use super::client::{Notice, ResourcerConfig, ResourcerError, run};
use super::protocol::{ResourceId, ServerMessage};
use super::sim::Simulator;
use crate::ids::TeamId;
use crate::secret::Secret;
use crate::shutdown::Shutdown;

const WAIT: Duration = Duration::from_secs(10);
const ID: &str = "pod-1";
const TOKEN: &str = "bb-token-secret";

fn resource(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
        .collect()
}

fn fast_config(url: String, token: &str) -> ResourcerConfig {
    ResourcerConfig {
        ping_every: Duration::from_millis(50),
        stale_after: Duration::from_secs(5),
        backoff_min: Duration::from_millis(10),
        backoff_max: Duration::from_millis(200),
        ..ResourcerConfig::new(url, ID, Secret::new(token))
    }
}

/// A simulator, a client running against it, and the client's notices.
struct Harness {
    sim: Simulator,
    notices: mpsc::Receiver<Notice>,
    scope: Shutdown,
}

impl Harness {
    async fn start(expected: bool, token: &str, tweak: impl FnOnce(&mut ResourcerConfig)) -> Self {
        let expected = expected.then(|| (ID.to_owned(), Secret::new(TOKEN)));
        let sim = Simulator::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), expected)
            .await
            .expect("simulator starts");
        let mut config = fast_config(sim.url(), token);
        tweak(&mut config);
        // A small queue, so the client meets backpressure.
        let (tx, notices) = mpsc::channel(2);
        let scope = Shutdown::new();
        scope.spawn(run(config, tx, scope.token().clone()));
        Self {
            sim,
            notices,
            scope,
        }
    }

    async fn next(&mut self) -> Notice {
        timeout(WAIT, self.notices.recv())
            .await
            .expect("a notice in time")
            .expect("the client is running")
    }

    async fn message(&mut self) -> (u64, ServerMessage) {
        match self.next().await {
            Notice::Message { session, message } => (session, message),
            other => panic!("expected a message, got {other:?}"),
        }
    }

    async fn expect_connected(&mut self, session: u64) {
        assert_eq!(self.next().await, Notice::Connected { session });
    }

    async fn expect_auth(&mut self, session: u64, success: bool) {
        match self.message().await {
            (s, ServerMessage::AuthResult { success: got, .. }) => {
                assert_eq!((s, got), (session, success));
            }
            other => panic!("expected auth_result, got {other:?}"),
        }
    }

    async fn expect_add(&mut self, session: u64, id: &str) -> super::ResourceMessage {
        match self.message().await {
            (s, ServerMessage::AddResource(m)) if s == session && m.resource_id.as_str() == id => m,
            other => panic!("expected add_resource {id} in session {session}, got {other:?}"),
        }
    }

    async fn expect_disconnected(&mut self, session: u64) -> String {
        match self.next().await {
            Notice::Disconnected { session: s, reason } if s == session => reason,
            other => panic!("expected session {session} to end, got {other:?}"),
        }
    }

    async fn stop(self) {
        timeout(Duration::from_secs(2), self.scope.close())
            .await
            .expect("the client stops promptly on cancel");
        self.sim.shutdown().await;
    }
}

#[tokio::test]
async fn authenticates_then_delivers_add_update_remove_in_order() {
    let mut h = Harness::start(true, TOKEN, |_| {}).await;
    h.expect_connected(1).await;
    h.expect_auth(1, true).await;
    h.sim.wait_clients(1).await;
    assert_eq!(h.sim.auths(), vec![ID.to_owned()]);
    assert_eq!(h.sim.clients(), 1);

    let add_id = h.sim.add(
        "r1",
        resource(&[
            ("SlackTeamID", "T1"),
            ("SlackBotAccessToken", "xoxb-1"),
            ("GREETING", "hi"),
        ]),
    );
    h.sim.update(
        "r1",
        resource(&[("SlackTeamID", "T1"), ("GREETING", "hello")]),
    );
    h.sim.remove("r1");

    let add = h.expect_add(1, "r1").await;
    assert_eq!(add.msg_id.as_deref(), Some(add_id.as_str()));
    assert!(add.is_new);
    assert_eq!(add.resource_type.as_deref(), Some("SlackApp"));
    assert!(add.date.is_some());
    assert_eq!(add.resource.team_id, Some(TeamId::new("T1")));
    assert_eq!(
        add.resource.bot_token.as_ref().map(Secret::expose),
        Some("xoxb-1")
    );
    match h.message().await {
        (1, ServerMessage::UpdateResource(m)) => {
            assert_eq!(m.resource.custom["GREETING"], "hello");
            assert_eq!(m.resource.bot_token, None);
        }
        other => panic!("expected update_resource, got {other:?}"),
    }
    match h.message().await {
        (1, ServerMessage::RemoveResource(m)) => {
            assert_eq!(m.resource_id, ResourceId::from("r1"));
        }
        other => panic!("expected remove_resource, got {other:?}"),
    }
    assert!(h.sim.resources().is_empty());
    h.stop().await;
}

#[tokio::test]
async fn reconnects_after_a_drop_and_receives_the_replay() {
    let mut h = Harness::start(true, TOKEN, |_| {}).await;
    h.sim.add("r1", resource(&[("SlackTeamID", "T1")]));
    h.sim.add("r2", resource(&[("SlackTeamID", "T2")]));
    h.expect_connected(1).await;
    h.expect_auth(1, true).await;
    // Either replayed (added before the client authenticated) or pushed.
    h.expect_add(1, "r1").await;
    h.expect_add(1, "r2").await;

    h.sim.drop_clients();
    h.expect_disconnected(1).await;
    h.expect_connected(2).await;
    h.expect_auth(2, true).await;
    let replayed = h.expect_add(2, "r1").await;
    assert!(!replayed.is_new, "a replay is not a new install");
    h.expect_add(2, "r2").await;
    h.sim.wait_clients(2).await;
    assert_eq!(h.sim.auths(), vec![ID.to_owned(), ID.to_owned()]);
    assert_eq!(h.sim.clients(), 1);
    h.stop().await;
}

#[tokio::test]
async fn garbage_is_skipped_and_the_next_message_arrives() {
    let mut h = Harness::start(false, TOKEN, |_| {}).await;
    h.expect_connected(1).await;
    h.expect_auth(1, true).await;
    h.sim.wait_clients(1).await;
    h.sim.send_raw("this is not json");
    h.sim
        .send_raw(r#"{"type":"add_resource","msgID":"bad-1","resource":{}}"#);
    h.sim.send_raw(r#"{"type":"brand_new","x":1}"#);
    h.sim.add("r3", resource(&[("K", "v")]));
    assert_eq!(
        h.message().await,
        (
            1,
            ServerMessage::Unknown {
                type_name: "brand_new".into()
            }
        )
    );
    let add = h.expect_add(1, "r3").await;
    assert_eq!(add.resource.custom["K"], "v");
    h.stop().await;
}

#[tokio::test]
async fn a_stale_connection_is_closed_and_replaced() {
    let mut h = Harness::start(true, TOKEN, |c| {
        c.ping_every = Duration::from_millis(50);
        c.stale_after = Duration::from_millis(200);
    })
    .await;
    h.sim.add("r1", resource(&[("SlackTeamID", "T1")]));
    h.expect_connected(1).await;
    h.expect_auth(1, true).await;
    h.expect_add(1, "r1").await;

    // A pong is on its way to the client; from now on none follows.
    h.sim.wait_pings(1).await;
    h.sim.set_pong(false);
    let reason = h.expect_disconnected(1).await;
    assert!(reason.contains("stale"), "{reason}");

    // Never stale before a first pong, so the new session stays up.
    h.expect_connected(2).await;
    h.expect_auth(2, true).await;
    h.expect_add(2, "r1").await;
    assert_eq!(h.sim.auths().len(), 2);
    h.stop().await;
}

#[tokio::test]
async fn a_wrong_token_is_reported_and_retried_with_growing_backoff() {
    let mut h = Harness::start(true, "wrong-token", |c| {
        c.backoff_min = Duration::from_millis(40);
        c.backoff_max = Duration::from_secs(1);
    })
    .await;
    for session in 1..=2 {
        h.expect_connected(session).await;
        h.expect_auth(session, false).await;
        let reason = h.expect_disconnected(session).await;
        assert!(reason.contains("rejected"), "{reason}");
        assert!(!reason.contains("wrong-token"));
    }
    let since = Instant::now();
    h.expect_connected(3).await;
    // Third attempt: base delay 4 × 40 ms, jittered to at least half.
    // Had a rejected session reset the backoff, it would be 20–40 ms.
    assert!(
        since.elapsed() >= Duration::from_millis(40),
        "{:?}",
        since.elapsed()
    );
    h.expect_auth(3, false).await;
    let auths = h.sim.auths();
    assert!(
        auths.len() >= 3 && auths.iter().all(|id| id == ID),
        "{auths:?}"
    );
    assert_eq!(h.sim.clients(), 0);
    h.stop().await;
}

#[tokio::test]
async fn a_slow_consumer_loses_nothing() {
    let mut h = Harness::start(false, TOKEN, |_| {}).await;
    h.expect_connected(1).await;
    h.expect_auth(1, true).await;
    h.sim.wait_clients(1).await;
    let ids: Vec<String> = (0..20).map(|i| format!("r{i:02}")).collect();
    for id in &ids {
        h.sim.add(id, resource(&[("N", id)]));
    }
    for id in &ids {
        h.expect_add(1, id).await;
    }
    h.stop().await;
}

#[tokio::test]
async fn cancel_stops_the_client_during_backoff() {
    // A port nobody listens on: every connect fails, the client backs off.
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
    let addr = listener.local_addr().expect("local addr");
    drop(listener);
    let mut config = fast_config(format!("ws://{addr}/ws"), TOKEN);
    config.backoff_min = Duration::from_secs(30);
    config.backoff_max = Duration::from_secs(60);
    let (tx, mut rx) = mpsc::channel(1);
    let scope = Shutdown::new();
    scope.spawn(run(config, tx, scope.token().clone()));
    timeout(Duration::from_secs(2), scope.close())
        .await
        .expect("the client stops promptly on cancel");
    assert_eq!(rx.recv().await, None, "no session, no notice");
}

#[tokio::test]
async fn the_client_stops_when_nobody_listens() {
    let sim = Simulator::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), None)
        .await
        .expect("simulator starts");
    let (tx, rx) = mpsc::channel(1);
    drop(rx);
    let scope = Shutdown::new();
    let client = scope.spawn(run(
        fast_config(sim.url(), TOKEN),
        tx,
        scope.token().clone(),
    ));
    timeout(WAIT, client)
        .await
        .expect("the client ends on its own")
        .expect("the client does not panic");
    sim.shutdown().await;
}

#[test]
fn config_from_env() {
    let env = |pairs: &[(&str, &str)]| {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |key: &str| map.get(key).cloned()
    };
    assert_eq!(
        ResourcerConfig::from_env(env(&[])).expect("nothing set is fine"),
        None
    );
    // BEEPBOOP_TOKEN alone is the Persist API's business.
    assert_eq!(
        ResourcerConfig::from_env(env(&[("BEEPBOOP_TOKEN", "t")])).expect("token alone"),
        None
    );
    let full = ResourcerConfig::from_env(env(&[
        ("BEEPBOOP_RESOURCER", "ws://localhost:9000/ws"),
        ("BEEPBOOP_TOKEN", "t-secret"),
        ("BEEPBOOP_ID", "pod"),
    ]))
    .expect("complete")
    .expect("configured");
    assert_eq!(full.url, "ws://localhost:9000/ws");
    assert_eq!(full.id, "pod");
    assert_eq!(full.token.expose(), "t-secret");
    assert_eq!(full.ping_every, Duration::from_secs(5));
    assert_eq!(full.stale_after, Duration::from_secs(12));
    assert_eq!(
        (full.backoff_min, full.backoff_max),
        (Duration::from_secs(1), Duration::from_secs(30))
    );
    assert!(!format!("{full:?}").contains("t-secret"));

    let missing = |pairs: &[(&str, &str)]| match ResourcerConfig::from_env(env(pairs)) {
        Err(ResourcerError::MissingEnv(var)) => var,
        other => panic!("expected a missing variable, got {other:?}"),
    };
    assert_eq!(
        missing(&[("BEEPBOOP_RESOURCER", "ws://x/ws"), ("BEEPBOOP_ID", "pod")]),
        "BEEPBOOP_TOKEN"
    );
    assert_eq!(
        missing(&[("BEEPBOOP_RESOURCER", "ws://x/ws"), ("BEEPBOOP_TOKEN", "t")]),
        "BEEPBOOP_ID"
    );
    assert_eq!(
        missing(&[("BEEPBOOP_ID", "pod"), ("BEEPBOOP_TOKEN", "t")]),
        "BEEPBOOP_RESOURCER"
    );
    let err = ResourcerConfig::from_env(env(&[
        ("BEEPBOOP_RESOURCER", "http://x"),
        ("BEEPBOOP_TOKEN", "t"),
        ("BEEPBOOP_ID", "pod"),
    ]))
    .expect_err("not a ws URL");
    assert!(err.to_string().contains("BEEPBOOP_RESOURCER"));
}
