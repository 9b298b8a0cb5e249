//! One reconnect driver for Slack's two socket transports: RTM (a socket
//! per team) and Socket Mode (a socket per app). After twilight-gateway, a
//! connection is an explicit [`State`] machine:
//!
//! ```text
//! Connecting { attempt } ──opened──▶ Active ──session ended──┐
//!        ▲         └──open failed──┐                          │
//!        └──── after the delay ── Disconnected { delay } ◀────┘
//! a fatal end from either ──▶ FatallyClosed (the link stops for good)
//! ```
//!
//! A transport plugs in through [`Transport`]: `open` a session (a fresh
//! socket URL asked for under the rate scheduler, the socket, `hello`) and
//! `serve` it until it ends with an [`End`]. Everything around that lives
//! here, once: the statuses each state reports, the backoff (reset by each
//! `hello`), Slack's `Retry-After`, reconnect metrics, cancellation, and
//! giving up on a fatal error. Both transports also share [`open_socket`]
//! (connect, then wait for `hello`) and [`connect_failure`].

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use tokio_util::sync::CancellationToken;

use super::frames::MAX_INCOMING_MESSAGE;
use super::ratelimit::CallError;
use crate::backoff::Backoff;
use crate::chat::LinkStatus;
use crate::metrics::Metrics;

/// A Slack WebSocket.
pub(super) type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Longest wait for the rate scheduler's permit to ask for a socket URL:
/// longer than a Tier 1 method takes to refill one token (a minute), so a
/// link that used up its burst waits its turn instead of failing.
pub(super) const CONNECT_PERMIT_WAIT: Duration = Duration::from_secs(120);

/// A send or close that takes longer means the peer stalled.
pub(super) const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// How a session, or an attempt to open one, ended.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum End {
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

/// A failure worth another try after the backoff.
pub(super) fn retry(reason: impl Into<String>) -> End {
    End::Retry {
        reason: reason.into(),
        after: None,
    }
}

/// Maps a failed `rtm.connect` or `apps.connections.open` to how the link
/// proceeds: a bad token is fatal, a 429 waits out its `Retry-After`,
/// anything else is retried after the backoff.
pub(super) fn connect_failure(error: &CallError) -> End {
    let CallError::Api(error) = error else {
        return retry(format!("rate scheduler: {error}"));
    };
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

/// How every Slack socket reads: nothing larger than
/// [`MAX_INCOMING_MESSAGE`], in one frame or several.
fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(MAX_INCOMING_MESSAGE))
        .max_frame_size(Some(MAX_INCOMING_MESSAGE))
}

/// Opens the socket at `url` and reads until `hello`, each step within
/// `timeout`. Slack sends an `error` frame instead (e.g. an expired URL)
/// when it refuses the socket. The socket reads at most
/// [`MAX_INCOMING_MESSAGE`] bytes a message.
pub(super) async fn open_socket(url: &str, timeout: Duration) -> Result<Ws, End> {
    let connect = tokio_tungstenite::connect_async_with_config(url, Some(socket_config()), false);
    let mut ws = match tokio::time::timeout(timeout, connect).await {
        Ok(Ok((ws, _))) => ws,
        Ok(Err(e)) => return Err(retry(format!("websocket connect failed: {e}"))),
        Err(_) => return Err(retry("websocket connect timed out")),
    };
    match tokio::time::timeout(timeout, wait_for_hello(&mut ws)).await {
        Ok(Ok(())) => Ok(ws),
        Ok(Err(end)) => Err(end),
        Err(_) => Err(retry(format!("no hello within {timeout:?}"))),
    }
}

async fn wait_for_hello(ws: &mut Ws) -> Result<(), End> {
    while let Some(frame) = ws.next().await {
        let text = match frame {
            Ok(WsMessage::Text(text)) => text,
            Ok(_) => continue,
            Err(_) => break,
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
    Err(retry("socket closed before hello"))
}

/// A transport the driver keeps connected.
pub(super) trait Transport: Send {
    /// A live session (the socket, for both Slack transports).
    type Session: Send;
    /// Names the transport in log messages.
    const NAME: &'static str;
    /// Labels the transport's reconnects in metrics.
    const KIND: &'static str;

    /// Publishes the link's status.
    fn report(&self, status: LinkStatus);

    /// Opens a session, up to and including `hello`. Cancel-safe: the
    /// driver drops it on shutdown.
    async fn open(&mut self) -> Result<Self::Session, End>;

    /// Serves a live session until it ends. Cancel-safe, as `open`.
    async fn serve(&mut self, session: Self::Session) -> End;
}

/// Where a connection stands.
#[derive(Debug)]
enum State<S> {
    /// Opening a session; `attempt` counts tries since the last `hello`.
    Connecting { attempt: u32 },
    /// A session is live.
    Active(S),
    /// Waiting `delay` before the next try; `status` says why.
    Disconnected { delay: Duration, status: LinkStatus },
    /// Retrying is pointless; the link ends with this status.
    FatallyClosed(LinkStatus),
}

/// Keeps `connector` connected until `cancel` fires (the link then reports
/// `Closed`) or a session ends fatally (it keeps the fatal status). Logs
/// carry the caller's span, which names the team or app.
pub(super) async fn drive<C: Transport>(
    mut connector: C,
    mut backoff: Backoff,
    metrics: Arc<Metrics>,
    cancel: CancellationToken,
) {
    let mut state = State::Connecting { attempt: 1 };
    loop {
        state = match state {
            State::Connecting { attempt } => {
                connector.report(LinkStatus::Connecting { attempt });
                let opened = tokio::select! {
                    biased;
                    () = cancel.cancelled() => break,
                    opened = connector.open() => opened,
                };
                match opened {
                    Ok(session) => State::Active(session),
                    Err(end) => after::<C, _>(end, &mut backoff, &metrics),
                }
            }
            State::Active(session) => {
                backoff.succeed();
                connector.report(LinkStatus::Connected);
                tracing::debug!("{} connected", C::NAME);
                let end = tokio::select! {
                    biased;
                    () = cancel.cancelled() => break,
                    end = connector.serve(session) => end,
                };
                after::<C, _>(end, &mut backoff, &metrics)
            }
            State::Disconnected { delay, status } => {
                connector.report(status);
                tokio::select! {
                    biased;
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(delay) => {}
                }
                State::Connecting {
                    attempt: backoff.failures() + 1,
                }
            }
            State::FatallyClosed(status) => {
                tracing::warn!(%status, "{} link gives up", C::NAME);
                connector.report(status);
                return;
            }
        };
    }
    connector.report(LinkStatus::Closed);
}

/// The state after a session (or an attempt to open one) ended.
fn after<C: Transport, S>(end: End, backoff: &mut Backoff, metrics: &Metrics) -> State<S> {
    match end {
        End::Fatal(status) => State::FatallyClosed(status),
        End::Retry {
            reason,
            after: None,
        } => {
            metrics.reconnect(C::KIND);
            let delay = backoff.fail();
            let attempts = backoff.failures();
            State::Disconnected {
                delay,
                status: LinkStatus::Disconnected { attempts, reason },
            }
        }
        // Slack said when: wait that long (never less than the backoff's
        // floor), without counting a failure.
        End::Retry {
            after: Some(after), ..
        } => {
            metrics.reconnect(C::KIND);
            let retry_in_ms = u64::try_from(after.as_millis()).unwrap_or(u64::MAX);
            State::Disconnected {
                delay: after.max(backoff.min()),
                status: LinkStatus::RateLimited { retry_in_ms },
            }
        }
        End::Reconnect(reason) => {
            metrics.reconnect(C::KIND);
            tracing::debug!(%reason, "{} reconnect requested by Slack", C::NAME);
            // Not a failure: the schedule starts over, but the first step
            // is still waited (jittered), so the many teams Slack says
            // goodbye to at once do not come back at once.
            backoff.succeed();
            State::Disconnected {
                delay: backoff.fail(),
                status: LinkStatus::Disconnected {
                    attempts: 0,
                    reason,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests;
