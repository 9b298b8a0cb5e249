//! One Socket Mode connection per app (app-level token), shared by every
//! workspace the app is installed in: envelopes are acked by `envelope_id`
//! before anything else, de-duplicated, and routed by team id. A
//! `disconnect` is handled make-before-break: a new socket is opened (and
//! said `hello`) while the old one keeps being read and acked, then the old
//! one is closed. Slack pings the socket; it is dead after
//! `server_ping_timeout` without one.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

use super::api::WebClient;
use super::dedupe::Seen;
use super::events::parse_slash_command;
use super::frames;
use super::link::TeamLink;
use super::rtm::{End, connect_failure, dispatch};
use super::sink::EventSink;
use super::status::LinkStatus;
use super::tuning::{Backoff, Tuning};
use crate::ids::TeamId;
use crate::metrics::Metrics;
use crate::secret::Secret;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A send or close that takes longer means the peer stalled; the app's
/// link is shared by many teams, so it must not wait on it.
const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// An app's Socket Mode link and the teams it serves.
#[derive(Debug)]
pub struct AppLink {
    pub app_id: String,
    token: Secret,
    web: WebClient,
    tuning: Tuning,
    metrics: Arc<Metrics>,
    teams: RwLock<HashMap<TeamId, Arc<TeamLink>>>,
    status: watch::Sender<LinkStatus>,
}

impl AppLink {
    pub(super) fn new(
        app_id: String,
        token: Secret,
        web: WebClient,
        tuning: Tuning,
        metrics: Arc<Metrics>,
    ) -> Arc<Self> {
        Arc::new(Self {
            app_id,
            token,
            web,
            tuning,
            metrics,
            teams: RwLock::default(),
            status: watch::channel(LinkStatus::Connecting { attempt: 0 }).0,
        })
    }

    pub(super) fn attach(&self, link: Arc<TeamLink>) {
        link.set_status(self.status());
        self.teams
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(link.team.clone(), link);
    }

    pub(super) fn detach(&self, team: &TeamId) {
        self.teams
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(team);
    }

    fn team(&self, team: &TeamId) -> Option<Arc<TeamLink>> {
        self.teams
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(team)
            .cloned()
    }

    pub fn status(&self) -> LinkStatus {
        self.status.borrow().clone()
    }

    /// The app's status is every attached team's status.
    fn set_status(&self, status: LinkStatus) {
        if *self.status.borrow() != status {
            tracing::info!(app = %self.app_id, %status, "socket mode status");
        }
        self.status.send_replace(status.clone());
        for link in self
            .teams
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
        {
            link.set_status(status.clone());
        }
    }
}

/// Runs the app's link until cancelled or a fatal error.
pub(super) async fn run(app: Arc<AppLink>, sink: Arc<dyn EventSink>, cancel: CancellationToken) {
    let mut backoff = Backoff::new(&app.tuning);
    let mut seen = Seen::new(4096);
    loop {
        app.set_status(LinkStatus::Connecting {
            attempt: backoff.attempts() + 1,
        });
        let end = match open(&app).await {
            Ok(ws) => {
                backoff.reset();
                app.set_status(LinkStatus::Connected);
                tokio::select! {
                    () = cancel.cancelled() => End::Cancelled,
                    end = serve(&app, ws, sink.as_ref(), &mut seen) => end,
                }
            }
            Err(end) => end,
        };
        let delay = match end {
            End::Cancelled => break,
            End::Fatal(status) => {
                tracing::warn!(app = %app.app_id, %status, "socket mode gives up");
                app.set_status(status);
                return;
            }
            End::Retry { reason, after } => {
                app.metrics.reconnect("socket_mode");
                let delay =
                    after.map_or_else(|| backoff.next_delay(), |a| a.max(app.tuning.backoff_min));
                app.set_status(LinkStatus::Disconnected {
                    attempts: backoff.attempts(),
                    reason,
                });
                delay
            }
            End::Reconnect(reason) => {
                app.metrics.reconnect("socket_mode");
                backoff.reset();
                app.set_status(LinkStatus::Disconnected {
                    attempts: 0,
                    reason,
                });
                backoff.next_delay()
            }
        };
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(delay) => {}
        }
    }
    app.set_status(LinkStatus::Closed);
}

/// Opens a socket and waits for `hello`.
async fn open(app: &AppLink) -> Result<Ws, End> {
    let url = app
        .web
        .apps_connections_open(&app.token)
        .await
        .map_err(|e| connect_failure(&e))?;
    let timeout = app.tuning.hello_timeout;
    let connect = tokio::time::timeout(timeout, tokio_tungstenite::connect_async(url.as_str()));
    let mut ws = match connect.await {
        Ok(Ok((ws, _))) => ws,
        Ok(Err(e)) => return Err(retry(format!("websocket connect failed: {e}"))),
        Err(_) => return Err(retry("websocket connect timed out".into())),
    };
    let hello = async {
        while let Some(frame) = ws.next().await {
            match frame {
                Ok(WsMessage::Text(text)) => {
                    let value: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                    if value.get("type").and_then(Value::as_str) == Some("hello") {
                        return true;
                    }
                }
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        false
    };
    match tokio::time::timeout(timeout, hello).await {
        Ok(true) => Ok(ws),
        Ok(false) => Err(retry("socket closed before hello".into())),
        Err(_) => Err(retry(format!("no hello within {timeout:?}"))),
    }
}

fn retry(reason: String) -> End {
    End::Retry {
        reason,
        after: None,
    }
}

/// What one frame asked for.
enum Step {
    Continue,
    /// Slack asked for a new connection (`disconnect`).
    Replace(String),
    /// The socket ended.
    End(End),
}

/// Reads a live socket. On `disconnect`, opens the replacement while still
/// reading this one, then swaps.
async fn serve(app: &AppLink, mut ws: Ws, sink: &dyn EventSink, seen: &mut Seen) -> End {
    let mut last_ping = Instant::now();
    let mut tick = tokio::time::interval(app.tuning.server_ping_timeout / 4);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let step = tokio::select! {
            frame = ws.next() => on_frame(app, &mut ws, sink, seen, frame, &mut last_ping).await,
            _ = tick.tick() => {
                if last_ping.elapsed() >= app.tuning.server_ping_timeout {
                    Step::End(retry("no ping from Slack".into()))
                } else {
                    Step::Continue
                }
            }
        };
        match step {
            Step::Continue => {}
            Step::End(end) => return end,
            Step::Replace(reason) => {
                tracing::info!(app = %app.app_id, %reason, "socket mode refresh: make before break");
                let replacement = open(app);
                tokio::pin!(replacement);
                let new_ws = loop {
                    tokio::select! {
                        opened = &mut replacement => break opened,
                        frame = ws.next() => {
                            // Keep acking what the old socket still delivers.
                            if let Step::End(_) =
                                on_frame(app, &mut ws, sink, seen, frame, &mut last_ping).await
                            {
                                // Old socket gone; just wait for the new one.
                                break replacement.await;
                            }
                        }
                    }
                };
                let _ = tokio::time::timeout(SEND_TIMEOUT, ws.close(None)).await;
                match new_ws {
                    Ok(new_ws) => {
                        ws = new_ws;
                        last_ping = Instant::now();
                        app.set_status(LinkStatus::Connected);
                    }
                    Err(end) => return end,
                }
            }
        }
    }
}

async fn on_frame(
    app: &AppLink,
    ws: &mut Ws,
    sink: &dyn EventSink,
    seen: &mut Seen,
    frame: Option<Result<WsMessage, tokio_tungstenite::tungstenite::Error>>,
    last_ping: &mut Instant,
) -> Step {
    match frame {
        Some(Ok(WsMessage::Text(text))) => on_text(app, ws, sink, seen, text.as_str()).await,
        Some(Ok(WsMessage::Ping(_))) => {
            *last_ping = Instant::now();
            // tungstenite queued the pong; make sure it goes out now.
            let _ = ws.flush().await;
            Step::Continue
        }
        Some(Ok(WsMessage::Close(_))) | None => Step::End(retry("socket closed".into())),
        Some(Ok(_)) => Step::Continue,
        Some(Err(e)) => Step::End(retry(format!("socket error: {e}"))),
    }
}

async fn on_text(
    app: &AppLink,
    ws: &mut Ws,
    sink: &dyn EventSink,
    seen: &mut Seen,
    text: &str,
) -> Step {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => {
            tracing::warn!(app = %app.app_id, error = %e, "malformed socket mode frame ignored");
            return Step::Continue;
        }
    };
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind == "disconnect" {
        let reason = value
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or("unknown")
            .to_owned();
        if reason == "link_disabled" {
            return Step::End(End::Fatal(LinkStatus::Fatal {
                reason: "socket mode disabled for the app".into(),
            }));
        }
        return Step::Replace(reason);
    }
    if kind == "hello" {
        return Step::Continue;
    }
    let Some(envelope_id) = value.get("envelope_id").and_then(Value::as_str) else {
        tracing::warn!(app = %app.app_id, kind, "socket mode frame without envelope ignored");
        return Step::Continue;
    };
    // Ack first, then process: Slack redelivers unacked envelopes.
    let ack = frames::ack(envelope_id).to_string();
    match tokio::time::timeout(SEND_TIMEOUT, ws.send(WsMessage::text(ack))).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Step::End(retry(format!("ack failed: {e}"))),
        Err(_) => return Step::End(retry("ack stalled".into())),
    }
    let payload = value.get("payload").unwrap_or(&Value::Null);
    let event_id = payload.get("event_id").and_then(Value::as_str);
    let fresh = seen.insert(envelope_id) & event_id.is_none_or(|id| seen.insert(id));
    if !fresh {
        tracing::debug!(app = %app.app_id, envelope_id, "redelivery ignored");
        return Step::Continue;
    }
    route(app, sink, kind, payload);
    Step::Continue
}

fn route(app: &AppLink, sink: &dyn EventSink, kind: &str, payload: &Value) {
    let team = payload
        .get("team_id")
        .or_else(|| payload.pointer("/team/id"))
        .and_then(Value::as_str);
    let Some(link) = team.and_then(|t| app.team(&TeamId::from(t))) else {
        tracing::warn!(app = %app.app_id, team = ?team, kind, "envelope for a team this host does not serve");
        return;
    };
    match kind {
        "events_api" => match payload.get("event") {
            Some(event) => dispatch(&link, sink, event),
            None => tracing::warn!(team = %link.team, "events_api envelope without an event"),
        },
        "slash_commands" => match parse_slash_command(payload) {
            Ok(event) => sink.deliver(&link.team, event),
            Err(e) => tracing::warn!(team = %link.team, error = %e, "slash command ignored"),
        },
        other => {
            // Interactive payloads carry the app's verification token, which
            // is shared by every workspace: never hand it to a bot.
            let mut payload = payload.clone();
            if let Some(object) = payload.as_object_mut() {
                object.remove("token");
            }
            let event = crate::event::Event::Other {
                type_name: other.to_owned(),
                raw_json: payload.to_string(),
            };
            sink.deliver(&link.team, event);
        }
    }
}
