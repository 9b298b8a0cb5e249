//! The reconnecting resourcer client: one WebSocket to the resourcer, the
//! auth frame first on every (re)connect, every parsed frame handed on as
//! a [`Notice`], a ping every few seconds to notice a dead server, and a
//! jittered exponential backoff between attempts, forever, until
//! cancelled (`protocols.md` §1.2–1.4).
//!
//! The client keeps no team state: after a reconnect the resourcer is
//! expected to replay an `add_resource` for every team, and the consumer
//! decides what a new [`Notice::Connected`] session means for the teams it
//! holds.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

use super::protocol::{Auth, ServerMessage, parse};
use crate::backoff::Backoff;
use crate::secret::Secret;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Longest wait for the TCP + WebSocket handshake.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// Longest wait to get a close frame out when leaving a connection.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// Resource messages are small; refuse anything absurd.
const MAX_MESSAGE: usize = 1 << 20;

/// Where the resourcer is and how to talk to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcerConfig {
    /// `BEEPBOOP_RESOURCER`: the full `ws://` or `wss://` URL, used verbatim.
    pub url: String,
    /// `BEEPBOOP_ID`: this bot process.
    pub id: String,
    /// `BEEPBOOP_TOKEN`.
    pub token: Secret,
    /// How often to send a WS ping (beepboop-js: 5 s).
    pub ping_every: Duration,
    /// Once a pong has been seen, the connection is stale when the last
    /// pong is older than this (beepboop-js: 12 s).
    pub stale_after: Duration,
    /// First reconnect delay; doubles, jittered, up to `backoff_max`
    /// (beepboop-js: 1 s to 30 s).
    pub backoff_min: Duration,
    pub backoff_max: Duration,
}

/// A configuration the environment did not fully give.
#[derive(Debug, thiserror::Error)]
pub enum ResourcerError {
    /// Some of the `BEEPBOOP_*` variables are set but not this one.
    #[error(
        "environment variable {0} is not set; BEEPBOOP_RESOURCER, BEEPBOOP_TOKEN and BEEPBOOP_ID go together"
    )]
    MissingEnv(&'static str),
    /// The URL is not a WebSocket URL (the value is not echoed).
    #[error("{0} must be a ws:// or wss:// URL")]
    InvalidUrl(&'static str),
}

impl ResourcerConfig {
    /// A configuration with beepboop-js's timings.
    pub fn new(url: impl Into<String>, id: impl Into<String>, token: Secret) -> Self {
        Self {
            url: url.into(),
            id: id.into(),
            token,
            ping_every: Duration::from_secs(5),
            stale_after: Duration::from_secs(12),
            backoff_min: Duration::from_secs(1),
            backoff_max: Duration::from_secs(30),
        }
    }

    /// Reads `BEEPBOOP_RESOURCER`, `BEEPBOOP_TOKEN` and `BEEPBOOP_ID`
    /// through `get` (e.g. `|k| std::env::var(k).ok()`); an empty value
    /// counts as unset.
    ///
    /// `Ok(None)` when `BEEPBOOP_RESOURCER` and `BEEPBOOP_ID` are both
    /// unset: the host is not run by a resourcer. `BEEPBOOP_TOKEN` alone
    /// does not count, as it is also the Persist API's token.
    ///
    /// # Errors
    /// [`ResourcerError::MissingEnv`] naming the first missing variable
    /// when only some are set; [`ResourcerError::InvalidUrl`] when
    /// `BEEPBOOP_RESOURCER` is not a `ws://` or `wss://` URL.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ResourcerError> {
        let var = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let url = var("BEEPBOOP_RESOURCER");
        let id = var("BEEPBOOP_ID");
        let token = var("BEEPBOOP_TOKEN");
        let Some(url) = url else {
            return match id {
                None => Ok(None),
                Some(_) => Err(ResourcerError::MissingEnv("BEEPBOOP_RESOURCER")),
            };
        };
        let id = id.ok_or(ResourcerError::MissingEnv("BEEPBOOP_ID"))?;
        let token = token.ok_or(ResourcerError::MissingEnv("BEEPBOOP_TOKEN"))?;
        let lower = url.trim().to_ascii_lowercase();
        if !(lower.starts_with("ws://") || lower.starts_with("wss://")) {
            return Err(ResourcerError::InvalidUrl("BEEPBOOP_RESOURCER"));
        }
        Ok(Some(Self::new(url.trim(), id, Secret::new(token))))
    }
}

/// What the client tells its consumer, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "a few notices per team per reconnect; boxing would only add an allocation"
)]
pub enum Notice {
    /// A connection is open and the auth frame went out. `session` counts
    /// successful connects from 1; every later notice until the next
    /// `Connected` belongs to it. The resourcer will replay its teams.
    Connected { session: u64 },
    /// A parsed frame, including `auth_result` and unknown types.
    Message {
        session: u64,
        message: ServerMessage,
    },
    /// The session ended (closed, failed, stale or rejected); a reconnect
    /// follows after a backoff.
    Disconnected { session: u64, reason: String },
}

/// Runs the client until `cancel` fires or `notices`' receiver is dropped.
///
/// Never fails: connection problems are logged and retried forever with
/// a jittered exponential backoff (`backoff_min` doubling to
/// `backoff_max`). The backoff resets once a session proves healthy (a
/// frame or pong arrived and the auth was not rejected), so a server that
/// accepts sockets and then rejects the token, or drops them at once, is
/// retried ever more slowly instead of every second. Failed connects emit
/// no notice; they are only logged.
///
/// Sending to `notices` awaits: a slow consumer slows the client rather
/// than losing frames. Time spent waiting on it does not count towards
/// staleness. Stops promptly on `cancel`, at any await, sending a close
/// frame if a connection is open; no `Disconnected` follows a cancel.
pub async fn run(
    config: ResourcerConfig,
    notices: mpsc::Sender<Notice>,
    cancel: CancellationToken,
) {
    let mut backoff = Backoff::new(config.backoff_min, config.backoff_max).jittered();
    let mut session = 0u64;
    let out = Outbox {
        notices: &notices,
        cancel: &cancel,
    };
    loop {
        match connect(&config, &cancel).await {
            Opened::Cancelled => return,
            Opened::Failed(reason) => {
                tracing::warn!(url = config.url.as_str(), %reason, "resourcer: connect failed");
            }
            Opened::Ready(ws) => {
                session += 1;
                tracing::info!(url = config.url.as_str(), session, "resourcer: connected");
                if out.send(Notice::Connected { session }).await.is_err() {
                    return;
                }
                let ended = serve(ws, session, &config, &out).await;
                let Ended::Lost { reason, healthy } = ended else {
                    return;
                };
                if healthy {
                    backoff.succeed();
                }
                tracing::warn!(session, %reason, "resourcer: disconnected");
                if out
                    .send(Notice::Disconnected { session, reason })
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
        let delay = backoff.fail();
        tracing::debug!(
            ?delay,
            attempt = backoff.failures(),
            "resourcer: reconnecting"
        );
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
        }
    }
}

/// The notice channel, watched together with the cancel token so a full
/// channel never delays shutdown.
struct Outbox<'a> {
    notices: &'a mpsc::Sender<Notice>,
    cancel: &'a CancellationToken,
}

/// The client should stop: cancelled, or nobody listens any more.
struct Stop;

impl Outbox<'_> {
    async fn send(&self, notice: Notice) -> Result<(), Stop> {
        tokio::select! {
            biased;
            () = self.cancel.cancelled() => Err(Stop),
            sent = self.notices.send(notice) => sent.map_err(|_| {
                tracing::debug!("resourcer: notice receiver dropped; stopping");
                Stop
            }),
        }
    }
}

enum Opened {
    Ready(Box<Ws>),
    Failed(String),
    Cancelled,
}

/// Opens the socket and sends the auth frame.
async fn connect(config: &ResourcerConfig, cancel: &CancellationToken) -> Opened {
    let ws_config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let open = async {
        let connect = tokio_tungstenite::connect_async_with_config(
            config.url.as_str(),
            Some(ws_config),
            true,
        );
        let (mut ws, _response) = match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
            Ok(Ok(opened)) => opened,
            Ok(Err(e)) => return Opened::Failed(format!("websocket connect failed: {e}")),
            Err(_) => return Opened::Failed(format!("no connection within {CONNECT_TIMEOUT:?}")),
        };
        let auth = Auth {
            id: config.id.clone(),
            token: config.token.clone(),
        };
        match ws.send(WsMessage::text(auth.to_json())).await {
            Ok(()) => Opened::Ready(Box::new(ws)),
            // tungstenite's errors never include the frame sent.
            Err(e) => Opened::Failed(format!("sending the auth frame failed: {e}")),
        }
    };
    tokio::select! {
        () = cancel.cancelled() => Opened::Cancelled,
        opened = open => opened,
    }
}

enum Ended {
    /// The connection is gone; `healthy` says whether it proved itself
    /// before (resets the backoff).
    Lost {
        reason: String,
        healthy: bool,
    },
    Stop,
}

/// Reads one connection until it ends.
async fn serve(mut ws: Box<Ws>, session: u64, config: &ResourcerConfig, out: &Outbox<'_>) -> Ended {
    let mut ping = tokio::time::interval_at(Instant::now() + config.ping_every, config.ping_every);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_pong: Option<Instant> = None;
    let mut healthy = false;
    let mut rejected = false;
    loop {
        tokio::select! {
            biased;
            () = out.cancel.cancelled() => {
                close_quietly(&mut ws).await;
                return Ended::Stop;
            }
            _ = ping.tick() => {
                if let Some(seen) = last_pong {
                    let age = seen.elapsed();
                    if age > config.stale_after {
                        close_quietly(&mut ws).await;
                        let reason = format!("stale: no pong for {age:?}");
                        return lost(reason, healthy, rejected);
                    }
                }
                if let Err(e) = ws.send(WsMessage::Ping(bytes::Bytes::new())).await {
                    return lost(format!("sending a ping failed: {e}"), healthy, rejected);
                }
            }
            frame = ws.next() => match frame {
                None => return lost("connection ended".into(), healthy, rejected),
                Some(Err(e)) => return lost(format!("connection failed: {e}"), healthy, rejected),
                Some(Ok(WsMessage::Close(frame))) => {
                    let reason = match frame {
                        Some(f) => format!("closed by the resourcer ({} {})", f.code, f.reason),
                        None => "closed by the resourcer".to_owned(),
                    };
                    return lost(reason, healthy, rejected);
                }
                Some(Ok(WsMessage::Pong(_))) => {
                    last_pong = Some(Instant::now());
                    healthy = true;
                }
                Some(Ok(WsMessage::Ping(_))) => {
                    // tungstenite queued the pong; get it out now.
                    if let Err(e) = ws.flush().await {
                        return lost(format!("answering a ping failed: {e}"), healthy, rejected);
                    }
                }
                Some(Ok(WsMessage::Text(text))) => {
                    let message = match parse(text.as_str()) {
                        Ok(message) => message,
                        Err(e) => {
                            tracing::warn!(session, msg_id = e.msg_id(), error = %e, "resourcer: malformed frame skipped");
                            continue;
                        }
                    };
                    match &message {
                        ServerMessage::AuthResult { success: false, .. } => {
                            tracing::error!(session, id = config.id.as_str(), "resourcer: auth rejected (check BEEPBOOP_ID and BEEPBOOP_TOKEN)");
                            rejected = true;
                        }
                        ServerMessage::AuthResult { success: true, resource_id } => {
                            tracing::info!(session, resource_id = resource_id.as_deref(), "resourcer: auth accepted");
                            healthy = true;
                        }
                        ServerMessage::Unknown { type_name } => {
                            tracing::info!(session, type_name = type_name.as_str(), "resourcer: unknown message type ignored");
                            healthy = true;
                        }
                        _ => healthy = true,
                    }
                    let waiting = Instant::now();
                    if out.send(Notice::Message { session, message }).await.is_err() {
                        close_quietly(&mut ws).await;
                        return Ended::Stop;
                    }
                    // Time spent blocked on the consumer is time we were
                    // not reading pongs: do not hold it against the server.
                    if let Some(seen) = &mut last_pong {
                        *seen = (*seen + waiting.elapsed()).min(Instant::now());
                    }
                }
                Some(Ok(WsMessage::Binary(_))) => {
                    tracing::warn!(session, "resourcer: binary frame ignored");
                }
                Some(Ok(WsMessage::Frame(_))) => {}
            },
        }
    }
}

/// How a session ended; a rejected auth never counts as healthy and is
/// named in the reason.
fn lost(reason: String, healthy: bool, rejected: bool) -> Ended {
    if rejected {
        Ended::Lost {
            reason: format!("auth rejected by the resourcer; {reason}"),
            healthy: false,
        }
    } else {
        Ended::Lost { reason, healthy }
    }
}

/// Sends a close frame if it goes out quickly; the socket is dropped
/// either way.
async fn close_quietly(ws: &mut Ws) {
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, ws.close(None)).await;
}
