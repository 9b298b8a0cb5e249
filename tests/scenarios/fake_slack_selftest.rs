//! The fake Slack speaks the real protocols: checked here with raw clients
//! (reqwest, tokio-tungstenite) so host scenarios can trust it.

use std::time::Duration;

use bothost_tests::fake_slack::{FakeSlack, Fault, Workspace};
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Upper bound for one expected frame; a healthy loopback answers in ms.
const FRAME_WAIT: Duration = Duration::from_secs(5);

async fn fake_with_team() -> FakeSlack {
    let fake = FakeSlack::start().await;
    fake.add_workspace(Workspace::new("T1", "xoxb-t1"));
    fake
}

/// Calls `method` with a bearer token and form arguments.
async fn call(fake: &FakeSlack, method: &str, token: &str, form: &[(&str, &str)]) -> Value {
    reqwest::Client::new()
        .post(fake.base_url() + method)
        .bearer_auth(token)
        .form(form)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON answer")
}

/// The next frame of `ws`: text frames parsed as JSON, other kinds as is.
async fn next_frame(ws: &mut Ws) -> Message {
    tokio::time::timeout(FRAME_WAIT, ws.next())
        .await
        .expect("a frame in time")
        .expect("socket open")
        .expect("frame readable")
}

/// The next text frame of `ws`, as JSON (WS pings are skipped).
async fn next_json(ws: &mut Ws) -> Value {
    loop {
        match next_frame(ws).await {
            Message::Text(text) => return serde_json::from_str(text.as_str()).expect("JSON frame"),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

async fn send_json(ws: &mut Ws, value: Value) {
    ws.send(Message::text(value.to_string()))
        .await
        .expect("send frame");
}

#[tokio::test]
async fn auth_test_answers_known_tokens_only() {
    let fake = fake_with_team().await;

    let ok = call(&fake, "auth.test", "xoxb-t1", &[]).await;
    assert_eq!(ok["ok"], true, "{ok}");
    assert_eq!(ok["team_id"], "T1");
    assert_eq!(ok["user_id"], "UT1BOT");
    assert_eq!(ok["bot_id"], "BT1");
    assert_eq!(ok["url"], "https://team-t1.slack.com/");

    let bad = call(&fake, "auth.test", "xoxb-nope", &[]).await;
    assert_eq!(bad, json!({"ok": false, "error": "invalid_auth"}));

    // The token may also come as a form parameter; it is never recorded.
    let client = reqwest::Client::new();
    let as_param: Value = client
        .post(fake.base_url() + "auth.test")
        .form(&[("token", "xoxb-t1")])
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON answer");
    assert_eq!(as_param["ok"], true);
    let missing: Value = client
        .get(fake.base_url() + "auth.test")
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON answer");
    assert_eq!(missing["error"], "not_authed");

    let calls = fake.calls("auth.test");
    let oks: Vec<bool> = calls.iter().map(|c| c.ok).collect();
    assert_eq!(oks, [true, false, true, false]);
    assert_eq!(calls[2].team.as_deref(), Some("T1"));
    assert_eq!(calls[2].params, json!({}));
    fake.shutdown().await;
}

#[tokio::test]
async fn users_list_pages_through_everyone() {
    let fake = FakeSlack::start().await;
    let mut ws = Workspace::new("T1", "xoxb-t1");
    ws.users
        .extend((0..5).map(|i| (format!("UT1X{i}"), format!("user{i}"))));
    fake.add_workspace(ws);

    let mut ids = Vec::new();
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let page = call(
            &fake,
            "users.list",
            "xoxb-t1",
            &[("limit", "3"), ("cursor", &cursor)],
        )
        .await;
        assert_eq!(page["ok"], true, "{page}");
        let members = page["members"].as_array().expect("members");
        assert!(members.len() <= 3);
        ids.extend(
            members
                .iter()
                .map(|m| m["id"].as_str().expect("id").to_owned()),
        );
        pages += 1;
        cursor = page["response_metadata"]["next_cursor"]
            .as_str()
            .expect("next_cursor")
            .to_owned();
        if cursor.is_empty() {
            break;
        }
    }
    // alice, bob, five more and the bot itself.
    assert_eq!(pages, 3);
    assert_eq!(ids.len(), 8);
    assert!(ids.contains(&"UT1BOT".to_owned()));

    let bad = call(&fake, "users.list", "xoxb-t1", &[("cursor", "garbage")]).await;
    assert_eq!(bad["error"], "invalid_cursor");
    fake.shutdown().await;
}

#[tokio::test]
async fn rtm_session_hello_ping_message_and_single_use_url() {
    let fake = fake_with_team().await;
    let connect = call(&fake, "rtm.connect", "xoxb-t1", &[]).await;
    assert_eq!(connect["self"]["id"], "UT1BOT", "{connect}");
    let url = connect["url"].as_str().expect("url").to_owned();
    assert!(url.starts_with("ws://127.0.0.1:"), "{url}");

    let (mut ws, _) = connect_async(&url).await.expect("RTM connect");
    assert_eq!(next_json(&mut ws).await, json!({"type": "hello"}));
    fake.wait_rtm_connected("T1", 1).await;

    send_json(&mut ws, json!({"id": 1, "type": "ping", "time": 42})).await;
    assert_eq!(
        next_json(&mut ws).await,
        json!({"type": "pong", "reply_to": 1, "time": 42})
    );

    let ts = fake.rtm_message("T1", "CT1GENERAL", "UT1ALICE", "hi bot");
    let event = next_json(&mut ws).await;
    assert_eq!(event["type"], "message");
    assert_eq!(event["text"], "hi bot");
    assert_eq!(event["ts"], ts.as_str());

    send_json(
        &mut ws,
        json!({"id": 2, "type": "message", "channel": "CT1GENERAL", "text": "hello"}),
    )
    .await;
    let reply = next_json(&mut ws).await;
    assert_eq!(reply["ok"], true);
    assert_eq!(reply["reply_to"], 2);
    assert_eq!(fake.rtm_frames("T1").len(), 2);

    // The URL was single use.
    let (mut again, _) = connect_async(&url).await.expect("second connect");
    let error = next_json(&mut again).await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["error"]["code"], 1);
    assert!(matches!(next_frame(&mut again).await, Message::Close(_)));
    assert_eq!(fake.rtm_connections("T1"), 2);

    fake.rtm_goodbye("T1");
    assert_eq!(next_json(&mut ws).await, json!({"type": "goodbye"}));
    assert!(matches!(next_frame(&mut ws).await, Message::Close(_)));
    fake.shutdown().await;
}

#[tokio::test]
async fn rate_limit_fault_carries_retry_after() {
    let fake = fake_with_team().await;
    fake.fail_next(
        "chat.postMessage",
        Fault::RateLimited {
            retry_after_secs: 3,
        },
    );
    let client = reqwest::Client::new();
    let post = || {
        client
            .post(fake.base_url() + "chat.postMessage")
            .bearer_auth("xoxb-t1")
            .json(&json!({"channel": "CT1GENERAL", "text": "hello"}))
            .send()
    };

    let limited = post().await.expect("request");
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["retry-after"], "3");
    let body: Value = limited.json().await.expect("JSON answer");
    assert_eq!(body, json!({"ok": false, "error": "ratelimited"}));

    let ok: Value = post().await.expect("request").json().await.expect("JSON");
    assert_eq!(ok["ok"], true, "{ok}");
    let posts = fake.wait_posts(1).await;
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].text, "hello");
    assert_eq!(posts[0].ts, ok["ts"].as_str().expect("ts"));
    let oks: Vec<bool> = fake
        .calls("chat.postMessage")
        .iter()
        .map(|c| c.ok)
        .collect();
    assert_eq!(oks, [false, true]);
    fake.shutdown().await;
}

#[tokio::test]
async fn socket_mode_hello_envelope_ack_and_pings() {
    let fake = fake_with_team().await;
    fake.add_app("A1", "xapp-a1", &["T1"]);

    // The app token is accepted in the header only.
    let as_param: Value = reqwest::Client::new()
        .post(fake.base_url() + "apps.connections.open")
        .form(&[("token", "xapp-a1")])
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON answer");
    assert_eq!(as_param["error"], "not_authed");
    let open = call(&fake, "apps.connections.open", "xapp-a1", &[]).await;
    let url = open["url"].as_str().expect("url").to_owned();

    let (mut ws, _) = connect_async(&url).await.expect("Socket Mode connect");
    let hello = next_json(&mut ws).await;
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["num_connections"], 1);
    assert_eq!(hello["connection_info"]["app_id"], "A1");
    fake.wait_socket_connected("A1", 1).await;
    assert_eq!(fake.socket_live("A1"), 1);

    let event = json!({"type": "app_mention", "text": "<@UT1BOT> hi", "user": "UT1ALICE"});
    let id = fake.socket_event("A1", "T1", event.clone());
    let envelope = next_json(&mut ws).await;
    assert_eq!(envelope["envelope_id"], id.as_str());
    assert_eq!(envelope["type"], "events_api");
    assert_eq!(envelope["retry_attempt"], 0);
    assert_eq!(envelope["payload"]["team_id"], "T1");
    assert_eq!(envelope["payload"]["event"], event);

    send_json(&mut ws, json!({"envelope_id": id})).await;
    assert_eq!(fake.wait_socket_acks("A1", 1).await, [id.as_str()]);

    fake.socket_redeliver("A1", &id);
    let again = next_json(&mut ws).await;
    assert_eq!(again["envelope_id"], id.as_str());
    assert_eq!(again["retry_attempt"], 1);
    assert_eq!(again["retry_reason"], "timeout");

    // Server pings come at the configured interval.
    fake.socket_set_ping_interval("A1", Some(Duration::from_millis(20)));
    assert!(matches!(next_frame(&mut ws).await, Message::Ping(_)));

    // Shutdown closes the socket politely and returns.
    tokio::time::timeout(FRAME_WAIT, fake.shutdown())
        .await
        .expect("shutdown in time");
}
