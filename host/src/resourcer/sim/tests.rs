//! The simulator seen by a bare WebSocket client: the exact frames it
//! sends and how it treats auth.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::Simulator;
use crate::secret::Secret;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

const WAIT: Duration = Duration::from_secs(10);

async fn sim(expected: Option<(&str, &str)>) -> Simulator {
    let expected = expected.map(|(id, token)| (id.to_owned(), Secret::new(token)));
    Simulator::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), expected)
        .await
        .expect("simulator starts")
}

async fn connect(sim: &Simulator, id: &str, token: &str) -> Ws {
    assert!(sim.url().starts_with("ws://127.0.0.1:") && sim.url().ends_with("/ws"));
    let (mut ws, _) = timeout(WAIT, tokio_tungstenite::connect_async(sim.url()))
        .await
        .expect("connects in time")
        .expect("connects");
    let auth = json!({"type": "auth", "id": id, "token": token}).to_string();
    ws.send(WsMessage::text(auth)).await.expect("auth sent");
    ws
}

/// The next text frame as JSON; `None` once the server closed.
async fn next_json(ws: &mut Ws) -> Option<Value> {
    loop {
        let frame = timeout(WAIT, ws.next()).await.expect("a frame in time");
        match frame {
            Some(Ok(WsMessage::Text(text))) => {
                return Some(
                    serde_json::from_str(text.as_str()).expect("the simulator sends JSON"),
                );
            }
            Some(Ok(WsMessage::Close(_)) | Err(_)) | None => return None,
            Some(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn wrong_credentials_get_a_false_auth_result_and_a_close() {
    let sim = sim(Some(("pod", "right"))).await;
    let mut ws = connect(&sim, "pod", "wrong").await;
    assert_eq!(
        next_json(&mut ws).await,
        Some(json!({"type": "auth_result", "success": "false"}))
    );
    assert_eq!(next_json(&mut ws).await, None, "closed after rejecting");
    let mut ws = connect(&sim, "other", "right").await;
    assert_eq!(
        next_json(&mut ws).await.expect("a reply")["success"],
        "false"
    );
    assert_eq!(sim.auths(), vec!["pod".to_owned(), "other".to_owned()]);
    assert_eq!(sim.clients(), 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn frames_have_the_reference_shape() {
    let sim = sim(Some(("pod", "right"))).await;
    sim.add(
        "r0",
        json!({"SlackTeamID": "T0"})
            .as_object()
            .cloned()
            .expect("a map"),
    );
    let mut ws = connect(&sim, "pod", "right").await;
    assert_eq!(
        next_json(&mut ws).await,
        Some(json!({"type": "auth_result", "ResourceID": "", "success": "true"}))
    );
    let replay = next_json(&mut ws).await.expect("the replay");
    assert_eq!(replay["type"], "add_resource");
    assert_eq!(replay["resourceID"], "r0");
    assert_eq!(replay["isNew"], false);
    sim.wait_clients(1).await;

    let resource = json!({"SlackTeamID": "T1", "SlackBotAccessToken": "xoxb-1"});
    let msg_id = sim.add("r1", resource.as_object().cloned().expect("a map"));
    let add = next_json(&mut ws).await.expect("an add");
    assert_eq!(add["type"], "add_resource");
    assert_eq!(add["msgID"], msg_id.as_str());
    assert_eq!(add["resourceID"], "r1");
    assert_eq!(add["resourceType"], "SlackApp");
    assert_eq!(add["isNew"], true);
    assert_eq!(add["resource"], resource);
    let date = add["date"].as_str().expect("a date");
    assert!(date.len() == 30 && date.ends_with('Z'), "{date}");

    let update_id = sim.update("r1", serde_json::Map::new());
    assert_ne!(update_id, msg_id);
    let update = next_json(&mut ws).await.expect("an update");
    assert_eq!(update["type"], "update_resource");
    assert!(update.get("isNew").is_none());

    sim.remove("r1");
    let remove = next_json(&mut ws).await.expect("a remove");
    assert_eq!(remove["type"], "remove_resource");
    assert_eq!(remove["resourceID"], "r1");
    assert!(remove.get("resource").is_none());
    sim.shutdown().await;
}

#[tokio::test]
async fn replay_can_be_turned_off() {
    let sim = sim(None).await;
    sim.set_replay_on_connect(false);
    sim.add("r0", serde_json::Map::new());
    let mut ws = connect(&sim, "pod", "any").await;
    assert_eq!(
        next_json(&mut ws).await.expect("auth_result")["success"],
        "true"
    );
    sim.wait_clients(1).await;
    sim.remove("r0");
    assert_eq!(
        next_json(&mut ws).await.expect("the remove")["type"],
        "remove_resource",
        "no replayed add before it"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_clients() {
    let sim = sim(None).await;
    let mut ws = connect(&sim, "pod", "any").await;
    assert_eq!(
        next_json(&mut ws).await.expect("auth_result")["success"],
        "true"
    );
    sim.wait_clients(1).await;
    timeout(WAIT, sim.shutdown())
        .await
        .expect("shutdown completes");
    assert_eq!(next_json(&mut ws).await, None);
}
