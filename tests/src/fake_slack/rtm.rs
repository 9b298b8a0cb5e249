//! The RTM socket (`/rtm/{ticket}`) and the scenario's controls over it.
//!
//! A socket opened with a fresh ticket gets `hello` (unless disabled), has
//! its JSON `ping` and `message` frames answered and every JSON frame
//! recorded. A used, expired or unknown ticket gets Slack's
//! "Socket URL has expired" error frame and a close.

use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::FakeSlack;
use super::conn::{self, Command, ConnHandle, End, MAX_MESSAGE};
use super::state::{Inner, Shared};
use super::wait::wait_for;

/// Slack disconnects a client whose frame (the whole JSON) exceeds this.
const MAX_CLIENT_FRAME: usize = 16 * 1024;

/// What a connecting ticket entitles the socket to.
#[derive(Debug)]
enum Admission {
    /// A fresh ticket of `team`.
    Accept {
        team: String,
        token: String,
        hello: bool,
    },
    /// Used, expired or revoked (`Some(team)`) or never issued (`None`).
    Reject(Option<String>),
}

/// Upgrades `/rtm/{ticket}` to a WebSocket.
pub(crate) async fn upgrade(
    State(shared): State<Arc<Shared>>,
    Path(ticket): Path<String>,
    ws: WebSocketUpgrade,
) -> Response {
    let admission = admit(&mut shared.lock(), &ticket);
    // Held by the socket's task: shutdown waits for it.
    let tracked = shared.tracker.token();
    ws.max_message_size(MAX_MESSAGE)
        .on_upgrade(move |socket| async move {
            match admission {
                Admission::Accept { team, token, hello } => {
                    serve(&shared, socket, &team, &token, hello).await;
                }
                Admission::Reject(team) => reject(&shared, socket, team).await,
            }
            drop(tracked);
        })
}

fn admit(inner: &mut Inner, ticket: &str) -> Admission {
    let Some(entry) = inner.rtm_tickets.get_mut(ticket) else {
        return Admission::Reject(None);
    };
    let team = entry.owner.clone();
    if !entry.redeem(Instant::now(), &inner.revoked) {
        return Admission::Reject(Some(team));
    }
    let token = entry.token.clone();
    let hello = inner.rtm_team(&team).send_hello;
    Admission::Accept { team, token, hello }
}

async fn reject(shared: &Shared, mut socket: WebSocket, team: Option<String>) {
    if let Some(team) = team {
        shared.lock().rtm_team(&team).opened += 1;
        shared.notify();
    }
    let error = json!({"type": "error", "error": {"code": 1, "msg": "Socket URL has expired"}});
    if socket.send(conn::json_frame(&error)).await.is_ok() {
        conn::finish(
            socket,
            End::Close(1000, "socket URL has expired"),
            &shared.cancel,
        )
        .await;
    }
}

/// Runs one accepted socket until it ends.
async fn serve(shared: &Shared, mut socket: WebSocket, team: &str, token: &str, hello: bool) {
    let (handle, mut commands) = {
        let mut inner = shared.lock();
        let (handle, commands) = ConnHandle::new(inner.next_seq(), token);
        let rtm = inner.rtm_team(team);
        rtm.opened += 1;
        rtm.live.push(handle.clone());
        (handle, commands)
    };
    shared.notify();

    let mut end = End::Gone;
    if hello {
        if socket
            .send(conn::json_frame(&json!({"type": "hello"})))
            .await
            .is_ok()
        {
            shared.lock().rtm_team(team).hellos += 1;
            shared.notify();
        } else {
            end = End::Drop;
        }
    }
    if !matches!(end, End::Drop) {
        end = run(shared, &mut socket, team, &mut commands).await;
    }

    shared
        .lock()
        .rtm_team(team)
        .live
        .retain(|live| live.id != handle.id);
    shared.notify();
    conn::finish(socket, end, &shared.cancel).await;
}

async fn run(
    shared: &Shared,
    socket: &mut WebSocket,
    team: &str,
    commands: &mut tokio::sync::mpsc::Receiver<Command>,
) -> End {
    loop {
        tokio::select! {
            biased;
            () = shared.cancel.cancelled() => return End::Close(1001, "server shutting down"),
            Some(command) = commands.recv() => {
                if let Some(end) = conn::perform(socket, command).await {
                    return end;
                }
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    if text.len() > MAX_CLIENT_FRAME {
                        return End::Close(1009, "message too big");
                    }
                    if let Some(reply) = on_frame(shared, team, text.as_str())
                        && socket.send(conn::json_frame(&reply)).await.is_err()
                    {
                        return End::Drop;
                    }
                }
                // Pings are answered by the WebSocket layer; after a close
                // frame the next read completes the handshake and ends.
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return End::Gone,
            },
        }
    }
}

/// Records a client frame and returns the fake's reply, if any.
fn on_frame(shared: &Shared, team: &str, text: &str) -> Option<Value> {
    // Non-JSON frames are neither recorded nor answered.
    let frame: Value = serde_json::from_str(text).ok()?;
    let reply = {
        let mut inner = shared.lock();
        inner.rtm_team(team).frames.push(frame.clone());
        let fields = frame.as_object();
        match fields.and_then(|f| f.get("type")).and_then(Value::as_str) {
            Some("ping") => fields.map(pong),
            Some("message") => fields.and_then(|f| message_reply(&mut inner, team, f)),
            _ => None,
        }
    };
    shared.notify();
    reply
}

/// `pong` echoing the ping's scalar fields, `reply_to` its `id`.
fn pong(ping: &Map<String, Value>) -> Value {
    let mut pong = Map::new();
    pong.insert("type".to_owned(), json!("pong"));
    for (key, value) in ping {
        match key.as_str() {
            "type" => {}
            "id" => {
                pong.insert("reply_to".to_owned(), value.clone());
            }
            _ if !value.is_object() && !value.is_array() => {
                pong.insert(key.clone(), value.clone());
            }
            _ => {}
        }
    }
    Value::Object(pong)
}

/// The ack of a client `message` frame (none without an `id`).
fn message_reply(inner: &mut Inner, team: &str, message: &Map<String, Value>) -> Option<Value> {
    let id = message.get("id")?.clone();
    let text = message.get("text").and_then(Value::as_str).unwrap_or("");
    if text.is_empty() {
        return Some(json!({
            "ok": false, "reply_to": id,
            "error": {"code": 2, "msg": "message text is missing"},
        }));
    }
    let ts = inner.next_ts();
    let channel = message.get("channel").and_then(Value::as_str).unwrap_or("");
    let bot_user = inner
        .teams
        .get(team)
        .map(|t| t.ws.bot_user_id.clone())
        .unwrap_or_default();
    inner.store_message(team, channel, &ts, &bot_user, text);
    Some(json!({"ok": true, "reply_to": id, "ts": ts, "text": text}))
}

/// RTM controls. "Live sockets" are those of the team still open; the
/// injecting calls panic when there is none, since a frame sent into the
/// void would only surface later as a puzzling timeout.
impl FakeSlack {
    /// Makes the next `rtm.connect` URL of `team` already expired: its
    /// socket gets `{"type":"error","error":{"code":1,…}}` and a close.
    pub fn expire_next_rtm_url(&self, team: &str) {
        self.shared.lock().rtm_team(team).expire_next = true;
    }

    /// Waits until the `nth` (1-based) RTM socket of `team` has been sent
    /// `hello`.
    ///
    /// # Panics
    /// After 10 s (wall clock), saying how many sockets there were.
    pub async fn wait_rtm_connected(&self, team: &str, nth: usize) {
        wait_for(
            &self.shared,
            &format!("RTM hello #{nth} of team {team}"),
            |inner| rtm_summary(inner, team),
            |inner| (inner.rtm.get(team)?.hellos >= nth).then_some(()),
        )
        .await;
    }

    /// RTM sockets opened for `team` so far: every socket that presented a
    /// ticket of the team, including rejected (used/expired) ones and ones
    /// that never got `hello`.
    pub fn rtm_connections(&self, team: &str) -> usize {
        self.shared.lock().rtm.get(team).map_or(0, |rtm| rtm.opened)
    }

    /// Sends `frame` to the team's live socket(s).
    pub fn rtm_send(&self, team: &str, frame: Value) {
        self.rtm_command(team, &Command::Send(frame.to_string()), "send a frame");
    }

    /// Sends `text` as is (e.g. malformed JSON) to the team's live socket(s).
    pub fn rtm_send_raw(&self, team: &str, text: &str) {
        self.rtm_command(team, &Command::Send(text.to_owned()), "send a raw frame");
    }

    /// `user` says `text` in `channel`: sends the `message` event and
    /// returns its `ts`. The fake remembers the message, so the bot may
    /// react to it.
    pub fn rtm_message(&self, team: &str, channel: &str, user: &str, text: &str) -> String {
        let ts = {
            let mut inner = self.shared.lock();
            let ts = inner.next_ts();
            inner.store_message(team, channel, &ts, user, text);
            ts
        };
        let event = json!({
            "type": "message", "channel": channel, "user": user, "text": text,
            "ts": ts, "event_ts": ts, "team": team,
        });
        self.rtm_command(team, &Command::Send(event.to_string()), "send a message");
        ts
    }

    /// Sends `{"type":"goodbye"}`, then closes (code 1000).
    pub fn rtm_goodbye(&self, team: &str) {
        let goodbye = json!({"type": "goodbye"}).to_string();
        self.rtm_command(team, &Command::SendAndClose(goodbye), "say goodbye");
    }

    /// Sends `{"type":"team_migration_started"}`, then closes (code 1000).
    /// To make the following `rtm.connect` fail as Slack may, queue
    /// `Fault::SlackError("migration_in_progress")`.
    pub fn rtm_migration(&self, team: &str) {
        let frame = json!({"type": "team_migration_started"}).to_string();
        self.rtm_command(team, &Command::SendAndClose(frame), "start a migration");
    }

    /// Drops the team's socket(s) without a close frame (the TCP connection
    /// just ends).
    pub fn rtm_drop(&self, team: &str) {
        self.rtm_command(team, &Command::Drop, "drop the connection");
    }

    /// Whether sockets opened from now on get `hello` (default: yes).
    pub fn rtm_set_hello(&self, team: &str, send_hello: bool) {
        self.shared.lock().rtm_team(team).send_hello = send_hello;
    }

    /// Every JSON frame the client sent on the team's RTM sockets, in order.
    pub fn rtm_frames(&self, team: &str) -> Vec<Value> {
        self.shared
            .lock()
            .rtm
            .get(team)
            .map(|rtm| rtm.frames.clone())
            .unwrap_or_default()
    }

    /// Waits until the client has sent at least `n` JSON frames on the
    /// team's RTM sockets, and returns them all. (Not in the original
    /// brief: lets a scenario wait for, say, the client's `ping`.)
    ///
    /// # Panics
    /// After 10 s (wall clock), listing the frames so far.
    pub async fn wait_rtm_frames(&self, team: &str, n: usize) -> Vec<Value> {
        wait_for(
            &self.shared,
            &format!("{n} RTM frames from team {team}"),
            |inner| rtm_summary(inner, team),
            |inner| {
                let frames = &inner.rtm.get(team)?.frames;
                (frames.len() >= n).then(|| frames.clone())
            },
        )
        .await
    }

    fn rtm_command(&self, team: &str, command: &Command, what: &str) {
        let targets = self
            .shared
            .lock()
            .rtm
            .get(team)
            .map(|rtm| rtm.live.clone())
            .unwrap_or_default();
        conn::deliver(&targets, command, &format!("{what} (RTM, team {team})"));
    }
}

fn rtm_summary(inner: &Inner, team: &str) -> String {
    match inner.rtm.get(team) {
        None => format!("team {team} never opened an RTM socket"),
        Some(rtm) => format!(
            "team {team}: {} sockets opened, {} got hello, {} live; client frames: {:?}",
            rtm.opened,
            rtm.hellos,
            rtm.live.len(),
            rtm.frames
        ),
    }
}
