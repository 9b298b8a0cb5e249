//! One simulator connection: WebSocket handshake, auth check, replay,
//! then pushes out and pings answered until the client leaves or the
//! simulator drops it.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_util::sync::CancellationToken;

use super::{Shared, wire};

type Ws = WebSocketStream<TcpStream>;

/// Longest wait for the WebSocket handshake, and then for the auth frame.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait to get a close frame out.
const CLOSE_TIMEOUT: Duration = Duration::from_millis(500);
/// Clients send one small auth frame; refuse anything large.
const MAX_MESSAGE: usize = 64 << 10;

/// What a connection task is given.
pub(super) struct Conn {
    pub(super) shared: Arc<Shared>,
    pub(super) id: u64,
    /// The simulator is shutting down: close politely.
    pub(super) stop: CancellationToken,
    /// `drop_clients`: vanish without a close frame.
    pub(super) dropped: CancellationToken,
}

/// The first text frame a client sent.
enum AuthFrame {
    Valid(String, crate::secret::Secret),
    Invalid,
}

/// Removes the client from the live set however the task ends.
struct Registration {
    shared: Arc<Shared>,
    conn: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.shared.unregister(self.conn);
    }
}

pub(super) async fn serve(stream: TcpStream, conn: Conn) {
    let Conn {
        shared,
        id,
        stop,
        dropped,
    } = conn;
    let opening = async {
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE))
            .max_frame_size(Some(MAX_MESSAGE));
        let accept = tokio_tungstenite::accept_async_with_config(stream, Some(config));
        let mut ws = tokio::time::timeout(HANDSHAKE_TIMEOUT, accept)
            .await
            .ok()?
            .ok()?;
        let auth = tokio::time::timeout(HANDSHAKE_TIMEOUT, read_auth(&mut ws))
            .await
            .ok()??;
        Some((ws, auth))
    };
    let opened = tokio::select! {
        biased;
        () = stop.cancelled() => return,
        () = dropped.cancelled() => return,
        opened = opening => opened,
    };
    let Some((mut ws, auth)) = opened else {
        tracing::debug!(
            conn = id,
            "resourcer-sim: connection left before authenticating"
        );
        return;
    };
    let accepted = match &auth {
        AuthFrame::Valid(client, token) => {
            shared.record_auth(client);
            shared
                .expected
                .as_ref()
                .is_none_or(|(want_id, want_token)| want_id == client && want_token == token)
        }
        AuthFrame::Invalid => false,
    };
    if !accepted {
        tracing::info!(conn = id, "resourcer-sim: auth rejected");
        let _ = ws.send(WsMessage::text(wire::auth_result(false))).await;
        close_quietly(&mut ws).await;
        return;
    }
    tracing::info!(conn = id, "resourcer-sim: client authenticated");
    let (pushes, replay) = shared.register(id);
    let _registration = Registration {
        shared: Arc::clone(&shared),
        conn: id,
    };
    for text in std::iter::once(wire::auth_result(true)).chain(replay) {
        if ws.send(WsMessage::text(text)).await.is_err() {
            return;
        }
    }
    let live = Live {
        shared: &shared,
        stop: &stop,
        dropped: &dropped,
        pushes,
    };
    live.run(ws).await;
}

/// Waits for the first text frame; `None` if the client left first.
async fn read_auth(ws: &mut Ws) -> Option<AuthFrame> {
    loop {
        match ws.next().await? {
            Ok(WsMessage::Text(text)) => {
                return Some(match wire::parse_auth(text.as_str()) {
                    Some((id, token)) => AuthFrame::Valid(id, token),
                    None => AuthFrame::Invalid,
                });
            }
            Ok(WsMessage::Binary(_)) => return Some(AuthFrame::Invalid),
            Ok(WsMessage::Close(_)) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

/// An authenticated connection.
struct Live<'a> {
    shared: &'a Shared,
    stop: &'a CancellationToken,
    dropped: &'a CancellationToken,
    pushes: mpsc::Receiver<String>,
}

impl Live<'_> {
    async fn run(mut self, mut ws: Ws) {
        let mut pong = self.shared.pong.subscribe();
        loop {
            if !*pong.borrow_and_update() {
                return self.unresponsive(ws).await;
            }
            tokio::select! {
                biased;
                () = self.stop.cancelled() => return close_quietly(&mut ws).await,
                () = self.dropped.cancelled() => return,
                changed = pong.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
                pushed = self.pushes.recv() => {
                    let Some(text) = pushed else {
                        // Dropped from the live set (too slow).
                        return close_quietly(&mut ws).await;
                    };
                    if ws.send(WsMessage::text(text)).await.is_err() {
                        return;
                    }
                }
                frame = ws.next() => match frame {
                    Some(Ok(WsMessage::Ping(_))) => {
                        // tungstenite queued the pong; flush it before
                        // counting, so a waiter knows it is on its way.
                        if ws.flush().await.is_err() {
                            return;
                        }
                        self.shared.pings.send_modify(|n| *n += 1);
                    }
                    Some(Ok(WsMessage::Close(_)) | Err(_)) | None => return,
                    Some(Ok(_)) => {}
                },
            }
        }
    }

    /// Pongs are off: never read through tungstenite again (it would
    /// answer pings), only discard raw bytes until the client leaves.
    /// Pushes still go out.
    async fn unresponsive(mut self, mut ws: Ws) {
        let mut sink = [0u8; 1024];
        loop {
            tokio::select! {
                biased;
                () = self.stop.cancelled() => return,
                () = self.dropped.cancelled() => return,
                pushed = self.pushes.recv() => {
                    let Some(text) = pushed else { return };
                    if ws.send(WsMessage::text(text)).await.is_err() {
                        return;
                    }
                }
                read = ws.get_mut().read(&mut sink) => match read {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                },
            }
        }
    }
}

async fn close_quietly(ws: &mut Ws) {
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, ws.close(None)).await;
}
