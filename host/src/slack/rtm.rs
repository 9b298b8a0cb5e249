//! One team's RTM connection, kept up by the shared driver
//! ([`connection`](super::connection)). What is RTM's own lives here: a
//! fresh `rtm.connect` for every socket (URLs are single-use), a ping when
//! the socket is idle, any frame from Slack counting as liveness (dead
//! after a few silent intervals), typing indicators sent as frames, and
//! `goodbye` or `team_migration_started` asking for a prompt reconnect.

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use super::connection::{
    CONNECT_PERMIT_WAIT, End, SEND_TIMEOUT, Transport, Ws, connect_failure, drive, open_socket,
    retry,
};
use super::dispatch::dispatch;
use super::frames;
use super::link::{RtmOutgoing, TeamLink};
use super::ratelimit::Method;
use crate::chat::LinkStatus;
use crate::event::EventSink;

/// Runs the team's RTM link until cancelled or a fatal error.
pub(super) async fn run(
    link: Arc<TeamLink>,
    outgoing: mpsc::Receiver<RtmOutgoing>,
    sink: Arc<dyn EventSink>,
    cancel: CancellationToken,
) {
    let span = tracing::info_span!("rtm", team = %link.team);
    let backoff = link.tuning.backoff();
    let metrics = link.metrics.clone();
    let rtm = Rtm {
        link,
        outgoing,
        sink,
    };
    drive(rtm, backoff, metrics, cancel).instrument(span).await;
}

/// The RTM side of a team's link.
struct Rtm {
    link: Arc<TeamLink>,
    outgoing: mpsc::Receiver<RtmOutgoing>,
    sink: Arc<dyn EventSink>,
}

impl Transport for Rtm {
    type Session = Ws;
    const NAME: &'static str = "RTM";
    const KIND: &'static str = "rtm";

    fn report(&self, status: LinkStatus) {
        self.link.set_status(status);
    }

    async fn open(&mut self) -> Result<Ws, End> {
        let link = &self.link;
        let connect = link
            .limiter
            .call_once(Method::RtmConnect, None, CONNECT_PERMIT_WAIT, || {
                link.web.rtm_connect(&link.token)
            })
            .await
            .map_err(|e| connect_failure(&e))?;
        open_socket(connect.url.as_str(), link.tuning.hello_timeout).await
    }

    async fn serve(&mut self, ws: Ws) -> End {
        serve(&self.link, ws, &mut self.outgoing, self.sink.as_ref()).await
    }
}

/// Reads a live socket until it ends: frames to the sink, typing out,
/// pings when idle.
async fn serve(
    link: &TeamLink,
    mut ws: Ws,
    outgoing: &mut mpsc::Receiver<RtmOutgoing>,
    sink: &dyn EventSink,
) -> End {
    let tuning = &link.tuning;
    let mut next_id: u64 = 1;
    let mut last_seen = Instant::now();
    let mut last_sent = Instant::now();
    let dead_after = tuning.ping_interval * tuning.missed_pings.max(1);
    let mut tick = tokio::time::interval(tuning.ping_interval / 2);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            frame = ws.next() => {
                last_seen = Instant::now();
                match frame {
                    Some(Ok(WsMessage::Text(text))) => {
                        if let Some(end) = handle_frame(link, sink, text.as_str()) {
                            let _ = tokio::time::timeout(SEND_TIMEOUT, ws.close(None)).await;
                            return end;
                        }
                    }
                    Some(Ok(WsMessage::Close(_))) | None => return retry("socket closed"),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return retry(format!("socket error: {e}")),
                }
            }
            frame = outgoing.recv() => {
                let Some(RtmOutgoing::Typing(channel)) = frame else { continue };
                let value = frames::typing(next_id, &channel);
                next_id += 1;
                if send(&mut ws, &value).await.is_err() {
                    return retry("send failed");
                }
                last_sent = Instant::now();
            }
            _ = tick.tick() => {
                let now = Instant::now();
                if now.duration_since(last_seen) >= dead_after {
                    return retry(format!("no frame from Slack for {dead_after:?}"));
                }
                if now.duration_since(last_seen.max(last_sent)) >= tuning.ping_interval {
                    let ping = frames::ping(next_id, unix_millis());
                    next_id += 1;
                    if send(&mut ws, &ping).await.is_err() {
                        return retry("ping failed");
                    }
                    last_sent = now;
                }
            }
        }
    }
}

/// Wall-clock time for a ping's `time` field (echoed in the pong).
fn unix_millis() -> u64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since_epoch.as_millis()).unwrap_or(0)
}

/// Sends a frame; a frame too large for RTM is dropped (logged), a stalled
/// or failed send ends the session.
async fn send(ws: &mut Ws, frame: &Value) -> Result<(), ()> {
    let text = match frames::encode(frame) {
        Ok(text) => text,
        Err(e) => {
            tracing::warn!(error = %e, "RTM frame dropped");
            return Ok(());
        }
    };
    match tokio::time::timeout(SEND_TIMEOUT, ws.send(WsMessage::text(text))).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}

/// Handles one text frame of a live socket; `Some` ends the session.
pub(super) fn handle_frame(link: &TeamLink, sink: &dyn EventSink, text: &str) -> Option<End> {
    let value: Value = match serde_json::from_str(text) {
        Ok(value) => value,
        Err(e) => {
            tracing::warn!(team = %link.team, error = %e, "malformed RTM frame ignored");
            return None;
        }
    };
    let Some(kind) = value.get("type").and_then(Value::as_str) else {
        // Replies to our own frames (`reply_to`) carry no type.
        return None;
    };
    match kind {
        "hello" | "pong" | "reconnect_url" | "user_typing" | "presence_change" => None,
        "goodbye" => Some(End::Reconnect("goodbye".into())),
        "team_migration_started" => Some(End::Reconnect("team migration".into())),
        "error" => {
            tracing::warn!(team = %link.team, frame = %value, "RTM error frame");
            None
        }
        _ => {
            dispatch(link, sink, &value);
            None
        }
    }
}
