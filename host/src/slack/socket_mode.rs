//! One Socket Mode connection per app (app-level token), shared by every
//! workspace the app is installed in: envelopes are acked by `envelope_id`
//! before anything else, de-duplicated, and routed by team id. A
//! `disconnect` is handled make-before-break: a new socket is opened (and
//! said `hello`) while the old one keeps being read and acked, then the old
//! one is closed. Slack pings the socket; it is dead after
//! `server_ping_timeout` without one. Reconnecting after anything else is
//! the shared driver's job ([`connection`](super::connection)).

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::api::WebClient;
use super::connection::{
    CONNECT_PERMIT_WAIT, End, SEND_TIMEOUT, Transport, Ws, connect_failure, drive, open_socket,
    retry,
};
use super::dedupe::Seen;
use super::frames;
use super::link::TeamLink;
use super::ratelimit::{Method, RateLimiter};
use super::routes::{AppRoutes, PayloadKind, Uninstall};
use super::tuning::Tuning;
use crate::chat::LinkStatus;
use crate::event::EventSink;
use crate::ids::TeamId;
use crate::metrics::Metrics;
use crate::secret::Secret;

/// An app's Socket Mode link and the teams it serves.
#[derive(Debug)]
pub struct AppLink {
    pub app_id: String,
    token: Secret,
    web: WebClient,
    /// The app token's own scheduler: `apps.connections.open` is limited
    /// per app, not per team.
    limiter: RateLimiter,
    tuning: Tuning,
    metrics: Arc<Metrics>,
    /// The app's routing table: each attached team's link and inbox.
    routes: AppRoutes,
    status: watch::Sender<LinkStatus>,
}

impl AppLink {
    pub(super) fn new(
        app_id: String,
        token: Secret,
        web: WebClient,
        limiter: RateLimiter,
        tuning: Tuning,
        metrics: Arc<Metrics>,
        uninstalls: mpsc::Sender<Uninstall>,
    ) -> Arc<Self> {
        Arc::new(Self {
            routes: AppRoutes::new(app_id.clone(), uninstalls),
            app_id,
            token,
            web,
            limiter,
            tuning,
            metrics,
            status: watch::channel(LinkStatus::Connecting { attempt: 0 }).0,
        })
    }

    pub(super) fn attach(&self, link: Arc<TeamLink>, sink: Arc<dyn EventSink>) {
        link.set_status(self.status());
        self.routes.attach(link, sink);
    }

    pub(super) fn detach(&self, team: &TeamId) {
        self.routes.detach(team);
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
        self.routes.set_status(&status);
    }
}

/// Runs the app's link until cancelled or a fatal error.
pub(super) async fn run(app: Arc<AppLink>, cancel: CancellationToken) {
    let span = tracing::info_span!("socket_mode", app = %app.app_id);
    let backoff = app.tuning.backoff();
    let metrics = app.metrics.clone();
    let socket_mode = SocketMode {
        app,
        seen: Seen::new(4096),
    };
    drive(socket_mode, backoff, metrics, cancel)
        .instrument(span)
        .await;
}

/// The Socket Mode side of an app's link.
struct SocketMode {
    app: Arc<AppLink>,
    /// Envelope and event ids already handled, across sockets: Slack
    /// redelivers what a dropped socket did not ack.
    seen: Seen,
}

impl Transport for SocketMode {
    type Session = Ws;
    const NAME: &'static str = "socket mode";
    const KIND: &'static str = "socket_mode";

    fn report(&self, status: LinkStatus) {
        self.app.set_status(status);
    }

    async fn open(&mut self) -> Result<Ws, End> {
        open(&self.app).await
    }

    async fn serve(&mut self, ws: Ws) -> End {
        serve(&self.app, ws, &mut self.seen).await
    }
}

/// Asks for a socket URL under the app's scheduler, opens the socket and
/// waits for `hello`.
async fn open(app: &AppLink) -> Result<Ws, End> {
    let url = app
        .limiter
        .call_once(
            Method::AppsConnectionsOpen,
            None,
            CONNECT_PERMIT_WAIT,
            || app.web.apps_connections_open(&app.token),
        )
        .await
        .map_err(|e| connect_failure(&e))?;
    open_socket(url.as_str(), app.tuning.hello_timeout).await
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
async fn serve(app: &AppLink, mut ws: Ws, seen: &mut Seen) -> End {
    let mut last_ping = Instant::now();
    let mut tick = tokio::time::interval(app.tuning.server_ping_timeout / 4);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let step = tokio::select! {
            frame = ws.next() => on_frame(app, &mut ws, seen, frame, &mut last_ping).await,
            _ = tick.tick() => {
                if last_ping.elapsed() >= app.tuning.server_ping_timeout {
                    Step::End(retry("no ping from Slack"))
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
                                on_frame(app, &mut ws, seen, frame, &mut last_ping).await
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
    seen: &mut Seen,
    frame: Option<Result<WsMessage, tokio_tungstenite::tungstenite::Error>>,
    last_ping: &mut Instant,
) -> Step {
    match frame {
        Some(Ok(WsMessage::Text(text))) => on_text(app, ws, seen, text.as_str()).await,
        Some(Ok(WsMessage::Ping(_))) => {
            *last_ping = Instant::now();
            // tungstenite queued the pong; make sure it goes out now.
            let _ = ws.flush().await;
            Step::Continue
        }
        Some(Ok(WsMessage::Close(_))) | None => Step::End(retry("socket closed")),
        Some(Ok(_)) => Step::Continue,
        Some(Err(e)) => Step::End(retry(format!("socket error: {e}"))),
    }
}

/// What a Socket Mode text frame is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Frame {
    /// `disconnect`: Slack wants a new socket (`link_disabled`: for good).
    Disconnect(String),
    Hello,
    /// An envelope: acked by its id, then routed by its kind.
    Envelope {
        id: String,
        kind: String,
        payload: Value,
    },
    /// Not JSON: logged and ignored.
    Malformed(String),
    /// JSON without an envelope id: logged and ignored.
    Unenveloped(String),
}

/// Reads one text frame; never fails (what cannot be read says so).
pub(super) fn read_frame(text: &str) -> Frame {
    let mut value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => return Frame::Malformed(e.to_string()),
    };
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    match kind.as_str() {
        "disconnect" => {
            let reason = value.get("reason").and_then(Value::as_str);
            return Frame::Disconnect(reason.unwrap_or("unknown").to_owned());
        }
        "hello" => return Frame::Hello,
        _ => {}
    }
    let Some(id) = value.get("envelope_id").and_then(Value::as_str) else {
        return Frame::Unenveloped(kind);
    };
    let id = id.to_owned();
    let payload = value
        .get_mut("payload")
        .map(Value::take)
        .unwrap_or(Value::Null);
    Frame::Envelope { id, kind, payload }
}

async fn on_text(app: &AppLink, ws: &mut Ws, seen: &mut Seen, text: &str) -> Step {
    let (envelope_id, kind, payload) = match read_frame(text) {
        Frame::Disconnect(reason) if reason == "link_disabled" => {
            return Step::End(End::Fatal(LinkStatus::Fatal {
                reason: "socket mode disabled for the app".into(),
            }));
        }
        Frame::Disconnect(reason) => return Step::Replace(reason),
        Frame::Hello => return Step::Continue,
        Frame::Malformed(error) => {
            tracing::warn!(app = %app.app_id, %error, "malformed socket mode frame ignored");
            return Step::Continue;
        }
        Frame::Unenveloped(kind) => {
            tracing::warn!(app = %app.app_id, kind, "socket mode frame without envelope ignored");
            return Step::Continue;
        }
        Frame::Envelope { id, kind, payload } => (id, kind, payload),
    };
    // Ack first, then process: Slack redelivers unacked envelopes.
    let ack = frames::ack(&envelope_id).to_string();
    match tokio::time::timeout(SEND_TIMEOUT, ws.send(WsMessage::text(ack))).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Step::End(retry(format!("ack failed: {e}"))),
        Err(_) => return Step::End(retry("ack stalled")),
    }
    let event_id = payload.get("event_id").and_then(Value::as_str);
    let fresh = seen.insert(&envelope_id) & event_id.is_none_or(|id| seen.insert(id));
    if !fresh {
        tracing::debug!(app = %app.app_id, envelope_id, "redelivery ignored");
        return Step::Continue;
    }
    app.routes.route(PayloadKind::of_envelope(&kind), &payload);
    Step::Continue
}
