//! One team's RTM connection, as an explicit state machine:
//! `Connecting` (a fresh `rtm.connect` every time: URLs are single-use) →
//! waiting for `hello` → `Connected` (ping when idle; any frame counts as
//! liveness; dead after a few silent intervals) → `Disconnected` with a
//! jittered backoff → `Connecting` again. `goodbye` and
//! `team_migration_started` reconnect at once; fatal auth errors end the
//! link with `token_revoked`.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

use super::api::ApiError;
use super::events::{Incoming, parse_event};
use super::frames;
use super::link::{RtmOutgoing, TeamLink};
use super::sink::EventSink;
use super::status::LinkStatus;
use super::tuning::Backoff;

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How a session ended.
#[derive(Debug)]
pub(super) enum End {
    Cancelled,
    /// Give up for good with this status.
    Fatal(LinkStatus),
    /// Try again after a backoff (or after `after`, when Slack said so).
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// Slack asked us to reconnect (goodbye, migration): do it promptly.
    Reconnect(String),
}

/// Maps a Web API failure of a connect call to how the link proceeds.
pub(super) fn connect_failure(error: &ApiError) -> End {
    if error.is_fatal() {
        let reason = error.code().to_owned();
        return End::Fatal(match reason.as_str() {
            "invalid_auth" | "not_authed" | "token_revoked" | "token_expired"
            | "account_inactive" | "http_404" => LinkStatus::TokenRevoked { reason },
            _ => LinkStatus::Fatal { reason },
        });
    }
    End::Retry {
        reason: error.code().to_owned(),
        after: error.retry_after(),
    }
}

/// Runs the team's RTM link until cancelled or a fatal error.
pub(super) async fn run(
    link: Arc<TeamLink>,
    mut outgoing: mpsc::Receiver<RtmOutgoing>,
    sink: Arc<dyn EventSink>,
    cancel: CancellationToken,
) {
    let mut backoff = Backoff::new(&link.tuning);
    loop {
        link.set_status(LinkStatus::Connecting {
            attempt: backoff.attempts() + 1,
        });
        let end = tokio::select! {
            () = cancel.cancelled() => End::Cancelled,
            end = session(&link, &mut outgoing, sink.as_ref(), &mut backoff) => end,
        };
        let delay = match end {
            End::Cancelled => break,
            End::Fatal(status) => {
                tracing::warn!(team = %link.team, %status, "RTM link gives up");
                link.set_status(status);
                return;
            }
            End::Retry { reason, after } => {
                link.metrics.reconnect("rtm");
                let delay =
                    after.map_or_else(|| backoff.next_delay(), |a| a.max(link.tuning.backoff_min));
                link.set_status(match after {
                    Some(after) => LinkStatus::RateLimited {
                        retry_in_ms: u64::try_from(after.as_millis()).unwrap_or(u64::MAX),
                    },
                    None => LinkStatus::Disconnected {
                        attempts: backoff.attempts(),
                        reason,
                    },
                });
                delay
            }
            End::Reconnect(reason) => {
                link.metrics.reconnect("rtm");
                tracing::info!(team = %link.team, %reason, "RTM reconnect requested by Slack");
                backoff.reset();
                let delay = backoff.next_delay();
                link.set_status(LinkStatus::Disconnected {
                    attempts: 0,
                    reason,
                });
                delay
            }
        };
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(delay) => {}
        }
    }
    link.set_status(LinkStatus::Closed);
}

async fn session(
    link: &TeamLink,
    outgoing: &mut mpsc::Receiver<RtmOutgoing>,
    sink: &dyn EventSink,
    backoff: &mut Backoff,
) -> End {
    let connect = match link.web.rtm_connect(&link.token).await {
        Ok(connect) => connect,
        Err(e) => return connect_failure(&e),
    };
    let tuning = &link.tuning;
    let mut ws = match tokio::time::timeout(
        tuning.hello_timeout,
        tokio_tungstenite::connect_async(connect.url.as_str()),
    )
    .await
    {
        Ok(Ok((ws, _))) => ws,
        Ok(Err(e)) => return retry(format!("websocket connect failed: {e}")),
        Err(_) => return retry("websocket connect timed out".into()),
    };
    if let Err(end) = await_hello(&mut ws, tuning.hello_timeout).await {
        return end;
    }
    backoff.reset();
    link.set_status(LinkStatus::Connected);
    tracing::debug!(team = %link.team, "RTM connected");

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
                            let close = ws.close(None);
                            let _ = tokio::time::timeout(Duration::from_secs(5), close).await;
                            return end;
                        }
                    }
                    Some(Ok(WsMessage::Close(_))) | None => return retry("socket closed".into()),
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return retry(format!("socket error: {e}")),
                }
            }
            frame = outgoing.recv() => {
                let Some(RtmOutgoing::Typing(channel)) = frame else { continue };
                let value = frames::typing(next_id, &channel);
                next_id += 1;
                if send(&mut ws, &value).await.is_err() {
                    return retry("send failed".into());
                }
                last_sent = Instant::now();
            }
            _ = tick.tick() => {
                let now = Instant::now();
                if now.duration_since(last_seen) >= dead_after {
                    return retry(format!("no frame from Slack for {dead_after:?}"));
                }
                if now.duration_since(last_seen.max(last_sent)) >= tuning.ping_interval {
                    let millis = u64::try_from(
                        std::time::SystemTime::now()
                            .duration_since(std::time::UNIX_EPOCH)
                            .unwrap_or_default()
                            .as_millis(),
                    )
                    .unwrap_or(0);
                    let ping = frames::ping(next_id, millis);
                    next_id += 1;
                    if send(&mut ws, &ping).await.is_err() {
                        return retry("ping failed".into());
                    }
                    last_sent = now;
                }
            }
        }
    }
}

fn retry(reason: String) -> End {
    End::Retry {
        reason,
        after: None,
    }
}

async fn send(ws: &mut Ws, frame: &Value) -> Result<(), ()> {
    let text = match frames::encode(frame) {
        Ok(text) => text,
        Err(e) => {
            tracing::warn!(error = %e, "RTM frame dropped");
            return Ok(());
        }
    };
    match tokio::time::timeout(Duration::from_secs(5), ws.send(WsMessage::text(text))).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}

/// Reads until `hello`. Slack sends an `error` frame (e.g. an expired URL)
/// instead when the connect failed.
async fn await_hello(ws: &mut Ws, timeout: Duration) -> Result<(), End> {
    let wait = async {
        while let Some(frame) = ws.next().await {
            let Ok(WsMessage::Text(text)) = frame else {
                if frame.is_err() {
                    break;
                }
                continue;
            };
            let Ok(value) = serde_json::from_str::<Value>(text.as_str()) else {
                continue;
            };
            match value.get("type").and_then(Value::as_str) {
                Some("hello") => return Ok(()),
                Some("error") => {
                    let msg = value
                        .pointer("/error/msg")
                        .and_then(Value::as_str)
                        .unwrap_or("unknown error");
                    return Err(retry(format!("Slack refused the socket: {msg}")));
                }
                _ => {}
            }
        }
        Err(retry("socket closed before hello".into()))
    };
    match tokio::time::timeout(timeout, wait).await {
        Ok(result) => result,
        Err(_) => Err(retry(format!("no hello within {timeout:?}"))),
    }
}

/// Handles one text frame of a live socket; `Some` ends the session.
fn handle_frame(link: &TeamLink, sink: &dyn EventSink, text: &str) -> Option<End> {
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

/// Parses an event and hands it to the sink, keeping the directory
/// current. Shared with Socket Mode.
pub(super) fn dispatch(link: &TeamLink, sink: &dyn EventSink, value: &Value) {
    link.directory_mut(|d| d.observe_raw(value));
    match parse_event(value, &link.identity) {
        Ok(Incoming::Event(event)) => {
            link.directory_mut(|d| d.observe(&event));
            if let crate::event::Event::Other { type_name, .. } = &event {
                tracing::debug!(team = %link.team, %type_name, "event without a typed case");
            }
            sink.deliver(&link.team, event);
        }
        Ok(Incoming::Own) => {}
        Err(e) => tracing::warn!(team = %link.team, error = %e, "event ignored"),
    }
}
